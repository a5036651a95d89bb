"""Contract of the intake's two calls (Repository.intake_lookup, UnitOfWork.save_submission):
the in-memory fake and the hand-written SQL of storage.intake_sql on SQLite and PostgreSQL must
agree with each other and with the piccolo repository that reads the rows back."""

from __future__ import annotations

import dataclasses
from datetime import timedelta, timezone
from typing import Any
from uuid import uuid4

import pytest

from ats.domain import audit as audit_chain
from ats.domain.model import Application, DataKeyRow, Person, Position, PositionStatus, RecordType, Referee
from ats.ports import Duplicate, NewSubmission, PositionClosed, UnitOfWork
from storage.memory import MemoryUnitOfWork
from tests.integration.test_contracts import BACKENDS, T0, _application, _event, _person, _position, _record


@pytest.fixture
def uow(request: pytest.FixtureRequest, backend: str, database_url: str) -> UnitOfWork:
    if backend == "memory":
        return MemoryUnitOfWork()
    return request.getfixturevalue("container").deps.uow


def _submission(person: Person, position: Position, *, events: int = 1) -> NewSubmission:
    application = _application(person, position, talent_pool_consent=True)
    india = timezone(timedelta(hours=5, minutes=30))
    return NewSubmission(
        application=application,
        person=person,
        data_key=DataKeyRow(
            application_id=application.id, wrapped_key=b"\x00wrapped\xff" * 4, kms_key_id="arn:key/1", created_at=T0
        ),
        records=[_record(application), _record(application, RecordType.COVER_LETTER, at=T0 + timedelta(seconds=1))],
        referees=[
            Referee(
                id=uuid4(),
                application_id=application.id,
                full_name="<b>Ada</b> Łukasz",
                email=f"ref-{uuid4().hex[:6]}@example.com",
                relationship="manager",
                created_at=T0.astimezone(india),
            )
        ],
        events=[
            _event("application.submitted", application_id=application.id, position_id=position.id, details={"n": i})
            for i in range(events)
        ],
    )


async def _add(uow: UnitOfWork, *rows: object) -> None:
    async with uow.transaction() as tx:
        for row in rows:
            if isinstance(row, Position):
                await tx.add_position(row)
            elif isinstance(row, Person):
                await tx.add_person(row)
            elif isinstance(row, Application):
                await tx.add_application(row)


@BACKENDS
async def test_intake_lookup_reads_position_and_duplicate(uow: UnitOfWork) -> None:
    open_position, closed = _position("Open"), _position("Closed", PositionStatus.FILLED)
    person = _person("lookup@example.com")
    earlier = _application(person, closed)
    await _add(uow, open_position, closed, person, earlier)

    found = await uow.repo.intake_lookup(open_position.id, "lookup@example.com")
    assert found.position == await uow.repo.get_position(open_position.id) == open_position
    assert found.duplicate_of is None

    again = await uow.repo.intake_lookup(closed.id, "lookup@example.com")
    assert again.position == closed and again.position.concluded_at == closed.concluded_at
    assert again.duplicate_of == earlier.id

    stranger = await uow.repo.intake_lookup(open_position.id, "nobody@example.com")
    assert (stranger.position, stranger.duplicate_of) == (open_position, None)
    missing = await uow.repo.intake_lookup(uuid4(), "lookup@example.com")
    assert (missing.position, missing.duplicate_of) == (None, None)


@BACKENDS
async def test_save_submission_rows_read_back_through_the_repository(uow: UnitOfWork) -> None:
    position = _position()
    await _add(uow, position)
    async with uow.transaction() as tx:
        await tx.append_audit([_event("before")])  # the submission's events chain after it
    person = _person("Zoë.new@example.com")
    submission = _submission(person, position, events=2)
    await uow.save_submission(submission)

    repo = uow.repo
    assert await repo.get_person_by_email("Zoë.new@example.com") == person
    application = submission.application
    assert await repo.get_application(application.id) == application
    assert await repo.find_application(person.id, position.id) == application
    assert await repo.get_data_key(application.id) == submission.data_key
    assert await repo.list_records(application.id) == submission.records
    referees = await repo.list_referees(application.id)
    assert [(r.id, r.full_name, r.email, r.created_at) for r in referees] == [
        (r.id, r.full_name, r.email, r.created_at) for r in submission.referees
    ]
    events = await repo.list_audit()
    assert [e.action for e in events] == ["before", "application.submitted", "application.submitted"]
    assert [e.seq for e in events] == [1, 2, 3] and audit_chain.verify(events) is None
    assert [e.details for e in events[1:]] == [{"n": 0}, {"n": 1}]
    assert events[1].application_id == application.id and events[1].position_id == position.id
    found = await repo.intake_lookup(position.id, "Zoë.new@example.com")
    assert found.duplicate_of == application.id


