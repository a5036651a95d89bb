"""Expiry benchmark (DESIGN §7): S3 requests and database round-trips per erased application,
and whether erasure time follows the number due (K) rather than the number stored (N).

    .venv/bin/python bench/expiry.py [--k 10000] [--n 10000,50000] [--as-of ISO]
                                     [--database-url postgresql://...] [--json] [--per-record]

--per-record (retention per record type, DESIGN §12): the K due items are RECORDS, not
applications. K of the N applications concluded a year before --as-of (their own four years
still to run), each with a GB background-check report whose own rule (six months after the later
of its making and the conclusion) has run out: only those K reports are written to S3; every
other record row carries its expiry (its application's date, or none while the position is
open). `erase_due` must erase the K reports alone (records_erased == K, no application, no
tombstone); the figures are per erased record, floors 0.004 S3 requests and 0.005 round trips.

One S3/KMS emulator (moto) is started. Each run gets a fresh versioned bucket and KMS key, and a
fresh database: a SQLite file in a temporary directory by default, or, with --database-url
postgresql://..., a database this script creates on that server (CREATE DATABASE with a random
name) and drops afterwards. The real container is built (ats.bootstrap.build) and migrated
(storage.migrate.migrate), then seeded directly through piccolo (storage.tables), in multi-row
INSERTs of 1,000 rows inside transactions:

- N applications, each with a person, an application row, a data-key row (random bytes: the
  expiry job never unwraps keys) and 3 record rows (cv, cover-letter, reference-report);
- K of them are due: their position concluded 4 years + 1..20 days before --as-of, so their
  retention_until (concluded + 4 years) has passed. For these only, 3 small real objects each are
  written to S3 (the app's own S3BlobStore.put: SSE-KMS label and the full tag set, 16 threads),
  and the record rows hold the real version ids;
- N-K are not due: their position is open, retention_until is NULL. Their record rows point at
  object keys that were NEVER written to S3 (the expiry job never touches them).
- The audit chain head row exists (seq 0), as in any database that has seen one event.

Only `erase_due(deps, as_of=...)` is measured: its wall time, every S3/KMS API call (boto3
`before-call` events; HTTP sends are counted too, so a retry would show), and every database
statement the driver is asked to send:
- SQLite: aiosqlite Connection.execute / executemany / executescript / commit and
  Cursor.execute. Whatever engine storage/engine.py builds, each statement passes there:
  BEGIN, COMMIT, PRAGMAs (piccolo's stock SQLiteEngine re-sends `PRAGMA foreign_keys = 1`
  before every query in a transaction, and opens a connection, with commit(), for every query
  outside one). Connection opens are reported separately.
- PostgreSQL: asyncpg Connection.execute / fetch / fetchrow / fetchval / executemany (BEGIN,
  COMMIT and the pool's reset on release go through execute). Statement preparations are
  reported separately: asyncpg caches prepared statements only up to 15 KB of SQL text, and
  each miss costs one more protocol round-trip (Parse/Describe) before Bind/Execute.
Per statement, the wall time piccolo spends running it is reported too, and per S3 operation
its time. On PostgreSQL the seeded database is ANALYZEd (as autovacuum would soon do).

After each run the script checks that report.erased == K, that no due application, key,
record or person of a due application is left, that K tombstones exist, and that the bucket
holds no object version or delete marker; it aborts (exit 2) otherwise. Exit 1 when a figure
misses its floor (0.01 per erased application), 0 otherwise. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import gc
import json
import os
import random
import re
import secrets
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.support import REGION, build_container

FLOOR = 0.01  # S3 requests and DB round-trips per erased application (DESIGN §7)
# --per-record (issue 11): per erased record.
PER_RECORD = False
S3_FLOOR_PER_RECORD, DB_FLOOR_PER_RECORD = 0.004, 0.005
ROWS_PER_INSERT = 1000  # 16 columns x 1,000 rows stays under SQLite's and asyncpg's 32,766/7 params
PUT_THREADS = 16
RECORD_TYPES = ("cv", "cover-letter", "reference-report")
DUE_POSITIONS = 20
OPEN_POSITIONS = 20


class BenchFailure(Exception):
    """The run did not do what it must (wrong count, something left behind)."""


# --------------------------------------------------------------------------------------------
# Counters: active only while erase_due runs.


@dataclass
class Counts:
    active: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)
    db: Counter = field(default_factory=Counter)  # normalised statement -> calls
    db_kinds: Counter = field(default_factory=Counter)  # driver method -> calls
    db_connects: int = 0
    pg_prepares: int = 0
    pg_prepared: Counter = field(default_factory=Counter)  # normalised statement -> prepares
    s3_calls: Counter = field(default_factory=Counter)  # service.operation -> calls
    http_sends: int = 0
    db_seconds: Counter = field(default_factory=Counter)  # normalised statement -> seconds in piccolo
    s3_seconds: Counter = field(default_factory=Counter)  # service.operation -> seconds

    def reset(self) -> None:
        self.db.clear()
        self.db_kinds.clear()
        self.s3_calls.clear()
        self.db_seconds.clear()
        self.pg_prepared.clear()
        self.s3_seconds.clear()
        self.db_connects = self.pg_prepares = self.http_sends = 0

    def statement(self, kind: str, sql: Any) -> None:
        if self.active:
            with self.lock:
                self.db_kinds[kind] += 1
                self.db[_normalise(kind, sql)] += 1


COUNTS = Counts()
_PLACEHOLDERS = re.compile(r"\(\s*(?:\?|\$\d+)(?:\s*,\s*(?:\?|\$\d+))*\s*\)")


def _normalise(kind: str, sql: Any) -> str:
    text = " ".join(str(sql).split())
    text = _PLACEHOLDERS.sub("(...)", text)
    text = re.sub(r"(\(\.\.\.\)\s*,\s*)+\(\.\.\.\)", "(...),...", text)
    return f"{kind}: {text[:110]}" if kind else text[:110]


def install_query_timers() -> None:
    """Wall time per statement as piccolo runs it (driver calls and result conversion)."""
    from piccolo.engine.postgres import PostgresEngine, PostgresTransaction
    from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction

    for engine_cls, engine_type in ((SQLiteEngine, "sqlite"), (PostgresEngine, "postgres")):
        original = engine_cls.run_querystring

        async def timed(
            self: Any, querystring: Any, *args: Any, _orig: Any = original, _t: str = engine_type, **kw: Any
        ) -> Any:
            if not COUNTS.active:
                return await _orig(self, querystring, *args, **kw)
            started = time.perf_counter()
            try:
                return await _orig(self, querystring, *args, **kw)
            finally:
                sql = querystring.compile_string(engine_type=_t)[0]
                COUNTS.db_seconds[_normalise("", sql)] += time.perf_counter() - started

        engine_cls.run_querystring = timed
    for tx_cls in (SQLiteTransaction, PostgresTransaction):
        for name in ("begin", "commit"):
            original = getattr(tx_cls, name)

            async def timed_tx(self: Any, _orig: Any = original, _n: str = name) -> Any:
                started = time.perf_counter()
                try:
                    return await _orig(self)
                finally:
                    if COUNTS.active:
                        COUNTS.db_seconds[f"(transaction {_n})"] += time.perf_counter() - started

            setattr(tx_cls, name, timed_tx)


def install_db_counters() -> None:
    """Patch the drivers' classes once; the counters record only while COUNTS.active."""
    import aiosqlite.core
    import asyncpg.connection

    conn_cls = aiosqlite.core.Connection
    for name in ("execute", "executemany", "executescript"):
        original = getattr(conn_cls, name)  # @contextmanager: returns an awaitable Result

        def sqlite_wrapper(
            self: Any, sql: str, *args: Any, _orig: Any = original, _n: str = name, **kw: Any
        ) -> Any:
            COUNTS.statement(f"sqlite.{_n}", sql)
            return _orig(self, sql, *args, **kw)

        setattr(conn_cls, name, functools.wraps(original)(sqlite_wrapper))

    original_commit = conn_cls.commit

    async def sqlite_commit(self: Any) -> None:
        COUNTS.statement("sqlite.commit", "commit()")
        await original_commit(self)

    conn_cls.commit = sqlite_commit

    original_connect = conn_cls._connect

    async def sqlite_connect(self: Any) -> Any:
        if COUNTS.active:
            with COUNTS.lock:
                COUNTS.db_connects += 1
        return await original_connect(self)

    conn_cls._connect = sqlite_connect

    # The pooled SQLite engine runs each piccolo statement as one call on the connection's
    # thread (storage/sqlite_pool._fetch_all), past aiosqlite's execute: count it there.
    import storage.sqlite_pool as sqlite_pool

    original_fetch_all = sqlite_pool._fetch_all

    async def fetch_all(connection: Any, query: str, args: Any) -> Any:
        COUNTS.statement("sqlite.statement", query)
        return await original_fetch_all(connection, query, args)

    sqlite_pool._fetch_all = fetch_all

    cursor_cls = aiosqlite.core.Cursor
    original_cursor_execute = cursor_cls.execute

    async def cursor_execute(self: Any, sql: str, *args: Any, **kw: Any) -> Any:
        COUNTS.statement("sqlite.cursor.execute", sql)
        return await original_cursor_execute(self, sql, *args, **kw)

    cursor_cls.execute = cursor_execute

    pg_cls = asyncpg.connection.Connection
    for name in ("execute", "fetch", "fetchrow", "fetchval", "executemany"):
        original = getattr(pg_cls, name)

        async def pg_wrapper(
            self: Any, query: str, *args: Any, _orig: Any = original, _n: str = name, **kw: Any
        ) -> Any:
            COUNTS.statement(f"pg.{_n}", query)
            return await _orig(self, query, *args, **kw)

        setattr(pg_cls, name, functools.wraps(original)(pg_wrapper))

    original_get_statement = pg_cls._get_statement

    async def get_statement(self: Any, query: str, timeout: Any, **kw: Any) -> Any:
        if COUNTS.active:
            record_class = kw.get("record_class") or self._protocol.get_record_class()
            key = (query, record_class, kw.get("ignore_custom_codec", False))
            if not kw.get("use_cache", True) or self._stmt_cache.get(key) is None:
                with COUNTS.lock:
                    COUNTS.pg_prepares += 1
                    COUNTS.pg_prepared[_normalise("prepare", query)] += 1
        return await original_get_statement(self, query, timeout, **kw)

    pg_cls._get_statement = get_statement


