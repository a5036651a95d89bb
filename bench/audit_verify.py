"""`ats audit verify` over a long chain (issue 11's benchmark): time and peak memory.

    .venv/bin/python bench/audit_verify.py [--events 1000000] [--database-url postgresql://...] [--json]

One S3/KMS emulator (moto) is started with a fresh bucket, data key and signing key
(ECC_NIST_P256). The database is a fresh SQLite file (or, with --database-url, a PostgreSQL
database created on that server and dropped afterwards), migrated, then seeded with a valid
chain of --events events by direct inserts (tests/audit_seed.py: hashes computed as
ats.domain.audit does). One signed checkpoint of the head is written (ats.services.audit).
Then the real command runs as a child process, configured from the environment like an
operator's: `python -m ats.cli audit verify --json`. Measured: its wall time and its peak
resident memory (resource.getrusage(RUSAGE_CHILDREN).ru_maxrss, KiB on Linux). The verify
streams the chain in pages of 5,000 (constant memory), so the peak should not grow with the
chain. Exit 1 when the verify does not pass.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import secrets
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ats.bootstrap import build
from ats.services import audit
from ats.settings import load_settings
from storage.emulator import clients, provision, provision_signing_key, start_emulator
from tests.audit_seed import seed

REGION = "eu-west-2"


async def prepare(url: str, settings_env: dict[str, str], events: int) -> float:
    from storage.migrate import migrate

    container = build(load_settings(settings_env))
    await container.startup()
    try:
        await migrate()
        began = time.perf_counter()
        await seed(url, events)
        seeded = time.perf_counter() - began
        await audit.checkpoint(container.deps)
    finally:
        await container.shutdown()
    return seeded


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--database-url", help="postgresql://... (a server where a database may be created)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    emulator = start_emulator()
    tmp = tempfile.TemporaryDirectory()
    pg_name = None
    try:
        s3, kms = clients(emulator.endpoint_url, REGION, emulated=True)
        bucket = f"ats-bench-{uuid.uuid4().hex[:12]}"
        key_id = provision(s3, kms, bucket, REGION)
        signing = provision_signing_key(kms)
        if args.database_url:
            pg_name = f"ats_bench_{uuid.uuid4().hex[:10]}"
            asyncio.run(_pg(args.database_url, f'CREATE DATABASE "{pg_name}"'))
            url = args.database_url.rsplit("/", 1)[0] + f"/{pg_name}"
        else:
            url = f"sqlite:///{Path(tmp.name) / 'bench.sqlite3'}"
        env = {
            "ATS_ENV": "development",
            "ATS_DATABASE_URL": url,
            "ATS_S3_BUCKET": bucket,
            "ATS_S3_ENDPOINT_URL": emulator.endpoint_url,
            "ATS_KMS_KEY_ID": key_id,
            "ATS_AUDIT_SIGNING_KEY_ID": signing,
            "AWS_REGION": REGION,
            "ATS_SECRET_KEY": secrets.token_urlsafe(48),
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
        }
        # This process's boto3 clients find the emulator's fake credentials in the environment.
        os.environ.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"})
        seeded = asyncio.run(prepare(url, env, args.events))
        began = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "ats.cli", "audit", "verify", "--json"],
            env={**env, "PATH": "/usr/bin:/bin"}, capture_output=True, text=True, check=False,
        )
        wall = time.perf_counter() - began
        peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        report = json.loads(done.stdout) if done.stdout else {}
        result = {
            "database": url.split(":", 1)[0],
            "events": args.events,
            "seed_seconds": round(seeded, 1),
            "verify_seconds": round(wall, 2),
            "events_per_second": round(args.events / wall),
            "peak_rss_mib": round(peak_kib / 1024, 1),
            "ok": report.get("ok"),
            "exit_code": done.returncode,
        }
        if args.json:
            print(json.dumps(result))
        else:
            for k, v in result.items():
                print(f"{k:>18}: {v}")
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
        return 0 if done.returncode == 0 and report.get("ok") else 1
    finally:
        emulator.stop()
        tmp.cleanup()
        if pg_name and args.database_url:
            asyncio.run(_pg(args.database_url, f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))


async def _pg(url: str, sql: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


if __name__ == "__main__":
    sys.exit(main())