@BACKENDS
async def test_save_submission_of_the_same_email_elsewhere_makes_its_own_person(uow: UnitOfWork) -> None:
    first, second = _position("First"), _position("Second")
    person = _person()
    await _add(uow, first, second)
    await uow.save_submission(_submission(person, first))
    later = _submission(dataclasses.replace(person, id=uuid4(), full_name="Another"), second)
    await uow.save_submission(later)
    [(application, contact)] = await uow.repo.list_applications(second.id)
    assert application.id == later.application.id and contact == later.person
    assert (await uow.repo.get_person(person.id)).full_name == person.full_name
    assert audit_chain.verify(await uow.repo.list_audit()) is None


@BACKENDS
async def test_save_submission_to_a_position_no_longer_open_writes_nothing(uow: UnitOfWork) -> None:
    # Issue 9 #2: the write transaction re-checks the position the lookup saw open.
    position = _position()
    await _add(uow, position)
    await uow.save_submission(_submission(_person(), position))
    async with uow.transaction() as tx:
        await tx.conclude_position(position.id, PositionStatus.FILLED, T0, T0 + timedelta(days=1461))
    late = _submission(_person(), position)
    with pytest.raises(PositionClosed):
        await uow.save_submission(late)
    assert await _state(uow, late) == (None, None, [], [], [1])
    assert await uow.repo.get_person(late.person.id) is None


async def _state(uow: UnitOfWork, submission: NewSubmission) -> tuple[object, ...]:
    repo, application = uow.repo, submission.application
    return (
        await repo.get_application(application.id),
        await repo.get_data_key(application.id),
        await repo.list_records(application.id),
        await repo.list_referees(application.id),
        [e.seq for e in await repo.list_audit()],
    )


@BACKENDS
async def test_save_submission_clash_raises_duplicate_and_writes_nothing(uow: UnitOfWork) -> None:
    position = _position()
    person = _person("taken@example.com")
    await _add(uow, position)
    await uow.save_submission(_submission(person, position))
    nothing = (None, None, [], [], [1])

    # The same email to the same position, as a new contact row (two intakes at once: the
    # lookup saw nothing): the unique dedupe_key refuses it.
    same_email = dataclasses.replace(person, id=uuid4())
    twice = _submission(same_email, position)
    with pytest.raises(Duplicate):
        await uow.save_submission(twice)
    assert await _state(uow, twice) == nothing
    assert await uow.repo.get_person(same_email.id) is None

    # After both refusals the chain goes on without a gap.
    fresh = _submission(_person(), position)
    await uow.save_submission(fresh)
    events = await uow.repo.list_audit()
    assert [e.seq for e in events] == [1, 2] and audit_chain.verify(events) is None


def test_intake_sql_refuses_a_field_that_is_not_a_column() -> None:
    # A domain field added without a migration must fail loudly, not be dropped silently.
    from storage import intake_sql, tables

    person = vars(_person())
    assert len(intake_sql._values(tables.Person, person)) == len(tables.Person._meta.columns)
    with pytest.raises(KeyError, match="nickname"):
        intake_sql._values(tables.Person, {**person, "nickname": "Zo"})


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_sqlite_write_that_cannot_take_the_lock_reports_the_lock(container: Any) -> None:
    # Another writer holding the lock past the busy timeout: BEGIN IMMEDIATE fails, and that is
    # the error the caller sees (not a ROLLBACK of a transaction that never began).
    import sqlite3

    from storage import intake_sql

    path = container.deps.uow.engine.path
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    writer = sqlite3.connect(path, timeout=0.05, isolation_level=None)
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            intake_sql._sqlite_save(writer, _submission(_person(), _position()))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        writer.close()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_postgres_connection_returns_to_the_pool_without_a_transaction(container: Any) -> None:
    # storage.engine replaces asyncpg's reset query with nothing (no SET, LISTEN or advisory
    # lock is ever issued); what must still hold is asyncpg's own part: a connection released
    # inside a transaction is rolled back, so the next borrower never inherits its writes.
    engine = container.deps.uow.engine
    name = f"left_open_{uuid4().hex[:8]}"
    async with engine.pool.acquire() as db:
        await db.execute("BEGIN")
        await db.execute(f'CREATE TABLE "{name}" (x int)')
        assert await db.fetchval("SELECT to_regclass($1)", name) is not None
    for _ in range(engine.pool.get_size()):
        async with engine.pool.acquire() as db:
            assert not db.is_in_transaction()
            assert await db.fetchval("SELECT to_regclass($1)", name) is None