def install_boto_counters(*clients: Any) -> None:
    def on_call(event_name: str, **_: Any) -> None:
        if COUNTS.active:
            # event_name: before-call.<service>.<Operation>
            with COUNTS.lock:
                COUNTS.s3_calls[event_name.split(".", 1)[1]] += 1

    def on_send(**_: Any) -> None:
        if COUNTS.active:
            with COUNTS.lock:
                COUNTS.http_sends += 1

    started = threading.local()

    def on_start(**_: Any) -> None:
        started.at = time.perf_counter()

    def on_done(event_name: str, **_: Any) -> None:
        if COUNTS.active and getattr(started, "at", None) is not None:
            with COUNTS.lock:
                COUNTS.s3_seconds[event_name.split(".", 1)[1]] += time.perf_counter() - started.at

    for client in clients:
        client.meta.events.register("before-call.*", on_call)
        client.meta.events.register("before-send.*", on_send)
        client.meta.events.register("before-parameter-build.*", on_start)
        client.meta.events.register("after-call.*", on_done)


# --------------------------------------------------------------------------------------------
# Databases


def _with_db(url: str, name: str) -> str:
    return urlunparse(urlparse(url)._replace(path=f"/{name}"))


async def _pg_admin(url: str, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@dataclass
class Database:
    url: str
    cleanup: Any  # async callable


async def fresh_database(admin_url: str | None, tmp: Path, label: str) -> Database:
    if admin_url is None:
        path = tmp / f"expiry-{label}.sqlite3"

        async def nothing() -> None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)

        return Database(f"sqlite:///{path}", nothing)
    name = f"ats_bench_expiry_{uuid.uuid4().hex[:12]}"
    await _pg_admin(admin_url, f'CREATE DATABASE "{name}"')

    async def drop() -> None:
        await _pg_admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return Database(_with_db(admin_url, name), drop)


