"""Intake throughput benchmark (DESIGN §7): the real app against a bare put_object endpoint.

    .venv/bin/python bench/intake.py [--requests 200] [--concurrency 4] [--rounds 3] [--json]

One S3/KMS emulator (moto) is started and provisioned. A server process builds the real
container on a fresh SQLite file in a temporary directory, migrates it, opens one position and
serves, each with uvicorn on a loopback port:

- the real app (ats.web.app.create_app): POST /api/v1/positions/{id}/applications;
- a bare Starlette app: POST /bare parses the same multipart body with the app's in-memory
  parser and does exactly one plain `put_object` of the CV bytes to the same S3 endpoint
  and bucket, on a worker thread, then answers 201.

This process is the client (httpx, a fixed number of threads, keep-alive), so client work
does not compete with the servers for one GIL. Every request sends the same multipart body
(a unique email each time) with a 1 MB CV that passes the app's PDF check. After a warm-up,
rounds of bare and app alternate (ABBA order) to cancel drift; between batches, untimed, the
bucket is emptied so the emulator's memory does not grow through the run. Every app request
must answer 201, or the run aborts with the response body.

Output: per-round and median throughput, and the ratio app/bare of the medians; beside them
the CPU milliseconds per request of the server process and of the emulator (from /proc), which
stay meaningful when other work shares the machine and req/s gets noisy, and the CPU of the
whole machine per request (/proc/stat: client, database server and all), which is what a run
on a saturated machine is bounded by. `--json` prints
{"app_rps", "bare_rps", "ratio", "floor", "requests", "concurrency", "rounds"} on stdout (the
table then goes to stderr). `--database-url postgresql://...` runs on PostgreSQL instead.
Exit status 1 when the ratio is below the floor (0.7, DESIGN §7), 2 when the run itself failed.
Not part of the test suite. CV bytes are never written to local disk.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import secrets
import statistics
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.support import REGION, start_server_child, stop_server
from tests.helpers import write_pdf

FLOOR = 0.7
MB = 1024 * 1024
BOUNDARY = "ats-bench-" + secrets.token_hex(12)
READY_TIMEOUT = 120.0


# --------------------------------------------------------------------------------------------
# Server process: the real app and the bare endpoint, each under its own uvicorn.


def _uvicorn_thread(app: Any, *, lifespan: str) -> tuple[Any, threading.Thread, int]:
    import uvicorn

    from storage.emulator import free_port

    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", access_log=False, lifespan=lifespan
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True, name=f"uvicorn-{port}")
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"uvicorn did not start on port {port}")
        time.sleep(0.02)
    return server, thread, port


def _bare_app(endpoint_url: str, bucket: str) -> Any:
    import anyio.to_thread
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse, Response
    from starlette.routing import Route

    from ats.web.forms import parse_multipart
    from storage.emulator import clients

    s3, _ = clients(endpoint_url, REGION, emulated=True)  # same client config as the app's

    async def bare(request: Request) -> Response:
        # The app's parser: same parsing cost, and uploads stay in memory (never on disk).
        form = await parse_multipart(request)
        cv = form.get("cv")
        if cv is None or isinstance(cv, str):
            return PlainTextResponse("no cv file part", status_code=400)
        data = await cv.read()
        key = f"bare/{uuid.uuid4()}"
        await anyio.to_thread.run_sync(lambda: s3.put_object(Bucket=bucket, Key=key, Body=data))
        return Response(status_code=201)

    return Starlette(routes=[Route("/bare", bare, methods=["POST"])])


def serve(conn: Any, endpoint_url: str, bucket: str, key_id: str, database_url: str) -> None:
    """Child process: build, migrate, open a position, serve both apps until told to stop."""
    try:
        import asyncio

        from ats.domain.actors import SYSTEM
        from ats.services.positions import create_position
        from ats.web.app import create_app
        from bench.support import build_container
        from storage.migrate import migrate

        container = build_container(
            database_url=database_url, endpoint_url=endpoint_url, bucket=bucket, key_id=key_id
        )

        async def prepare() -> str:
            await migrate()
            position = await create_position(
                container.deps, SYSTEM, title="Benchmark engineer", jurisdiction="GB"
            )
            return str(position.id)

        position_id = asyncio.run(prepare())
        app_server, app_thread, app_port = _uvicorn_thread(create_app(container), lifespan="on")
        bare_server, bare_thread, bare_port = _uvicorn_thread(_bare_app(endpoint_url, bucket), lifespan="off")
    except BaseException:
        conn.send(("error", traceback.format_exc()))
        return
    app_url, bare_url = f"http://127.0.0.1:{app_port}", f"http://127.0.0.1:{bare_port}"
    conn.send(("ready", app_url, bare_url, position_id, os.getpid()))
    with contextlib.suppress(EOFError):
        conn.recv()  # any message (or the parent going away) means stop
    for server in (app_server, bare_server):
        server.should_exit = True
    for thread in (app_thread, bare_thread):
        thread.join(timeout=10)


# --------------------------------------------------------------------------------------------
# Client.


def make_cv(size: int) -> bytes:
    """A well-formed PDF of `size` bytes: one page showing one image, its stream random bytes
    (a CV's bulk is usually an embedded photo or font), so the app's PDF check parses it."""
    stream_len = size - 700
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /XObject << /Im1 5 0 R >> >> >>",
        b"<< /Length 30 >>\nstream\nq 200 0 0 200 72 500 cm /Im1 Do Q\nendstream",
        b"<< /Type /XObject /Subtype /Image /Width 64 /Height 64 /ColorSpace /DeviceGray"
        b" /BitsPerComponent 8 /Length %d >>\nstream\n" % stream_len
        + random.Random(20240501).randbytes(stream_len)
        + b"\nendstream",
    ]
    return write_pdf(objects)


def _field(name: str, value: str) -> bytes:
    return (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n').encode()


class Bodies:
    """The same multipart body for both endpoints; only the email differs per request."""

    content_type = f"multipart/form-data; boundary={BOUNDARY}"

    def __init__(self, cv: bytes) -> None:
        self.cv = cv
        self.file_head = (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="cv"; filename="cv.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        self.tail = f"\r\n--{BOUNDARY}--\r\n".encode()
        self.run = uuid.uuid4().hex[:12]
        self._n = 0
        self._lock = threading.Lock()

    def next(self) -> bytes:
        with self._lock:
            self._n += 1
            n = self._n
        return b"".join(
            (
                _field("full_name", f"Bench Applicant {n}"),
                _field("email", f"bench-{self.run}-{n}@example.com"),
                _field("country", "GB"),
                _field("privacy_notice_acknowledged", "true"),
                self.file_head,
                self.cv,
                self.tail,
            )
        )


class RunFailed(Exception):
    pass


@dataclass
class Target:
    name: str
    url: str


class Client:
    def __init__(self, bodies: Bodies, concurrency: int) -> None:
        self.bodies = bodies
        self.concurrency = concurrency
        self.pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="client")
        self.local = threading.local()
        self.clients: list[httpx.Client] = []
        self.clients_lock = threading.Lock()

    def _http(self) -> httpx.Client:
        client = getattr(self.local, "client", None)
        if client is None:
            client = httpx.Client(timeout=120, headers={"content-type": self.bodies.content_type})
            self.local.client = client
            with self.clients_lock:
                self.clients.append(client)
        return client

    def batch(self, target: Target, n: int) -> float:
        """Send n requests with `concurrency` in flight; return the elapsed seconds."""
        remaining = n
        lock = threading.Lock()
        failures: list[str] = []

        def worker() -> None:
            nonlocal remaining
            http = self._http()
            while True:
                with lock:
                    if remaining <= 0 or failures:
                        return
                    remaining -= 1
                body = self.bodies.next()  # built outside the lock: a 1 MB join per request
                try:
                    response = http.post(target.url, content=body)
                except httpx.HTTPError as exc:
                    with lock:
                        failures.append(f"{target.name}: POST {target.url} failed: {exc!r}")
                    return
                if response.status_code != 201:
                    with lock:
                        failures.append(
                            f"{target.name}: POST {target.url} answered {response.status_code}: "
                            f"{response.text[:2000]}"
                        )
                    return

        started = time.perf_counter()
        futures = [self.pool.submit(worker) for _ in range(self.concurrency)]
        for future in futures:
            future.result()
        elapsed = time.perf_counter() - started
        if failures:
            raise RunFailed(failures[0])
        return elapsed

    def close(self) -> None:
        self.pool.shutdown()
        for client in self.clients:
            client.close()


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU of a process (all its threads), from /proc; None where unavailable."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return stat_cpu_seconds(f.read())
    except (OSError, ValueError, IndexError):
        return None


def stat_cpu_seconds(stat: str) -> float:
    """utime + stime of a /proc/<pid>/stat line (the name in parentheses may hold spaces)."""
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float | None:
    """CPU time all processes have spent, from /proc/stat (everything but idle and iowait)."""
    try:
        with open("/proc/stat") as f:
            ticks = [int(v) for v in f.readline().split()[1:]]
        return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def empty_bucket(s3: Any, bucket: str) -> None:
    """Untimed: delete every version so the emulator's memory stays flat across rounds."""
    paginator = s3.get_paginator("list_object_versions")
    for page in paginator.paginate(Bucket=bucket):
        items = [
            {"Key": v["Key"], "VersionId": v["VersionId"]}
            for v in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
        ]
        for start in range(0, len(items), 1000):
            s3.delete_objects(Bucket=bucket, Delete={"Objects": items[start : start + 1000], "Quiet": True})


def run(args: argparse.Namespace, log: Callable[[str], None]) -> dict[str, Any]:
    from storage.emulator import clients, provision, start_emulator

    emulator = start_emulator()
    process = None
    parent_conn = None
    client = None
    try:
        s3, kms = clients(emulator.endpoint_url, REGION, emulated=True)
        bucket = f"ats-bench-{uuid.uuid4().hex[:12]}"
        key_id = provision(s3, kms, bucket, REGION)
        with tempfile.TemporaryDirectory(prefix="ats-bench-") as tmp:
            database_url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
            process, parent_conn, message = start_server_child(
                serve, (emulator.endpoint_url, bucket, key_id, database_url), timeout=READY_TIMEOUT, failed=RunFailed
            )
            _, app_url, bare_url, position_id, server_pid = message
            log(
                f"emulator {emulator.endpoint_url} (pid {emulator.process.pid}), "
                f"server pid {server_pid}: app {app_url}, bare {bare_url}"
            )
            app = Target("app", f"{app_url}/api/v1/positions/{position_id}/applications")
            bare = Target("bare", f"{bare_url}/bare")
            cv = make_cv(args.cv_bytes)
            client = Client(Bodies(cv), args.concurrency)

            if args.warmup:
                for target in (bare, app):
                    client.batch(target, args.warmup)
                empty_bucket(s3, bucket)

            per_round: list[dict[str, float]] = []
            for r in range(args.rounds):
                order = (bare, app) if r % 2 == 0 else (app, bare)
                figures: dict[str, float] = {}
                for target in order:
                    # CPU per request of the server and the emulator: steadier than req/s when
                    # other work shares the machine, and it shows where the extra cost lies.
                    # "machine" counts every process: the client, the database server, the rest.
                    sides = ("server", "emulator", "machine")
                    before = [cpu_seconds(server_pid), cpu_seconds(emulator.process.pid), machine_busy_seconds()]
                    elapsed = client.batch(target, args.requests)
                    after = [cpu_seconds(server_pid), cpu_seconds(emulator.process.pid), machine_busy_seconds()]
                    figures[target.name] = args.requests / elapsed
                    for side, b, a in zip(sides, before, after, strict=True):
                        if a is not None and b is not None:
                            figures[f"{target.name}_{side}_cpu_ms"] = 1000 * (a - b) / args.requests
                    empty_bucket(s3, bucket)
                figures["ratio"] = figures["app"] / figures["bare"]
                per_round.append(figures)
                log(
                    f"round {r + 1}/{args.rounds} ({order[0].name} first): "
                    f"bare {figures['bare']:7.1f}/s  app {figures['app']:7.1f}/s  "
                    f"ratio {figures['ratio']:.3f}"
                )
    finally:
        if client is not None:
            client.close()
        stop_server(parent_conn, process)
        emulator.stop()

    app_rps = statistics.median(f["app"] for f in per_round)
    bare_rps = statistics.median(f["bare"] for f in per_round)
    return {
        "app_rps": round(app_rps, 2),
        "bare_rps": round(bare_rps, 2),
        "ratio": round(app_rps / bare_rps, 3),
        "floor": args.floor,
        "requests": args.requests,
        "concurrency": args.concurrency,
        "rounds": args.rounds,
        "_per_round": per_round,
    }


CPU_COLUMNS = ("bare_server", "bare_emulator", "bare_machine", "app_server", "app_emulator", "app_machine")


def table(result: dict[str, Any], cv_bytes: int) -> str:
    rounds = result["_per_round"]

    def cpu(f: dict[str, float], column: str) -> str:
        value = f.get(f"{column}_cpu_ms")
        return f"{value:>9.1f}" if value is not None else f"{'-':>9}"

    def median_row() -> dict[str, float]:
        row = {}
        for column in CPU_COLUMNS:
            values = [f[f"{column}_cpu_ms"] for f in rounds if f"{column}_cpu_ms" in f]
            if values:
                row[f"{column}_cpu_ms"] = statistics.median(values)
        return row

    lines = [
        f"Intake with a {cv_bytes / MB:g} MB CV: {result['requests']} requests per round, "
        f"concurrency {result['concurrency']}, {result['rounds']} rounds",
        f"{'':6} {'':11} {'':10} {'':9}  {'CPU ms per request: server, emulator, whole machine':>57}",
        f"{'round':>6} {'bare req/s':>11} {'app req/s':>10} {'app/bare':>9}"
        f"  {'bare srv':>9}{'bare emu':>9}{'bare all':>9}{'app srv':>9}{'app emu':>9}{'app all':>9}",
    ]
    for i, f in enumerate(rounds, 1):
        lines.append(
            f"{i:>6} {f['bare']:>11.1f} {f['app']:>10.1f} {f['ratio']:>9.3f}  "
            + "".join(cpu(f, c) for c in CPU_COLUMNS)
        )
    verdict = "ok" if result["ratio"] >= result["floor"] else "BELOW FLOOR"
    medians = median_row()
    lines.append(
        f"{'median':>6} {result['bare_rps']:>11.1f} {result['app_rps']:>10.1f} {result['ratio']:>9.3f}  "
        + "".join(cpu(medians, c) for c in CPU_COLUMNS)
    )
    lines.append(f"ratio of medians {result['ratio']:.3f}, floor {result['floor']}: {verdict}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="requests per round and endpoint")
    parser.add_argument("--concurrency", type=int, default=4, help="requests in flight")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved bare/app rounds")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests per endpoint first")
    parser.add_argument("--cv-bytes", type=int, default=MB, help="CV size in bytes (default 1 MB)")
    parser.add_argument("--floor", type=float, default=FLOOR, help="minimum app/bare ratio")
    parser.add_argument(
        "--database-url",
        default=None,
        help="postgresql://... of an empty (or already migrated) database to use instead of a fresh "
        "SQLite file in a temporary directory",
    )
    parser.add_argument("--json", action="store_true", help="print a JSON object on stdout")
    args = parser.parse_args(argv)
    if args.requests < 1 or args.concurrency < 1 or args.rounds < 1 or args.warmup < 0 or args.cv_bytes < 64:
        parser.error("--requests, --concurrency and --rounds must be positive, --cv-bytes at least 64")

    # With --json, stdout carries only the JSON object; progress and the table go to stderr.
    out = sys.stderr if args.json else sys.stdout

    def log(line: str) -> None:
        print(line, file=out, flush=True)

    try:
        result = run(args, log)
    except RunFailed as exc:
        print(f"intake benchmark failed: {exc}", file=sys.stderr)
        return 2
    print(table(result, args.cv_bytes), file=out, flush=True)
    if args.json:
        print(json.dumps({k: v for k, v in result.items() if not k.startswith("_")}))
    return 0 if result["ratio"] >= args.floor else 1


if __name__ == "__main__":
    sys.exit(main())
