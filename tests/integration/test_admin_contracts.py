"""Contract of the admin pages' list queries (list_users, count_applications_by_position):
the in-memory fake and the piccolo repository on SQLite and PostgreSQL give the same answers."""

from __future__ import annotations

from uuid import uuid4

from ats.domain.model import Role
from ats.ports import UnitOfWork
from tests.integration.test_contracts import (  # noqa: F401 (uow is a fixture)
    BACKENDS,
    _application,
    _person,
    _position,
    _user,
    uow,
)


@BACKENDS
async def test_repo_list_users_by_email(uow: UnitOfWork) -> None:  # noqa: F811
    assert await uow.repo.list_users() == []
    b, a = _user("b@example.com", Role.ADMIN), _user("a@example.com")
    async with uow.transaction() as tx:
        await tx.add_user(b)
        await tx.add_user(a)
        await tx.set_user_active(b.id, False)
    b.active = False
    assert await uow.repo.list_users() == [a, b]


@BACKENDS
async def test_repo_count_applications_by_position(uow: UnitOfWork) -> None:  # noqa: F811
    busy, quiet, empty = _position("Busy"), _position("Quiet"), _position("Empty")
    async with uow.transaction() as tx:
        for p in (busy, quiet, empty):
            await tx.add_position(p)
        for position in (busy, busy, busy, quiet):
            person = _person()
            await tx.add_person(person)
            await tx.add_application(_application(person, position))
    assert await uow.repo.count_applications_by_position() == {busy.id: 3, quiet.id: 1}
    assert uuid4() not in await uow.repo.count_applications_by_position()