# --------------------------------------------------------------------------------------------
# Seeding


def _minus_years(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


async def _insert_chunks(table: Any, rows: list[Any]) -> int:
    statements = 0
    for start in range(0, len(rows), ROWS_PER_INSERT):
        await table.insert(*rows[start : start + ROWS_PER_INSERT]).run()
        statements += 1
    return statements


async def seed(
    container: Any, *, n: int, k: int, as_of: datetime, kms_key_id: str, rng: random.Random
) -> dict[str, Any]:
    from ats.domain.audit import GENESIS
    from ats.domain.model import RecordType
    from ats.domain.records import new_record, tags_for
    from ats.domain.retention import add_years
    from ats.policy_retention import retention_table
    from storage import tables as t

    started = time.perf_counter()
    now = datetime.now(UTC)
    engine = container.engine
    blobs = container.deps.vault.blobs

    due_positions, open_positions = [], []
    for i in range(DUE_POSITIONS):
        concluded = _minus_years(as_of, 1 if PER_RECORD else 4) - timedelta(days=1 + i)
        due_positions.append(
            t.Position(
                id=uuid.uuid4(),
                title=f"Bench concluded {i}",
                jurisdiction="GB",
                status="filled",
                created_at=concluded - timedelta(days=60),
                concluded_at=concluded,
            )
        )
    for i in range(OPEN_POSITIONS):
        open_positions.append(
            t.Position(
                id=uuid.uuid4(),
                title=f"Bench open {i}",
                jurisdiction="GB",
                status="open",
                created_at=now - timedelta(days=10),
                concluded_at=None,
            )
        )

    due_index = set(rng.sample(range(n), k))  # due applications interleaved with the others
    persons, apps, keys, other_records = [], [], [], []
    domain_due_records = []  # (domain Record) for the S3 puts
    for i in range(n):
        due = i in due_index
        position = (due_positions if due else open_positions)[i % (DUE_POSITIONS if due else OPEN_POSITIONS)]
        person_id, app_id = uuid.uuid4(), uuid.uuid4()
        submitted = position.created_at + timedelta(days=1)
        until = add_years(position.concluded_at, 4) if due else None
        persons.append(
            t.Person(
                id=person_id,
                email=f"bench-{i}@example.com",
                full_name=f"Bench Applicant {i}",
                phone=None,
                country="GB",
                created_at=submitted,
            )
        )
        apps.append(
            t.Application(
                id=app_id,
                reference=f"BENCH-{i:09d}",
                position_id=position.id,
                person_id=person_id,
                dedupe_key=f"{person_id}:{position.id}",
                status="rejected" if due else "submitted",
                submitted_at=submitted,
                privacy_notice_version="2024-01",
                talent_pool_consent=False,
                retention_until=until,
                legal_hold_reason=None,
                erasure_claim=None,
                erasure_claim_expires=None,
                erasure_started_at=None,
            )
        )
        keys.append(
            t.DataKey(
                application_id=app_id,
                wrapped_key=os.urandom(184),
                kms_key_id=kms_key_id,
                created_at=submitted,
            )
        )
        for record_type in RECORD_TYPES:
            record = new_record(
                record_id=uuid.uuid4(),
                application_id=app_id,
                record_type=RecordType(record_type),
                jurisdiction="GB",
                content_type="application/pdf",
                filename=f"{record_type}.pdf",
                size=64,
                sha256=secrets.token_hex(32),
                now=submitted,
                retention_until=until,
            )
            if due and not PER_RECORD:
                domain_due_records.append(record)
            else:
                # Never written to S3: the expiry job never touches not-due applications.
                record.version_id = f"never-written-{uuid.uuid4().hex}"
                other_records.append(record)
        if due and PER_RECORD:
            # The check result, made 10 days before the conclusion: due six months after it.
            report = new_record(
                record_id=uuid.uuid4(),
                application_id=app_id,
                record_type=RecordType.BACKGROUND_CHECK_REPORT,
                jurisdiction="GB",
                content_type="application/pdf",
                filename="report.pdf",
                size=64,
                sha256=secrets.token_hex(32),
                now=position.concluded_at - timedelta(days=10),
                rule=retention_table().rule_for(RecordType.BACKGROUND_CHECK_REPORT, "GB"),
                hiring_concluded_at=position.concluded_at,
            )
            domain_due_records.append(report)

    def put_all() -> None:
        body = os.urandom(64)

        def put(record: Any) -> None:
            record.version_id = blobs.put(record.object_key, body, tags_for(record))

        with ThreadPoolExecutor(max_workers=PUT_THREADS) as pool:
            list(pool.map(put, domain_due_records))

    def row(record: Any) -> Any:
        return t.Record(
            **{
                **vars(record),
                "record_type": record.record_type.value,
                "legal_basis": record.legal_basis.value,
                "purpose": record.purpose.value,
                "data_subject": record.data_subject.value,
            }
        )

    # S3 writes run on threads while the database takes the rows that do not need version ids.
    puts = asyncio.create_task(asyncio.to_thread(put_all))
    statements = 0
    try:
        async with engine.transaction():
            statements += await _insert_chunks(t.Position, due_positions + open_positions)
            await t.AuditHead.insert(t.AuditHead(id=1, seq=0, hash=GENESIS)).run()
        for table, rows in ((t.Person, persons), (t.Application, apps), (t.DataKey, keys)):
            async with engine.transaction():
                statements += await _insert_chunks(table, rows)
        other_rows = [row(r) for r in other_records]
        async with engine.transaction():
            statements += await _insert_chunks(t.Record, other_rows)
    finally:
        await puts  # propagate S3 errors; never leave the threads running
    put_seconds = time.perf_counter() - started
    async with engine.transaction():
        statements += await _insert_chunks(t.Record, [row(r) for r in domain_due_records])
    if container.settings.ats_database_url.startswith("postgres"):
        # What autovacuum would do soon after a bulk load: give the planner row counts.
        await t.Application.raw("ANALYZE").run()
    return {
        "seconds": round(time.perf_counter() - started, 2),
        "s3_puts": len(domain_due_records),
        "s3_put_phase_seconds": round(put_seconds, 2),
        "insert_statements": statements,
    }


# --------------------------------------------------------------------------------------------
# Verification


def bucket_versions(s3: Any, bucket: str) -> int:
    count = 0
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        count += len(page.get("Versions", [])) + len(page.get("DeleteMarkers", []))
    return count


async def verify(container: Any, report: Any, *, n: int, k: int, as_of: datetime) -> dict[str, int]:
    from storage import tables as t

    def fail(message: str) -> None:
        raise BenchFailure(f"{message} (report: {report.as_dict()})")

    if PER_RECORD:
        return await _verify_records(container, report, n=n, k=k, fail=fail)
    if report.erased != k or report.failed or report.errors:
        fail(f"erase_due erased {report.erased} of {k} due applications, failed {report.failed}")
    left_due = await t.Application.count().where(t.Application.retention_until <= as_of).run()
    if left_due:
        fail(f"{left_due} due applications remain")
    remaining = {
        "applications": await t.Application.count().run(),
        "persons": await t.Person.count().run(),
        "data_keys": await t.DataKey.count().run(),
        "records": await t.Record.count().run(),
        "tombstones": await t.Tombstone.count().run(),
        "audit_erased_events": await t.AuditEvent.count()
        .where(t.AuditEvent.action == "application.erased")
        .run(),
    }
    expected = {
        "applications": n - k,
        "persons": n - k,
        "data_keys": n - k,
        "records": 3 * (n - k),
        "tombstones": k,
        "audit_erased_events": k,
    }
    if remaining != expected:
        fail(f"rows after erasure {remaining}, expected {expected}")
    versions = await asyncio.to_thread(bucket_versions, container.s3, container.settings.ats_s3_bucket)
    if versions:
        fail(f"the bucket still holds {versions} object versions / delete markers")
    remaining["bucket_versions"] = versions
    return remaining


async def _verify_records(container: Any, report: Any, *, n: int, k: int, fail: Any) -> dict[str, int]:
    from storage import tables as t

    if report.records_erased != k or report.erased or report.failed or report.errors:
        fail(f"erase_due erased {report.records_erased} of {k} due records and {report.erased} applications")
    remaining = {
        "applications": await t.Application.count().run(),
        "records": await t.Record.count().run(),
        "reports": await t.Record.count().where(t.Record.record_type == "background-check-report").run(),
        "tombstones": await t.Tombstone.count().run(),
        "audit_record_erased_events": await t.AuditEvent.count().where(t.AuditEvent.action == "record.erased").run(),
    }
    expected = {"applications": n, "records": 3 * n, "reports": 0, "tombstones": 0, "audit_record_erased_events": k}
    if remaining != expected:
        fail(f"rows after erasure {remaining}, expected {expected}")
    versions = await asyncio.to_thread(bucket_versions, container.s3, container.settings.ats_s3_bucket)
    if versions:
        fail(f"the bucket still holds {versions} object versions / delete markers")
    remaining["bucket_versions"] = versions
    return remaining


# --------------------------------------------------------------------------------------------
# CPU time: wall time on a shared machine is noisy, CPU time of the processes doing the work less so.


def proc_cpu(pid: int) -> float:
    """User + system CPU seconds of a local process (Linux /proc); 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def pg_backend_pids(url: str) -> list[int]:
    """Server processes of the other sessions on this database (the app's pool)."""
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    finally:
        await conn.close()
    return [r["pid"] for r in rows]


async def cpu_snapshot(emulator_pid: int, pg_url: str | None) -> dict[str, Any]:
    snap: dict[str, Any] = {"bench": time.process_time(), "emulator": proc_cpu(emulator_pid), "pg": {}}
    if pg_url:
        snap["pg"] = {pid: proc_cpu(pid) for pid in await pg_backend_pids(pg_url)}
    return snap


def cpu_delta(before: dict[str, Any], after: dict[str, Any]) -> dict[str, float]:
    out = {
        "bench_process": after["bench"] - before["bench"],
        "emulator": after["emulator"] - before["emulator"],
    }
    if after["pg"] or before["pg"]:
        out["postgres_backends"] = sum(cpu - before["pg"].get(pid, 0.0) for pid, cpu in after["pg"].items())
    out["total"] = sum(out.values())
    return {k: round(v, 3) for k, v in out.items()}


# --------------------------------------------------------------------------------------------
# One run


async def run_once(
    *,
    endpoint_url: str,
    emulator_pid: int,
    n: int,
    k: int,
    as_of: datetime,
    admin_url: str | None,
    tmp: Path,
    label: str,
) -> dict[str, Any]:
    from ats.services.expiry import BATCH, erase_due
    from storage.emulator import clients, provision
    from storage.migrate import migrate

    s3, kms = clients(endpoint_url, REGION, emulated=True)
    bucket = f"ats-bench-expiry-{uuid.uuid4().hex[:12]}"
    key_id = provision(s3, kms, bucket, REGION)
    database = await fresh_database(admin_url, tmp, label)
    container = None
    try:
        container = build_container(
            database_url=database.url, endpoint_url=endpoint_url, bucket=bucket, key_id=key_id
        )
        await container.startup()
        await migrate()
        install_boto_counters(container.s3, container.kms)
        seeded = await seed(
            container, n=n, k=k, as_of=as_of, kms_key_id=key_id, rng=random.Random(n * 7919 + k)
        )
        if PER_RECORD:
            if await container.deps.uow.repo.count_records_due(as_of, skip_types=("export",)) != k:
                raise BenchFailure("seeding did not produce K due records")
            if await container.deps.uow.repo.count_due(as_of):
                raise BenchFailure("seeding made applications due")
        elif await container.deps.uow.repo.count_due(as_of) != k:
            raise BenchFailure("seeding did not produce K due applications")

        # The seeding data is garbage now; collect it so that the measured run does not pay
        # for full garbage-collector passes over a heap a real expiry process would not have.
        gc.collect()
        heap_objects = len(gc.get_objects())
        pg_url = database.url if admin_url else None
        cpu_before = await cpu_snapshot(emulator_pid, pg_url)
        COUNTS.reset()
        COUNTS.active = True
        started = time.perf_counter()
        try:
            report = await erase_due(container.deps, as_of=as_of)
        finally:
            seconds = time.perf_counter() - started
            COUNTS.active = False
        cpu = cpu_delta(cpu_before, await cpu_snapshot(emulator_pid, pg_url))
        remaining = await verify(container, report, n=n, k=k, as_of=as_of)

        s3_requests = sum(COUNTS.s3_calls.values())
        db_round_trips = sum(COUNTS.db_kinds.values())
        erased = report.records_erased if PER_RECORD else report.erased
        s3_floor, db_floor = (S3_FLOOR_PER_RECORD, DB_FLOOR_PER_RECORD) if PER_RECORD else (FLOOR, FLOOR)
        return {
            "per_record": PER_RECORD,
            "database": "postgresql" if admin_url else "sqlite",
            "n": n,
            "k": k,
            "batch": BATCH,
            "erased": erased,
            "seconds": round(seconds, 3),
            "cpu_seconds": cpu,
            "gc_tracked_objects_before": heap_objects,
            "s3_requests": s3_requests,
            "s3_http_sends": COUNTS.http_sends,
            "s3_per_erased": s3_requests / erased,
            "db_round_trips": db_round_trips,
            "db_per_erased": db_round_trips / erased,
            "db_connections_opened": COUNTS.db_connects,
            "pg_statement_prepares": COUNTS.pg_prepares,
            "db_round_trips_incl_prepares_per_erased": (db_round_trips + COUNTS.pg_prepares) / erased,
            "s3_floor_ok": max(s3_requests, COUNTS.http_sends) / erased <= s3_floor,
            "db_floor_ok": db_round_trips / erased <= db_floor,
            "s3_by_operation": dict(COUNTS.s3_calls.most_common()),
            "db_by_method": dict(COUNTS.db_kinds.most_common()),
            "db_by_statement": dict(COUNTS.db.most_common()),
            "pg_prepares_by_statement": dict(COUNTS.pg_prepared.most_common()),
            "db_seconds_by_statement": {k: round(v, 4) for k, v in COUNTS.db_seconds.most_common()},
            "s3_seconds_by_operation": {k: round(v, 4) for k, v in COUNTS.s3_seconds.most_common()},
            "seed": seeded,
            "after": remaining,
        }
    finally:
        if container is not None:
            await container.shutdown()
        await database.cleanup()


# --------------------------------------------------------------------------------------------
# CLI


def _ints(values: list[str]) -> list[int]:
    out: list[int] = []
    for value in values:
        out += [int(v.replace("_", "")) for v in value.split(",") if v.strip()]
    return out


def code_fingerprint() -> dict[str, str]:
    """Which application code was measured (others edit it concurrently)."""
    import hashlib
    import subprocess

    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        head = ""
    files = (
        "ats/services/expiry.py",
        "storage/retention_repository.py",
        "storage/repository.py",
        "storage/engine.py",
    )
    out = {"git_head": head or "unknown"}
    for name in files:
        path = root / name
        if path.exists():
            out[name] = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return out


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--k", type=int, default=10_000, help="applications due (default 10,000)")
    parser.add_argument(
        "--n",
        action="append",
        default=None,
        help="applications stored; repeatable or a comma list (default 10000,50000)",
    )
    parser.add_argument("--as-of", default=None, help="ISO time with zone (default: now)")
    parser.add_argument(
        "--database-url", default=None, help="postgresql://... (a role that may CREATE DATABASE)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--per-record", action="store_true", help="K due records of N applications (retention per record type)"
    )
    args = parser.parse_args(argv)
    args.n = _ints(args.n or ["10000,50000"])
    if args.k < 1 or any(n < args.k for n in args.n):
        parser.error("need 1 <= K <= N for every N")
    if args.database_url and not args.database_url.startswith(("postgresql://", "postgres://")):
        parser.error("--database-url must be postgresql://...")
    if args.as_of:
        as_of = datetime.fromisoformat(args.as_of.replace("Z", "+00:00"))
        if as_of.tzinfo is None:
            parser.error("--as-of needs a time zone")
        args.as_of = as_of
    else:
        args.as_of = datetime.now(UTC).replace(microsecond=0)
    return args


def _unit() -> str:
    return "record" if PER_RECORD else "application"


def _floors() -> tuple[float, float]:
    return (S3_FLOOR_PER_RECORD, DB_FLOOR_PER_RECORD) if PER_RECORD else (FLOOR, FLOOR)


def _print_run(r: dict[str, Any]) -> None:
    ok = lambda b: "ok" if b else "MISSED"  # noqa: E731
    print(
        f"\n[{r['database']}] N={r['n']:,} K={r['k']:,} erased={r['erased']:,} batch={r['batch']}"
        f"  erase_due {r['seconds']:.2f} s  (seeded in {r['seed']['seconds']} s:"
        f" {r['seed']['s3_puts']:,} S3 puts, {r['seed']['insert_statements']} multi-row INSERTs)"
    )
    print("  CPU seconds during erase_due: " + ", ".join(f"{k} {v:.2f}" for k, v in r["cpu_seconds"].items()))
    print(
        f"  S3/KMS requests: {r['s3_requests']} ({r['s3_http_sends']} HTTP sends)"
        f" = {r['s3_per_erased']:.4f} per erased {_unit()}  [floor {_floors()[0]}: {ok(r['s3_floor_ok'])}]"
    )
    if r["database"] == "postgresql":
        wire = r["db_round_trips_incl_prepares_per_erased"]
        extra = f"; +{r['pg_statement_prepares']} statement prepares -> {wire:.4f} with them"
    else:
        extra = f"; {r['db_connections_opened']} connections opened"
    print(
        f"  DB round-trips: {r['db_round_trips']} = {r['db_per_erased']:.4f} per erased {_unit()}"
        f"  [floor {_floors()[1]}: {ok(r['db_floor_ok'])}]{extra}"
    )
    print("  S3 by operation: " + ", ".join(f"{k} {v}" for k, v in r["s3_by_operation"].items()))
    print("  DB by method: " + ", ".join(f"{k} {v}" for k, v in r["db_by_method"].items()))
    print(
        "  S3 seconds by operation: "
        + ", ".join(f"{k} {v:.2f}" for k, v in r["s3_seconds_by_operation"].items())
    )
    print("  DB statements (calls during erase_due):")
    for statement, calls in r["db_by_statement"].items():
        print(f"    {calls:4d}  {statement}")
    if r["pg_prepares_by_statement"]:
        print("  PostgreSQL statement prepares (asyncpg caches statements up to 15 KB of SQL text):")
        for statement, calls in r["pg_prepares_by_statement"].items():
            print(f"    {calls:4d}  {statement}")
    print("  DB seconds by statement (piccolo run_querystring / transaction begin+commit):")
    for statement, seconds in list(r["db_seconds_by_statement"].items())[:12]:
        print(f"    {seconds:7.3f}  {statement}")


async def amain(args: argparse.Namespace) -> dict[str, Any]:
    from storage.emulator import start_emulator

    global PER_RECORD
    PER_RECORD = args.per_record
    code = code_fingerprint()  # before the application modules are imported and measured
    install_db_counters()
    install_query_timers()
    emulator = start_emulator()
    runs = []
    try:
        with tempfile.TemporaryDirectory(prefix="ats-bench-expiry-") as tmp:
            for n in args.n:
                runs.append(
                    await run_once(
                        endpoint_url=emulator.endpoint_url,
                        emulator_pid=emulator.process.pid,
                        n=n,
                        k=args.k,
                        as_of=args.as_of,
                        admin_url=args.database_url,
                        tmp=Path(tmp),
                        label=f"n{n}",
                    )
                )
                if not args.json:
                    _print_run(runs[-1])
    finally:
        emulator.stop()
    smallest = min(runs, key=lambda r: r["n"])
    largest = max(runs, key=lambda r: r["n"])
    ratio = largest["seconds"] / smallest["seconds"] if largest is not smallest else 1.0
    cpu_ratio = largest["cpu_seconds"]["total"] / max(smallest["cpu_seconds"]["total"], 1e-9)
    return {
        "database": runs[0]["database"],
        "code": code,
        "as_of": args.as_of.isoformat(),
        "k": args.k,
        "per_record": PER_RECORD,
        "floor_per_erased": {"s3": _floors()[0], "db": _floors()[1]},
        "not_due_objects_note": "records of not-due applications point at object keys never written to S3",
        "runs": runs,
        "time_ratio_largest_to_smallest_n": {
            "n_large": largest["n"],
            "n_small": smallest["n"],
            "ratio": round(ratio, 3),
            "cpu_ratio": round(cpu_ratio if largest is not smallest else 1.0, 3),
        },
        "all_floors_ok": all(r["s3_floor_ok"] and r["db_floor_ok"] for r in runs),
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.json:
        where = (
            "PostgreSQL " + urlparse(args.database_url).netloc.split("@")[-1]
            if args.database_url
            else "SQLite (temp file)"
        )
        print(
            f"expiry benchmark: K={args.k:,} due, N in {args.n}, as of {args.as_of.isoformat()},"
            f" on {where}.\n"
            "Due applications: 3 real objects each in S3. Not-due applications: record rows point at"
            " object keys that were never written (the expiry job never touches them)."
        )
    try:
        result = asyncio.run(amain(args))
    except BenchFailure as exc:
        print(f"ABORT: {exc}", file=sys.stderr)
        return 2
    except Exception:
        traceback.print_exc()
        print("ABORT: the benchmark run failed", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result, indent=2, default=str))
    else:
        r = result["time_ratio_largest_to_smallest_n"]
        print(
            f"\ntime ratio N={r['n_large']:,} / N={r['n_small']:,}: {r['ratio']:.2f}"
            " (should be ~1: erasure time follows K, not N)"
        )
        print(
            f"CPU-time ratio (bench process + emulator + PostgreSQL backends): {r['cpu_ratio']:.2f}"
            " (less sensitive to other load on the machine than wall time)"
        )
        print("code measured: " + ", ".join(f"{k} {v}" for k, v in result["code"].items()))
        print("all floors met" if result["all_floors_ok"] else "FLOOR MISSED (see per-run figures)")
    return 0 if result["all_floors_ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
