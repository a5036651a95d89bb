"""Load test (issue 9): many concurrent applicants against a real `ats serve` process, then an
audit of what was stored.

    .venv/bin/python bench/load.py [--applicants 200] [--seconds 60] [--max-requests 50000]
                                   [--cv-kb 20-100] [--database-url postgresql://...] [--json]

Set-up, everything on loopback: the S3/KMS emulator (moto, its own process) with a versioned
bucket and a KMS key; a fresh database (a SQLite file in a temporary directory, or with
--database-url a database this script creates on that PostgreSQL server and drops afterwards);
`ats db migrate` and `ats positions create` (the CLI, as an operator would); then
`ats serve --host 127.0.0.1` in its own process, configured through its environment, with the
per-client rate limits raised through ATS_RATE_LIMITS, since every applicant here comes from
127.0.0.1.

Load: --applicants coroutines (httpx, async, one connection each) each submit applications one
after another (a new person and email every time, a small real PDF CV of --cv-kb kilobytes)
until --seconds have passed or --max-requests were started. Requests still running then get a
bounded grace period.

Audit, after the server has stopped (so nothing is in flight), from the database and the bucket
directly:
- every 201 names a distinct application id (no duplicates);
- the position has exactly as many applications as there were 201s (none lost, none extra);
- every 201's application has its row, its data-key row and at least one record, and every
  record's exact S3 object version exists;
- every object version in the bucket belongs to a record row (no orphans), and there is no
  delete marker.
Latency p50/p99 (of the 201s) and throughput (201s per second of the load phase) are printed.
Exit status 1 when the audit finds a loss, duplicate or orphan, 2 when the run itself failed.
Not part of the test suite. CV bytes are never written to local disk.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import secrets
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.expiry import fresh_database
from bench.support import REGION
from tests.helpers import write_pdf

BOUNDARY = "ats-load-" + secrets.token_hex(12)
RAISED_LIMITS = "applications=1000000/minute;privacy_requests=1000000/minute"
READY_TIMEOUT = 120.0
GRACE_SECONDS = 60.0


# --------------------------------------------------------------------------------------------
# CVs: small, valid PDFs (one page of text), so any content check the app makes accepts them.


def make_pdf(size: int, seed: int) -> bytes:
    rng = random.Random(seed)
    words = ["python", "postgres", "privacy", "engineer", "retention", "design", "tests", "kms"]
    lines: list[str] = []
    stream_len = 0
    while stream_len < max(size - 700, 100):
        text = " ".join(rng.choice(words) for _ in range(12))
        line = f"BT /F1 9 Tf 40 {700 - len(lines) % 60 * 11} Td ({text}) Tj ET\n"
        lines.append(line)
        stream_len += len(line)
    stream = "".join(lines).encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    return write_pdf(objects)


def _field(name: str, value: str) -> bytes:
    return f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()


def body(n: int, run: str, cv: bytes) -> bytes:
    return b"".join(
        (
            _field("full_name", f"Load Applicant {n}"),
            _field("email", f"load-{run}-{n}@example.com"),
            _field("country", "GB"),
            _field("privacy_notice_acknowledged", "true"),
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="cv"; filename="cv.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n".encode(),
            cv,
            f"\r\n--{BOUNDARY}--\r\n".encode(),
        )
    )


# --------------------------------------------------------------------------------------------
# The server: `ats` commands in their own processes, configured through the environment.


def server_env(database_url: str, endpoint_url: str, bucket: str, key_id: str, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ATS_", "AWS_"))}
    env.update(
        ATS_ENV="development",
        ATS_DATABASE_URL=database_url,
        ATS_S3_BUCKET=bucket,
        ATS_S3_ENDPOINT_URL=endpoint_url,
        ATS_KMS_KEY_ID=key_id,
        AWS_REGION=REGION,
        AWS_ACCESS_KEY_ID="testing",  # the emulator's; boto3 looks no further
        AWS_SECRET_ACCESS_KEY="testing",
        ATS_SECRET_KEY=secrets.token_urlsafe(48),
        ATS_PUBLIC_URL=f"http://127.0.0.1:{port}",
        ATS_RATE_LIMITS=RAISED_LIMITS,  # every applicant here comes from 127.0.0.1
    )
    return env


def ats(*args: str, env: dict[str, str]) -> str:
    command = [sys.executable, "-c", "import sys; from ats.cli import main; sys.exit(main())", *args]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)
    if done.returncode != 0:
        raise RunFailed(f"ats {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


class Server:
    """`ats serve` in its own process; its stderr drained in memory (a full pipe would stall it)."""

    def __init__(self, env: dict[str, str], port: int) -> None:
        command = [sys.executable, "-c", "import sys; from ats.cli import main; sys.exit(main())",
                   "serve", "--host", "127.0.0.1", "--port", str(port)]
        self.process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.tail: deque[str] = deque(maxlen=60)
        self.drain = threading.Thread(target=self._drain, daemon=True)
        self.drain.start()

    def _drain(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.tail.append(line.decode(errors="replace"))

    def stop(self) -> str:
        """SIGTERM (uvicorn finishes what is in flight), then the tail of its stderr."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.drain.join(timeout=5)
        return "".join(self.tail)


