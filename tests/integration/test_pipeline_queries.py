"""DESIGN §7: the pipeline page runs a fixed set of SQL statements whatever the data size and
however deep the page, filter or search. Counted at piccolo's engine (every query of a repository
passes through `run_querystring`), on SQLite and PostgreSQL: few applications and many, first,
middle and last pages, filtered by state, searched by reference (found and not)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest

from ats.domain.actors import staff
from ats.domain.model import ApplicationStatus, Role
from ats.ports import Assignment
from ats.services import pipeline
from tests.integration.test_contracts import T0, _application, _person, _position

SCREENING = ApplicationStatus.SCREENING


async def _seed(uow: Any, position: Any, count: int) -> list[Any]:
    made = []
    async with uow.transaction() as tx:
        for i in range(count):
            person = _person()
            await tx.add_person(person)
            # Every third one in screening; pairs share a submitted_at (ties).
            application = _application(person, position, T0 + timedelta(minutes=i // 2))
            if i % 3 == 0:
                application = dataclasses.replace(application, status=SCREENING)
            await tx.add_application(application)
            made.append(application)
    return made


async def test_the_pipeline_page_costs_the_same_statements_at_any_size_depth_filter_or_search(
    container: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    deps = container.deps
    engine = deps.uow.engine
    small, large = _position("Small"), _position("Large")
    actor = staff(uuid4(), Role.RECRUITER)
    async with deps.uow.transaction() as tx:
        for position in (small, large):
            await tx.add_position(position)
            await tx.add_assignment(Assignment(position_id=position.id, user_id=actor.user_id, assigned_at=T0))
    await _seed(deps.uow, small, 3)
    big = await _seed(deps.uow, large, 130)

    statements: list[str] = []
    real = type(engine).run_querystring

    async def counting(self: Any, querystring: Any, *args: Any, **kwargs: Any) -> Any:
        statements.append(str(querystring)[:70])
        return await real(self, querystring, *args, **kwargs)

    monkeypatch.setattr(type(engine), "run_querystring", counting)

    async def count(position: Any, **query: Any) -> tuple[list[str], pipeline.PipelinePage]:
        statements.clear()
        page = await pipeline.pipeline_page(deps, actor, position.id, **query)
        return list(statements), page

    await count(small)  # the very first audit append also creates the chain's head row
    shapes: dict[str, list[str]] = {}
    shapes["small"], page = await count(small)
    assert len(page.cards) == 3 and page.next is None and page.total == 3
    shapes["first"], page1 = await count(large)
    shapes["middle"], page2 = await count(large, after=page1.next)
    shapes["last"], page3 = await count(large, after=page2.next)
    assert [len(p.cards) for p in (page1, page2, page3)] == [50, 50, 30] and page3.next is None
    shapes["filtered first"], f1 = await count(large, status="screening", limit="30")
    shapes["filtered last"], f2 = await count(large, status="screening", after=f1.next, limit="30")
    assert (len(f1.cards), len(f2.cards)) == (30, 14) and f2.next is None
    shapes["search found"], found = await count(large, reference=big[77].reference.lower())
    assert [c.application.id for c in found.cards] == [big[77].id]
    shapes["search missing"], missing = await count(large, reference="APP-0000000000")
    assert missing.cards == []
    shapes["filtered empty"], empty = await count(small, status="hired")
    assert empty.cards == []

    lengths = {name: len(s) for name, s in shapes.items()}
    assert len(set(lengths.values())) == 1, (lengths, shapes)
    # The scope check (position, assignment), the grouped count, the page, and the audit append.
    assert lengths["first"] <= 8, shapes["first"]
    assert sum("GROUP BY" in s.upper() for s in shapes["last"]) <= 1
