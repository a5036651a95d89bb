"""Recruiter-page benchmark (DESIGN §7): a position's pipeline page with 100,000 applications.

    .venv/bin/python bench/recruiter.py [--n 100000] [--requests 100] [--database-url postgresql://...]
                                        [--json]

A server process builds the real container on a fresh SQLite file in a temporary directory (or,
with --database-url, a database it creates on that PostgreSQL server and drops afterwards),
migrates it and seeds N applications with their persons through piccolo, in multi-row INSERTs:
all N to one position, the worst case for that position's page, spread over the workflow's
states (STATE_MIX). It adds one recruiter assigned to the position (need to know, DESIGN §8)
and an API token, then serves the real app (ats.web.app.create_app) under uvicorn on loopback.
The S3/KMS emulator runs because the container needs it; these pages read no object. The
server counts the SQL statements its engine runs (piccolo's `run_querystring`).

This process signs in to the panel as a browser would (login page, CSRF field, session cookie)
and times, one request at a time after a warm-up, in interleaved rounds:

- pipeline: GET /admin/positions/{id}, the first page (counts per state and 50 cards);
- filtered: the same page for one state (?status=interview);
- deep: the page at a marker half-way down the N applications;
- search: ?reference= an application half-way down, typed in lower case;
- api: GET /api/v1/positions/{id}/applications with the bearer token, the first page;
- baseline: GET /healthz, the same server and stack doing no database work.

Output: median and 95th percentile in milliseconds per target, each median over the
baseline's, and the SQL statements one request of each target ran. Floors (DESIGN §7): every
pipeline page's median under 50 ms, and the same number of statements on each of them. Exit 1
when missed, 2 when the run failed. Not part of the test suite; no personal data beyond
generated names is written.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import secrets
import statistics
import sys
import tempfile
import time
import traceback
import uuid
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.expiry import ROWS_PER_INSERT, fresh_database
from bench.intake import _uvicorn_thread
from bench.support import REGION, build_container, start_server_child, stop_server

FLOOR_MS = 50.0
EMAIL = "bench-recruiter@example.com"
CSRF = re.compile(r'name="csrftoken" value="([^"]+)"')
# One cycle of 20: most applications early in the funnel, a few far along (a busy position).
STATE_MIX = (["submitted"] * 9 + ["screening"] * 4 + ["interview"] * 2 + ["reference_check", "offer_extended",
             "hired", "withdrawn"] + ["rejected"])
PAGES = ("pipeline", "filtered", "deep", "search")


async def _seed(deps: Any, n: int) -> tuple[str, str, str]:
    """N persons and applications to one position; returns its id, a mid-list marker and the
    reference of a mid-list application."""
    from ats.domain import paging
    from ats.domain.actors import SYSTEM
    from ats.services.positions import create_position
    from storage import tables as t

    position = await create_position(deps, SYSTEM, title="Benchmark engineer", jurisdiction="GB")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    keys = []
    for chunk in range(0, n, ROWS_PER_INSERT):
        people, apps = [], []
        for i in range(chunk, min(n, chunk + ROWS_PER_INSERT)):
            person_id, app_id, at = uuid.uuid4(), uuid.uuid4(), start + timedelta(seconds=37 * i)
            people.append(
                t.Person(id=person_id, email=f"bench-{i}@example.com", full_name=f"Applicant {i}",
                         phone=None, country="GB", created_at=at)
            )
            apps.append(
                t.Application(
                    id=app_id, reference=f"APP-B{i:09d}", position_id=position.id, person_id=person_id,
                    dedupe_key=f"{person_id}:{position.id}", status=STATE_MIX[i % len(STATE_MIX)], submitted_at=at,
                    privacy_notice_version="2026-11-22", talent_pool_consent=False,
                )
            )
            keys.append((at, app_id, f"APP-B{i:09d}"))
        async with t.Person._meta.db.transaction():
            await t.Person.insert(*people).run()
            await t.Application.insert(*apps).run()
    keys.sort(reverse=True)
    at, app_id, reference = keys[len(keys) // 2]
    return str(position.id), paging.encode_marker(paging.Marker(at=at, id=app_id)), reference


def _count_statements(engine: Any) -> list[int]:
    """Count every SQL statement the engine runs (all of a repository's queries pass there)."""
    counter = [0]
    real = type(engine).run_querystring

    async def counting(self: Any, querystring: Any, *args: Any, **kwargs: Any) -> Any:
        counter[0] += 1
        return await real(self, querystring, *args, **kwargs)

    type(engine).run_querystring = counting
    return counter


def serve(conn: Any, endpoint_url: str, bucket: str, key_id: str, database_url: str, n: int, password: str) -> None:
    try:
        from ats.domain.actors import cli_operator
        from ats.services import accounts, assignments
        from ats.web.app import create_app
        from storage.migrate import migrate

        container = build_container(
            database_url=database_url, endpoint_url=endpoint_url, bucket=bucket, key_id=key_id
        )

        async def prepare() -> tuple[str, str, str, str, float]:
            # No pool yet (the server's start-up opens it on its own loop): one connection a query.
            await migrate()
            started = time.perf_counter()
            position_id, marker, reference = await _seed(container.deps, n)
            seeded = time.perf_counter() - started
            await accounts.create_user(container.deps, email=EMAIL, role="recruiter", password=password)
            await assignments.assign(container.deps, cli_operator("bench"), uuid.UUID(position_id), email=EMAIL)
            token = await accounts.issue_token(container.deps, email=EMAIL)
            return position_id, marker, reference, token, seeded

        position_id, marker, reference, token, seeded = asyncio.run(prepare())
        counter = _count_statements(container.deps.uow.engine)
        server, thread, port = _uvicorn_thread(create_app(container), lifespan="on")
    except BaseException:
        conn.send(("error", traceback.format_exc()))
        return
    conn.send(("ready", f"http://127.0.0.1:{port}", position_id, marker, reference, token, seeded))
    with contextlib.suppress(EOFError):
        while conn.recv() == "statements":  # anything else means stop
            conn.send(counter[0])
    server.should_exit = True
    thread.join(timeout=10)


def sign_in(client: httpx.Client, password: str) -> None:
    page = client.get("/admin/login")
    found = CSRF.search(page.text)
    if page.status_code != 200 or found is None:
        raise RuntimeError(f"login page answered {page.status_code}")
    done = client.post("/admin/login", data={"csrftoken": unescape(found.group(1)), "email": EMAIL, "password": password})
    if done.status_code != 303:
        raise RuntimeError(f"sign-in answered {done.status_code}")


def measure(
    base_url: str, position_id: str, marker: str, reference: str, token: str, password: str,
    args: argparse.Namespace, statements: Any,
) -> dict[str, Any]:
    page = f"/admin/positions/{position_id}"
    targets = {
        "pipeline": (page, {}),
        "filtered": (f"{page}?status=interview", {}),
        "deep": (f"{page}?after={marker}", {}),
        "search": (f"{page}?reference={reference.lower()}", {}),
        "api": (f"/api/v1/positions/{position_id}/applications", {"Authorization": f"Bearer {token}"}),
        "baseline": ("/healthz", {}),
    }
    times: dict[str, list[float]] = {name: [] for name in targets}
    per_request: dict[str, int] = {}
    with httpx.Client(base_url=base_url, timeout=60) as client:
        sign_in(client, password)
        for name, (path, headers) in targets.items():  # warm-up, and every answer must be 200
            for _ in range(5):
                before = statements()
                response = client.get(path, headers=headers)
                per_request[name] = statements() - before
                if response.status_code != 200:
                    raise RuntimeError(f"{name}: GET {path} answered {response.status_code}")
            if name == "search" and reference not in response.text:
                raise RuntimeError("search: the application searched for is not on the page")
        for _ in range(args.requests):
            for name, (path, headers) in targets.items():
                started = time.perf_counter()
                response = client.get(path, headers=headers)
                times[name].append(1000 * (time.perf_counter() - started))
                if response.status_code != 200:
                    raise RuntimeError(f"{name}: GET {path} answered {response.status_code}")
    base = statistics.median(times["baseline"])
    return {
        name: {
            "median_ms": round(statistics.median(values), 2),
            "p95_ms": round(statistics.quantiles(values, n=20)[-1], 2),
            "over_baseline": round(statistics.median(values) / base, 2),
            "statements": per_request[name],
        }
        for name, values in times.items()
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    from storage.emulator import clients, provision, start_emulator

    emulator = start_emulator()
    process = parent = None
    password = secrets.token_urlsafe(18)  # made here: the spawned server re-imports this module
    try:
        s3, kms = clients(emulator.endpoint_url, REGION, emulated=True)
        bucket = f"ats-bench-{uuid.uuid4().hex[:12]}"
        key_id = provision(s3, kms, bucket, REGION)
        with tempfile.TemporaryDirectory(prefix="ats-bench-") as tmp:
            database = asyncio.run(fresh_database(args.database_url, Path(tmp), "recruiter"))
            try:
                process, parent, message = start_server_child(
                    serve,
                    (emulator.endpoint_url, bucket, key_id, database.url, args.n, password),
                    timeout=1800,
                    failed=RuntimeError,
                )
                _, base_url, position_id, marker, reference, token, seeded = message

                def statements() -> int:
                    parent.send("statements")
                    return parent.recv()

                load = os.getloadavg()
                figures = measure(base_url, position_id, marker, reference, token, password, args, statements)
            finally:
                stop_server(parent, process)
                asyncio.run(database.cleanup())
    finally:
        emulator.stop()
    worst = max(figures[name]["median_ms"] for name in PAGES)
    constant = len({figures[name]["statements"] for name in PAGES}) == 1
    return {"n": args.n, "requests": args.requests, "seed_seconds": round(seeded, 1), "pages": figures,
            "floor_ms": FLOOR_MS, "load_before": [round(x, 2) for x in load],
            "load_after": [round(x, 2) for x in os.getloadavg()], "constant_statements": constant,
            "ok": worst < FLOOR_MS and constant}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="applications stored (all to one position)")
    parser.add_argument("--requests", type=int, default=100, help="timed requests per page")
    parser.add_argument("--database-url", default=None, help="postgresql://... server to create a database on")
    parser.add_argument("--json", action="store_true", help="print a JSON object on stdout")
    args = parser.parse_args(argv)
    if args.n < 100 or args.requests < 20:
        parser.error("--n must be at least 100 and --requests at least 20")
    try:
        result = run(args)
    except RuntimeError as exc:
        print(f"recruiter benchmark failed: {exc}", file=sys.stderr)
        return 2
    out = sys.stderr if args.json else sys.stdout
    print(f"{args.n:,} applications to one position (seeded in {result['seed_seconds']} s), "
          f"{args.requests} requests per page, one at a time", file=out)
    print(f"load average before {result['load_before']}, after {result['load_after']}", file=out)
    print(f"{'page':<12} {'median ms':>10} {'p95 ms':>8} {'/ baseline':>11} {'statements':>11}", file=out)
    for name, f in result["pages"].items():
        print(f"{name:<12} {f['median_ms']:>10.2f} {f['p95_ms']:>8.2f} {f['over_baseline']:>11.2f} "
              f"{f['statements']:>11}", file=out)
    worst = max(result["pages"][name]["median_ms"] for name in PAGES)
    verdict = "ok" if result["ok"] else "OVER BUDGET"
    print(f"slowest pipeline page median {worst:.2f} ms, budget {FLOOR_MS:g} ms; statements per page "
          f"{'constant' if result['constant_statements'] else 'NOT CONSTANT'}: {verdict}", file=out)
    if args.json:
        print(json.dumps(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