def start_server(env: dict[str, str], port: int) -> Server:
    server = Server(env, port)
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RunFailed(f"the server exited at start:\n{server.stop()}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server
        time.sleep(0.2)
    raise RunFailed(f"the server did not answer /healthz in time:\n{server.stop()}")


class RunFailed(Exception):
    pass


# --------------------------------------------------------------------------------------------
# Load.


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)  # seconds, 201s only
    statuses: Counter[str] = field(default_factory=Counter)
    ids: list[str] = field(default_factory=list)
    samples: dict[str, str] = field(default_factory=dict)  # one response body per odd status
    started: int = 0
    elapsed: float = 0.0


async def load(url: str, applicants: int, seconds: float, max_requests: int, cvs: list[bytes]) -> Outcome:
    outcome = Outcome()
    run = uuid.uuid4().hex[:10]
    limits = httpx.Limits(max_connections=applicants, max_keepalive_connections=applicants)
    headers = {"content-type": f"multipart/form-data; boundary={BOUNDARY}"}
    begin = time.monotonic()
    deadline = begin + seconds

    async def applicant(client: httpx.AsyncClient, index: int) -> None:
        while time.monotonic() < deadline and outcome.started < max_requests:
            outcome.started += 1
            n = outcome.started
            payload = body(n, run, cvs[n % len(cvs)])
            sent = time.perf_counter()
            try:
                response = await client.post(url, content=payload, headers=headers)
            except httpx.HTTPError as exc:
                outcome.statuses[type(exc).__name__] += 1
                continue
            took = time.perf_counter() - sent
            key = str(response.status_code)
            outcome.statuses[key] += 1
            if response.status_code == 201:
                outcome.latencies.append(took)
                outcome.ids.append(response.json()["id"])
            elif key not in outcome.samples:
                outcome.samples[key] = response.text[:500]

    async with httpx.AsyncClient(limits=limits, timeout=httpx.Timeout(120.0)) as client:
        tasks = [asyncio.create_task(applicant(client, i)) for i in range(applicants)]
        _, pending = await asyncio.wait(tasks, timeout=seconds + GRACE_SECONDS)
        for task in pending:  # bounded: a request still hanging after the grace is abandoned
            task.cancel()
            outcome.statuses["abandoned"] += 1
        await asyncio.gather(*pending, return_exceptions=True)
    outcome.elapsed = time.monotonic() - begin
    return outcome


# --------------------------------------------------------------------------------------------
# Audit.


async def stored_rows(database_url: str, position_id: str) -> dict[str, Any]:
    """applications of the position, data keys and records (object key, version) per application."""
    apps_sql = "SELECT id FROM applications WHERE position_id = {p}"
    keys_sql = "SELECT application_id FROM data_keys"
    records_sql = "SELECT application_id, object_key, version_id FROM records"
    if database_url.startswith("sqlite:///"):
        conn = sqlite3.connect(database_url[len("sqlite:///") :])
        try:
            apps = [str(r[0]) for r in conn.execute(apps_sql.format(p="?"), (position_id,))]
            keys = [str(r[0]) for r in conn.execute(keys_sql)]
            records = [(str(a), k, v) for a, k, v in conn.execute(records_sql)]
        finally:
            conn.close()
    else:
        import asyncpg

        conn = await asyncpg.connect(database_url)
        try:
            apps = [str(r[0]) for r in await conn.fetch(apps_sql.format(p="$1"), uuid.UUID(position_id))]
            keys = [str(r[0]) for r in await conn.fetch(keys_sql)]
            records = [(str(a), k, v) for a, k, v in await conn.fetch(records_sql)]
        finally:
            await conn.close()
    return {"applications": apps, "keys": keys, "records": records}


def stored_objects(s3: Any, bucket: str) -> tuple[set[tuple[str, str]], int]:
    versions: set[tuple[str, str]] = set()
    markers = 0
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        versions.update((v["Key"], v["VersionId"]) for v in page.get("Versions", []))
        markers += len(page.get("DeleteMarkers", []))
    return versions, markers


def audit(outcome: Outcome, rows: dict[str, Any], objects: set[tuple[str, str]], markers: int) -> dict[str, int]:
    ok_ids = [i.lower() for i in outcome.ids]
    ok = set(ok_ids)
    apps = set(a.lower() for a in rows["applications"])
    keys = set(k.lower() for k in rows["keys"])
    records_by_app: dict[str, list[tuple[str, str]]] = {}
    for app, key, version in rows["records"]:
        records_by_app.setdefault(app.lower(), []).append((key, version))
    referenced = {kv for recs in records_by_app.values() for kv in recs}
    return {
        "created_201": len(ok_ids),
        "applications_stored": len(rows["applications"]),
        "duplicated_ids": len(ok_ids) - len(ok),
        "lost": len(ok - apps),
        "extra_applications": len(apps - ok),
        "missing_data_key": len(ok - keys),
        "missing_records": sum(1 for a in ok if not records_by_app.get(a)),
        "missing_object_versions": sum(
            1 for a in ok for kv in records_by_app.get(a, []) if kv not in objects
        ),
        "orphan_object_versions": len(objects - referenced),
        "delete_markers": markers,
    }


