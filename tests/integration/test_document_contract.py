"""Contract of a download's one-trip reads and audit append (storage/document_sql.py): the
in-memory fake and the piccolo repository on SQLite and PostgreSQL give the same answers as the
piccolo repository's own reads, and the audit append chains with the transactional one."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone
from uuid import uuid4

from ats.domain import audit as audit_chain
from ats.domain.model import DataKeyRow, PositionStatus, RecordType, Role
from ats.ports import Assignment, UnitOfWork
from tests.integration.test_contracts import (  # noqa: F401 (uow is a fixture)
    BACKENDS,
    T0,
    _application,
    _event,
    _person,
    _position,
    _record,
    _user,
    uow,
)


async def _world(uow: UnitOfWork, status: PositionStatus = PositionStatus.OPEN, *, key: bool = True):  # noqa: F811
    position, other = _position("Mine", status), _position("Other")
    person = _person()
    application = _application(person, position)
    records = [_record(application), _record(application, RecordType.BACKGROUND_CHECK_REPORT, T0 + timedelta(1))]
    data_key = DataKeyRow(application.id, bytes(range(256)) + b"\x00wrapped", "kms-key-1", T0)
    mine, theirs = _user(), _user(role=Role.HIRING_MANAGER)
    async with uow.transaction() as tx:
        for p in (position, other):
            await tx.add_position(p)
        await tx.add_person(person)
        await tx.add_application(application)
        if key:  # without: as after erasure's first step, the key destroyed (crypto-shredding)
            await tx.add_data_key(data_key)
        await tx.add_records(records)
        for u in (mine, theirs):
            await tx.add_user(u)
        await tx.add_assignment(Assignment(position.id, mine.id, T0))
        await tx.add_assignment(Assignment(other.id, theirs.id, T0))
    return position, application, records, data_key, mine, theirs


@BACKENDS
async def test_document_scope_reads_what_the_separate_reads_read(uow: UnitOfWork) -> None:  # noqa: F811
    position, application, records, key, mine, theirs = await _world(uow)
    repo = uow.repo
    for record in records:
        found = await repo.document_scope(record.id, mine.id)
        assert found is not None
        assert found.record == await repo.get_record(record.id) == record
        assert found.application == await repo.get_application(application.id) == application
        assert found.position == await repo.get_position(position.id) == position
        assert found.data_key == await repo.get_data_key(application.id) == key
        assert isinstance(found.data_key.wrapped_key, bytes)
        assert found.assigned is True
    # Assigned elsewhere, not at all, or no user asked about: not assigned; the rest the same.
    for user_id in (theirs.id, uuid4(), None):
        found = await repo.document_scope(records[0].id, user_id)
        assert found is not None and found.assigned is False and found.record == records[0]
    assert await repo.document_scope(uuid4(), mine.id) is None


@BACKENDS
async def test_document_scope_without_a_key_and_of_a_concluded_position(
    uow: UnitOfWork,  # noqa: F811
) -> None:
    position, application, records, _, mine, _ = await _world(uow, PositionStatus.FILLED, key=False)
    assert await uow.repo.get_data_key(application.id) is None
    found = await uow.repo.document_scope(records[0].id, mine.id)
    assert found is not None and found.data_key is None
    assert found.position == position and not found.position.is_open and found.assigned is True


@BACKENDS
async def test_append_audit_alone_chains_with_the_transactional_append(uow: UnitOfWork) -> None:  # noqa: F811
    app_id, record_id = uuid4(), uuid4()
    await uow.append_audit_alone([_event("first", application_id=app_id, record_id=record_id,
                                         details={"record_type": "cv", "n": 1})])
    async with uow.transaction() as tx:
        await tx.append_audit([_event("second")])
    india = timezone(timedelta(hours=5, minutes=30))
    await uow.append_audit_alone([_event("third", at=datetime(2026, 3, 1, 2, 15, tzinfo=india)), _event("fourth")])
    events = await uow.repo.list_audit()
    assert [(e.seq, e.action) for e in events] == [(1, "first"), (2, "second"), (3, "third"), (4, "fourth")]
    assert events[0].prev_hash == audit_chain.GENESIS
    assert audit_chain.verify(events) is None
    assert events[0].application_id == app_id and events[0].record_id == record_id
    assert events[0].details == {"record_type": "cv", "n": 1}
    assert events[2].at == datetime(2026, 3, 1, 2, 15, tzinfo=india).astimezone(UTC)


@BACKENDS
async def test_concurrent_appends_never_share_a_sequence_number(uow: UnitOfWork) -> None:  # noqa: F811
    async def transactional(i: int) -> None:
        async with uow.transaction() as tx:
            await tx.append_audit([_event(f"tx-{i}")])

    # The first append of a new database apart: piccolo's append_audit races there on
    # PostgreSQL (its head INSERT has no ON CONFLICT), which is not what this test is about.
    await uow.append_audit_alone([_event("first")])
    await asyncio.gather(
        *(uow.append_audit_alone([_event(f"alone-{i}")]) for i in range(8)),
        *(transactional(i) for i in range(4)),
    )
    events = await uow.repo.list_audit()
    assert [e.seq for e in events] == list(range(1, 14))
    assert audit_chain.verify(events) is None


@BACKENDS
async def test_sign_in_reads_what_the_separate_reads_read(uow: UnitOfWork) -> None:  # noqa: F811
    from tests.integration.test_contracts import _token

    user, gone = _user(), _user(role=Role.PRIVACY_OFFICER)
    gone.active, gone.session_version = False, 3
    mine, revoked, orphan = _token(user, "a"), _token(gone, "b"), _token(_user(), "c")
    revoked.revoked_at = T0 + timedelta(hours=1)
    async with uow.transaction() as tx:
        for u in (user, gone):
            await tx.add_user(u)
        for tok in (mine, revoked, orphan):
            await tx.add_token(tok)
    repo = uow.repo
    for u in (user, gone):
        assert await repo.sign_in_user(u.id) == await repo.get_user(u.id) == u
    assert await repo.sign_in_user(uuid4()) is None
    for tok, owner in ((mine, user), (revoked, gone)):
        assert await repo.sign_in_token(tok.token_hash) == (await repo.get_token_by_hash(tok.token_hash), owner)
        assert (await repo.sign_in_token(tok.token_hash))[0] == tok
    assert await repo.sign_in_token("d" * 64) is None  # unknown token
    assert await repo.sign_in_token(orphan.token_hash) is None  # a token whose user does not exist
