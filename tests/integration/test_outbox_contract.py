"""Contract of the outbox repository (ats.ports.OutboxRepository): the in-memory fake and the
piccolo repository on SQLite and PostgreSQL must agree."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from ats.ports import OutboxRow, TombstoneRow, UnitOfWork
from storage.memory import MemoryUnitOfWork

BACKENDS = pytest.mark.parametrize(
    ("backend", "database_url"),
    [
        pytest.param("memory", "sqlite", id="memory"),
        pytest.param("piccolo", "sqlite", id="piccolo-sqlite"),
        pytest.param("piccolo", "postgresql", id="piccolo-postgresql"),
    ],
    indirect=["database_url"],
)
T0 = datetime(2026, 3, 1, 9, 0, 0, 123456, tzinfo=UTC)


@pytest.fixture
def uow(request: pytest.FixtureRequest, backend: str, database_url: str) -> UnitOfWork:
    if backend == "memory":
        return MemoryUnitOfWork()
    return request.getfixturevalue("container").deps.uow


def _row(*, at: datetime = T0, application_id: UUID | None = None, sealed: bytes = b"ATS1\x00sealed\xff") -> OutboxRow:
    return OutboxRow(
        id=uuid4(),
        kind="privacy.code",
        application_id=application_id,
        created_at=at,
        sealed=sealed,
        app_key=application_id is not None,
        status="pending",
        next_attempt_at=at,
    )


async def _add(uow: Any, *rows: OutboxRow) -> None:
    async with uow.transaction() as tx:
        for row in rows:
            await tx.add_outbox(row)


@BACKENDS
async def test_a_row_comes_back_as_written(uow: Any) -> None:
    row = _row(application_id=uuid4())
    await _add(uow, row)
    assert await uow.repo.get_outbox(row.id) == row
    assert await uow.repo.get_outbox(uuid4()) is None


@BACKENDS
async def test_a_rolled_back_transaction_leaves_no_row(uow: Any) -> None:
    row = _row()
    with pytest.raises(RuntimeError):
        async with uow.transaction() as tx:
            await tx.add_outbox(row)
            raise RuntimeError("the change failed")
    assert await uow.repo.get_outbox(row.id) is None


@BACKENDS
async def test_claim_takes_due_pending_rows_oldest_first_once_per_lease(uow: Any) -> None:
    old, new, later = _row(at=T0), _row(at=T0 + timedelta(seconds=1)), _row(at=T0 + timedelta(hours=1))
    await _add(uow, new, later, old)
    lease = T0 + timedelta(minutes=5)
    async with uow.transaction() as tx:
        first = await tx.claim_outbox(now=T0 + timedelta(seconds=2), lease_until=lease, limit=1)
    assert [(r.id, r.attempts, r.next_attempt_at) for r in first] == [(old.id, 1, lease)]
    async with uow.transaction() as tx:
        rest = await tx.claim_outbox(now=T0 + timedelta(seconds=2), lease_until=lease, limit=10)
    assert [r.id for r in rest] == [new.id]  # `old` is leased, `later` not due
    assert (await uow.repo.get_outbox(old.id)).attempts == 1
    async with uow.transaction() as tx:  # the lease lapsed: claimable again, attempts 2
        again = await tx.claim_outbox(now=lease, lease_until=lease + timedelta(minutes=5), limit=10, ids=[old.id])
    assert [(r.id, r.attempts) for r in again] == [(old.id, 2)]
    async with uow.transaction() as tx:
        assert await tx.claim_outbox(now=lease, lease_until=lease, limit=10, ids=[]) == []


@BACKENDS
async def test_finished_rows_keep_ids_and_times_but_no_content_and_are_never_claimed(uow: Any) -> None:
    delivered, abandoned = _row(application_id=uuid4()), _row()
    await _add(uow, delivered, abandoned)
    at = T0 + timedelta(seconds=3)
    async with uow.transaction() as tx:
        await tx.outbox_finished(delivered.id, status="delivered", at=at, error=None)
        await tx.outbox_finished(abandoned.id, status="abandoned", at=at, error="SMTPDataError 550")
    got = await uow.repo.get_outbox(delivered.id)
    assert (got.status, got.sealed, got.next_attempt_at, got.finished_at, got.kind, got.application_id) == (
        "delivered", None, None, at, "privacy.code", delivered.application_id
    )
    assert (await uow.repo.get_outbox(abandoned.id)).last_error == "SMTPDataError 550"
    async with uow.transaction() as tx:
        assert await tx.claim_outbox(now=T0 + timedelta(days=9), lease_until=T0, limit=10) == []
    assert [r.id for r in await uow.repo.list_outbox(status="delivered")] == [delivered.id]
    assert {r.id for r in await uow.repo.list_outbox()} == {delivered.id, abandoned.id}


@BACKENDS
async def test_retry_sets_the_next_attempt_and_the_error(uow: Any) -> None:
    row = _row()
    await _add(uow, row)
    later = T0 + timedelta(minutes=1)
    async with uow.transaction() as tx:
        await tx.claim_outbox(now=T0, lease_until=T0 + timedelta(minutes=5), limit=10)
        await tx.outbox_retry(row.id, at=later, error="SMTPConnectError")
    got = await uow.repo.get_outbox(row.id)
    assert (got.status, got.next_attempt_at, got.last_error, got.sealed) == ("pending", later, "SMTPConnectError", row.sealed)
    async with uow.transaction() as tx:
        assert await tx.claim_outbox(now=later - timedelta(seconds=1), lease_until=later, limit=10) == []
        assert [r.id for r in await tx.claim_outbox(now=later, lease_until=later, limit=10)] == [row.id]


@BACKENDS
async def test_erasing_an_application_erases_its_outbox_rows(uow: Any) -> None:
    """DESIGN §10: undelivered mail is erased with its application (complete_erasures)."""
    from tests.integration.test_contracts import _application, _person, _position

    position, person = _position(), _person()
    application = _application(person, position, retention_until=T0)
    async with uow.transaction() as tx:
        await tx.add_position(position)
        await tx.add_person(person)
        await tx.add_application(application)
    theirs, other = _row(application_id=application.id), _row(application_id=uuid4())
    await _add(uow, theirs, other)
    async with uow.transaction() as tx:
        claims = await tx.claim_due(
            as_of=T0 + timedelta(days=3650), worker="w", now=T0, lease_until=T0 + timedelta(minutes=5), limit=10
        )
    assert [c.application_id for c in claims] == [application.id]
    stone = TombstoneRow(application.id, application.reference, position.id, application.submitted_at,
                         application.retention_until, T0, "expired", 0, 0)
    async with uow.transaction() as tx:
        assert await tx.complete_erasures(claims, "w", [stone]) == {application.id}
    assert await uow.repo.get_outbox(theirs.id) is None
    assert await uow.repo.get_outbox(other.id) is not None