# --------------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


async def run(args: argparse.Namespace) -> dict[str, Any]:
    from storage.emulator import clients, free_port, provision, start_emulator

    low, high = (int(x) for x in args.cv_kb.split("-"))
    cvs = [make_pdf(random.Random(i).randint(low, high) * 1024, i) for i in range(16)]
    emulator = start_emulator()
    server = None
    try:
        s3, kms = clients(emulator.endpoint_url, REGION, emulated=True)
        bucket = f"ats-load-{uuid.uuid4().hex[:8]}"
        key_id = provision(s3, kms, bucket, REGION)
        with tempfile.TemporaryDirectory(prefix="ats-load-") as tmp:
            database = await fresh_database(args.database_url, Path(tmp), "load")
            try:
                port = free_port()
                env = server_env(database.url, emulator.endpoint_url, bucket, key_id, port)
                ats("db", "migrate", env=env)
                position_id = ats("positions", "create", "--title", "Load test engineer",
                                  "--jurisdiction", "GB", env=env)
                server = start_server(env, port)
                url = f"http://127.0.0.1:{port}/api/v1/positions/{position_id}/applications"
                outcome = await load(url, args.applicants, args.seconds, args.max_requests, cvs)
                server_log = server.stop()
                rows = await stored_rows(database.url, position_id)
                objects, markers = stored_objects(s3, bucket)
            finally:
                await database.cleanup()
    finally:
        if server is not None:
            server.stop()
        emulator.stop()
    lat = outcome.latencies
    return {
        "database": "postgresql" if args.database_url else "sqlite",
        "applicants": args.applicants,
        "seconds": args.seconds,
        "cv_kb": args.cv_kb,
        "requests_started": outcome.started,
        "elapsed_s": round(outcome.elapsed, 1),
        "statuses": dict(outcome.statuses),
        "samples": outcome.samples,
        "throughput_per_s": round(len(lat) / outcome.elapsed, 1) if outcome.elapsed else 0.0,
        "p50_ms": round(percentile(lat, 0.50) * 1000, 1),
        "p99_ms": round(percentile(lat, 0.99) * 1000, 1),
        "max_ms": round(max(lat) * 1000, 1) if lat else None,
        "mean_ms": round(statistics.fmean(lat) * 1000, 1) if lat else None,
        "audit": audit(outcome, rows, objects, markers),
        "server_stderr_tail": server_log if any(not s.startswith("2") for s in outcome.statuses) else "",
    }


def failures(result: dict[str, Any]) -> list[str]:
    a = result["audit"]
    problems = [f"{k}={a[k]}" for k in (
        "duplicated_ids", "lost", "extra_applications", "missing_data_key", "missing_records",
        "missing_object_versions", "orphan_object_versions", "delete_markers") if a[k]]
    if a["created_201"] != a["applications_stored"]:
        problems.append(f"201s {a['created_201']} != applications stored {a['applications_stored']}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--applicants", type=int, default=200, help="concurrent applicants")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long new applications start")
    parser.add_argument("--max-requests", type=int, default=50_000, help="at most this many applications")
    parser.add_argument("--cv-kb", default="20-100", help="CV size range in KB, e.g. 20-100")
    parser.add_argument("--database-url", default=None, help="postgresql://... (a role that may CREATE DATABASE)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args()
    if args.database_url and urlparse(args.database_url).scheme not in {"postgresql", "postgres"}:
        parser.error("--database-url must be postgresql://...")
    try:
        result = asyncio.run(run(args))
    except RunFailed as exc:
        print(f"run failed: {exc}", file=sys.stderr)
        return 2
    problems = failures(result)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        a = result["audit"]
        print(f"{result['database']}: {result['applicants']} applicants for {result['seconds']:.0f} s, "
              f"CVs {result['cv_kb']} KB")
        print(f"  requests started {result['requests_started']}, answers {result['statuses']}")
        print(f"  throughput {result['throughput_per_s']} applications/s over {result['elapsed_s']} s; "
              f"latency of 201s p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms, max {result['max_ms']} ms")
        print("  audit: " + ", ".join(f"{k} {v}" for k, v in a.items()))
        for status, sample in result["samples"].items():
            print(f"  a {status} answer: {sample}")
        if result["server_stderr_tail"]:
            print("  server stderr (tail):\n" + result["server_stderr_tail"])
    print("OK: no application lost, duplicated or orphaned" if not problems else
          "FAILED: " + "; ".join(problems), file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
