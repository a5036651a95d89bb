"""A read's audit event appended alone (Repository.append_audit_alone: SQLite's one function on
the connection's thread, PostgreSQL's one statement of storage/audit_chain_sql.py that hashes in
SQL): the hashes are exactly those ats.domain.audit.canonical gives, whatever the details hold,
many appends at once land on one unbroken chain, and a new database's first append works."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

import storage.audit_chain_sql
from ats.domain import audit as audit_chain
from ats.domain.actors import SYSTEM
from ats.domain.model import AuditEvent
from storage.audit_chain_sql import holes


async def test_hashes_match_the_canonical_form_and_concurrent_appends_chain(
    container: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    deps = container.deps
    statements: list[bool] = []
    sizes: list[int] = []
    one_statement = storage.audit_chain_sql.append

    async def counted(db: Any, events: list[AuditEvent], dump_json: Any) -> bool:
        done = await one_statement(db, events, dump_json)
        statements.append(done)
        sizes.append(len(events))
        return done

    monkeypatch.setattr(storage.audit_chain_sql, "append", counted)
    app = uuid.uuid4()
    tricky = [
        {},
        {"record_type": "cv", "n": 3, "ok": True, "none": None},
        {"text": 'quote " backslash \\ brace } "prev_hash":"x" ,"seq":9}'},
        {"unicode": "Zoë Ångström 日本 \u2028 emoji \U0001f600", "nul": "a\u0000b"},
    ]

    async def read(i: int) -> None:
        details = tricky[i % len(tricky)]
        event = deps.event(SYSTEM, "record.downloaded", application_id=app if i % 2 else None,
                           record_id=uuid.uuid4(), details={**details, "i": i})
        await deps.uow.append_audit_alone([event])

    await read(0)  # a new database: the head row is made on the way
    await read(1)  # alone, on the head the first append made
    await asyncio.gather(*(read(i) for i in range(2, 41)))
    events = await deps.uow.repo.list_audit()
    assert sorted(e.seq for e in events) == list(range(1, 42))
    assert audit_chain.verify(sorted(events, key=lambda e: e.seq)) is None
    for event in events:
        assert event.hash == hashlib.sha256(audit_chain.canonical(event)).hexdigest()
    if container.settings.ats_database_url.startswith("postgres"):
        # The first append found no head (the slow path made it); the rest went as one statement.
        assert statements[0] is False and statements[1:] and all(statements[1:])
        # Both forms ran: an event alone (APPEND_ONE_SQL) and a group commit's batch (APPEND_SQL).
        assert 1 in sizes[1:] and max(sizes) > 1, sizes


def test_holes_put_back_together_are_the_canonical_form() -> None:
    event = an_event()
    event.seq, event.prev_hash = 1234567, "ab" * 32
    before, between = holes(event)
    assert (before + event.prev_hash + between + str(event.seq) + "}").encode() == audit_chain.canonical(event)
    assert (event.seq, event.prev_hash) == (1234567, "ab" * 32)  # left as they were


def an_event() -> AuditEvent:
    return AuditEvent(actor="system", action="x.y", at=datetime(2027, 2, 28, 23, 59, 59, 999999, tzinfo=UTC),
                      details={"k": 'v"}'})


def test_a_form_the_statement_cannot_fill_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    import storage.audit_chain_sql as module

    monkeypatch.setattr(module, "canonical", lambda e: b'{"seq":0,"prev_hash":"' + e.prev_hash.encode() + b'"}')
    with pytest.raises(ValueError, match="canonical form"):
        module.holes(an_event())
