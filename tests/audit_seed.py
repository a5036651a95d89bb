"""A long, valid audit chain written fast by direct inserts (the tests' 100,000 events and
bench/audit_verify.py's 1,000,000): hashes computed as ats.domain.audit does, rows written in
batches (sqlite3 executemany; asyncpg COPY). Returns the head (seq, hash) it leaves."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import asyncpg

from ats.domain import audit as audit_chain
from ats.domain.model import AuditEvent

COLUMNS = ("seq", "at", "actor", "action", "application_id", "position_id", "record_id", "details", "prev_hash", "hash")
ACTIONS = ("application.viewed", "record.downloaded", "application.transitioned", "pipeline.viewed")


def chained(n: int, *, batch: int, start: datetime) -> Iterator[list[AuditEvent]]:
    prev = audit_chain.GENESIS
    apps = [uuid.uuid4() for _ in range(64)]
    for first in range(1, n + 1, batch):
        events = []
        for seq in range(first, min(first + batch, n + 1)):
            event = AuditEvent(
                actor=f"user:{apps[seq % 7]}",
                action=ACTIONS[seq % len(ACTIONS)],
                at=start + timedelta(seconds=seq),
                application_id=apps[seq % len(apps)],
                record_id=apps[(seq * 3) % len(apps)] if seq % 4 == 1 else None,
                details={"n": seq % 10},
                seq=seq,
                prev_hash=prev,
            )
            event.hash = hashlib.sha256(audit_chain.canonical(event)).hexdigest()
            prev = event.hash
            events.append(event)
        yield events


def seed_sqlite(path: str, n: int, *, batch: int = 20000, start: datetime | None = None) -> tuple[int, str]:
    head = (0, audit_chain.GENESIS)
    marks = ", ".join("?" for _ in COLUMNS)
    with sqlite3.connect(path, timeout=60) as conn:
        for events in chained(n, batch=batch, start=start or datetime(2026, 1, 1, tzinfo=UTC)):
            conn.executemany(
                f'INSERT INTO "audit_events" ({", ".join(COLUMNS)}) VALUES ({marks})',
                [
                    (e.seq, e.at.isoformat(), e.actor, e.action, _s(e.application_id), _s(e.position_id),
                     _s(e.record_id), json.dumps(e.details), e.prev_hash, e.hash)
                    for e in events
                ],
            )
            head = (events[-1].seq, events[-1].hash)
        conn.execute('INSERT INTO "audit_head" (id, seq, hash) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash', head)
    return head


async def seed_postgres(url: str, n: int, *, batch: int = 20000, start: datetime | None = None) -> tuple[int, str]:
    head = (0, audit_chain.GENESIS)
    conn = await asyncpg.connect(url)
    try:
        for events in chained(n, batch=batch, start=start or datetime(2026, 1, 1, tzinfo=UTC)):
            await conn.copy_records_to_table(
                "audit_events",
                columns=list(COLUMNS),
                records=[
                    (e.seq, e.at, e.actor, e.action, e.application_id, e.position_id, e.record_id,
                     json.dumps(e.details), e.prev_hash, e.hash)
                    for e in events
                ],
            )
            head = (events[-1].seq, events[-1].hash)
        await conn.execute(
            'INSERT INTO "audit_head" (id, seq, hash) VALUES (1, $1, $2) ON CONFLICT (id) DO UPDATE SET seq = $1, hash = $2',
            *head,
        )
    finally:
        await conn.close()
    return head


async def seed(database_url: str, n: int, **kwargs: object) -> tuple[int, str]:
    if database_url.startswith("sqlite:///"):
        return seed_sqlite(database_url[len("sqlite:///") :], n, **kwargs)  # type: ignore[arg-type]
    return await seed_postgres(database_url, n, **kwargs)  # type: ignore[arg-type]


def _s(value: object) -> str | None:
    return str(value) if value is not None else None
