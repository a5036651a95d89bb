"""DESIGN §7: a recruiter page runs a fixed number of SQL queries whatever the data size. Counted
at piccolo's engine (every query of a repository passes through `run_querystring`), on SQLite and
PostgreSQL, for a position's list of applications: first and later pages, few rows and many."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest

from ats.domain.actors import staff
from ats.domain.model import Role
from ats.ports import Assignment
from ats.services import applications
from tests.integration.test_contracts import T0, _application, _person, _position


async def _seed(uow: Any, position: Any, count: int) -> None:
    async with uow.transaction() as tx:
        for i in range(count):
            person = _person()
            await tx.add_person(person)
            await tx.add_application(_application(person, position, T0 + timedelta(minutes=i)))


async def test_a_page_of_applications_costs_the_same_queries_at_any_size_and_depth(
    container: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    deps = container.deps
    engine = deps.uow.engine
    small, large = _position("Small"), _position("Large")
    async with deps.uow.transaction() as tx:
        await tx.add_position(small)
        await tx.add_position(large)
    await _seed(deps.uow, small, 3)
    await _seed(deps.uow, large, 130)

    queries: list[str] = []
    real = type(engine).run_querystring

    async def counting(self: Any, querystring: Any, *args: Any, **kwargs: Any) -> Any:
        queries.append(str(querystring)[:60])
        return await real(self, querystring, *args, **kwargs)

    actor = staff(uuid4(), Role.RECRUITER)
    async with deps.uow.transaction() as tx:  # need to know: the recruiter works on both positions
        for position in (small, large):
            await tx.add_assignment(Assignment(position_id=position.id, user_id=actor.user_id, assigned_at=T0))
    monkeypatch.setattr(type(engine), "run_querystring", counting)

    async def count(position: Any, after: str | None = None) -> tuple[int, applications.ApplicationsPage]:
        queries.clear()
        listed = await applications.list_applications(deps, actor, position.id, after=after)
        return len(queries), listed

    await count(small)  # the very first audit append also creates the chain's head row
    few, small_page = await count(small)
    first, page1 = await count(large)
    second, page2 = await count(large, page1.next)
    last, page3 = await count(large, page2.next)
    assert len(small_page.rows) == 3 and small_page.next is None
    assert (len(page1.rows), len(page2.rows), len(page3.rows)) == (50, 50, 30) and page3.next is None
    assert few == first == second == last, queries
    assert few <= 8, queries  # position, assignment, page, persons, and the audit append
