"""Contract of the assignments (AssignmentRepository in ats/ports.py): the in-memory fake and the
piccolo repository on SQLite and PostgreSQL give the same answers, one row per (position, user)."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

from ats.domain.model import ApplicationStatus, Role
from ats.ports import Assignment, UnitOfWork
from tests.integration.test_contracts import (  # noqa: F401 (uow is a fixture)
    BACKENDS,
    T0,
    _application,
    _person,
    _position,
    _user,
    uow,
)


@BACKENDS
async def test_assign_check_list_and_unassign(uow: UnitOfWork) -> None:  # noqa: F811
    mine, other = _position("Mine"), _position("Other")
    rec, hm = _user(), _user(role=Role.HIRING_MANAGER)
    async with uow.transaction() as tx:
        for p in (mine, other):
            await tx.add_position(p)
        for u in (rec, hm):
            await tx.add_user(u)
    first = Assignment(mine.id, rec.id, T0)
    second = Assignment(mine.id, hm.id, T0 + timedelta(minutes=1))
    async with uow.transaction() as tx:
        assert await tx.add_assignment(second) is True
        assert await tx.add_assignment(first) is True
        assert await tx.add_assignment(Assignment(other.id, rec.id, T0)) is True
    async with uow.transaction() as tx:  # the same pair again changes nothing
        assert await tx.add_assignment(Assignment(mine.id, rec.id, T0 + timedelta(days=1))) is False
    repo = uow.repo
    assert await repo.is_assigned(mine.id, rec.id) and await repo.is_assigned(mine.id, hm.id)
    assert not await repo.is_assigned(other.id, hm.id)
    assert not await repo.is_assigned(uuid4(), rec.id)
    assert await repo.assigned_position_ids(rec.id) == {mine.id, other.id}
    assert await repo.assigned_position_ids(hm.id) == {mine.id}
    assert await repo.assigned_position_ids(uuid4()) == set()
    assert await repo.list_assignments(mine.id) == [first, second]  # oldest first
    assert await repo.list_assignments(uuid4()) == []

    async with uow.transaction() as tx:
        assert await tx.remove_assignment(mine.id, rec.id) is True
        assert await tx.remove_assignment(mine.id, rec.id) is False
    assert not await repo.is_assigned(mine.id, rec.id)
    assert await repo.assigned_position_ids(rec.id) == {other.id}
    assert await repo.list_assignments(mine.id) == [second]


@BACKENDS
async def test_a_failed_transaction_leaves_no_assignment(uow: UnitOfWork) -> None:  # noqa: F811
    position, user = _position(), _user()
    async with uow.transaction() as tx:
        await tx.add_position(position)
        await tx.add_user(user)
    try:
        async with uow.transaction() as tx:
            await tx.add_assignment(Assignment(position.id, user.id, T0))
            raise RuntimeError("rolled back")
    except RuntimeError:
        pass
    assert not await uow.repo.is_assigned(position.id, user.id)


@BACKENDS
async def test_count_by_status_of_several_positions_in_one_answer(uow: UnitOfWork) -> None:  # noqa: F811
    busy, quiet, empty = _position("Busy"), _position("Quiet"), _position("Empty")
    async with uow.transaction() as tx:
        for p in (busy, quiet, empty):
            await tx.add_position(p)
        for position, status in (
            (busy, ApplicationStatus.SUBMITTED),
            (busy, ApplicationStatus.SUBMITTED),
            (busy, ApplicationStatus.INTERVIEW),
            (quiet, ApplicationStatus.REJECTED),
        ):
            person = _person()
            await tx.add_person(person)
            application = _application(person, position)
            application.status = status
            await tx.add_application(application)
    counts = await uow.repo.count_by_status([busy.id, quiet.id, empty.id])
    assert counts == {busy.id: {"submitted": 2, "interview": 1}, quiet.id: {"rejected": 1}}
    assert await uow.repo.count_by_status([]) == {}
    assert await uow.repo.count_by_status([quiet.id]) == {quiet.id: {"rejected": 1}}
