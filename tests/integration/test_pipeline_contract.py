"""Contract of the pipeline page's reads (status_counts, pipeline_cards): the in-memory fake and
the piccolo repository on SQLite and PostgreSQL give the same answers, ties included."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from uuid import uuid4

from ats.domain.model import ApplicationStatus as S
from ats.domain.paging import Marker
from ats.ports import UnitOfWork
from tests.integration.test_contracts import (  # noqa: F401 (uow is a fixture)
    BACKENDS,
    T0,
    _application,
    _person,
    _position,
    uow,
)

# Ties on submitted_at (the same microsecond) across and within states.
STAMPS = [0, 1, 1, 0.0005, 2, 1, 3600, 1, 2]
STATES = [S.SUBMITTED, S.SCREENING, S.SUBMITTED, S.INTERVIEW, S.SCREENING, S.SCREENING, S.SUBMITTED, S.REJECTED, S.SUBMITTED]


async def _seed(uow: UnitOfWork) -> tuple[object, list, list]:  # noqa: F811
    position, other = _position(), _position("Other")
    people = [_person() for _ in STAMPS]
    apps = [
        dataclasses.replace(_application(p, position, T0 + timedelta(seconds=s)), status=state)
        for p, s, state in zip(people, STAMPS, STATES, strict=True)
    ]
    elsewhere = _person()
    async with uow.transaction() as tx:
        await tx.add_position(position)
        await tx.add_position(other)
        for person in [*people, elsewhere]:
            await tx.add_person(person)
        for application in apps:
            await tx.add_application(application)
        await tx.add_application(dataclasses.replace(_application(elsewhere, other, T0), status=S.SCREENING))
    return position, apps, people


def _newest_first(apps: list) -> list:
    return [a.id for a in sorted(apps, key=lambda a: (a.submitted_at, a.id), reverse=True)]


async def _all_pages(uow: UnitOfWork, position_id, size: int, **narrow) -> list:  # noqa: F811
    seen, after = [], None
    while True:
        page = await uow.repo.pipeline_cards(position_id, limit=size, after=after, **narrow)
        if not page:
            return seen
        seen += [c.application.id for c in page]
        last = page[-1].application
        after = Marker(at=last.submitted_at, id=last.id)


@BACKENDS
async def test_repo_pipeline_counts_per_state_of_one_position(uow: UnitOfWork) -> None:  # noqa: F811
    position, _, _ = await _seed(uow)
    assert await uow.repo.status_counts(position.id) == {S.SUBMITTED: 4, S.SCREENING: 3, S.INTERVIEW: 1, S.REJECTED: 1}
    assert await uow.repo.status_counts(uuid4()) == {}


@BACKENDS
async def test_repo_pipeline_cards_carry_the_application_and_its_name(uow: UnitOfWork) -> None:  # noqa: F811
    position, apps, people = await _seed(uow)
    cards = await uow.repo.pipeline_cards(position.id, limit=100)
    by_id = {a.id: (a, p) for a, p in zip(apps, people, strict=True)}
    assert [c.application.id for c in cards] == _newest_first(apps)
    for card in cards:
        application, person = by_id[card.application.id]
        assert card.application == application
        assert card.full_name == person.full_name
    assert await uow.repo.pipeline_cards(uuid4(), limit=10) == []


@BACKENDS
async def test_repo_pipeline_keyset_pages_over_ties_neither_repeat_nor_skip(uow: UnitOfWork) -> None:  # noqa: F811
    position, apps, _ = await _seed(uow)
    for size in (1, 2, 4):
        assert await _all_pages(uow, position.id, size) == _newest_first(apps)
        for state in (S.SUBMITTED, S.SCREENING, S.HIRED):
            expected = _newest_first([a for a in apps if a.status is state])
            assert await _all_pages(uow, position.id, size, status=state) == expected


@BACKENDS
async def test_repo_pipeline_search_by_reference_is_exact_and_within_the_position(uow: UnitOfWork) -> None:  # noqa: F811
    position, apps, _ = await _seed(uow)
    target = apps[3]
    found = await uow.repo.pipeline_cards(position.id, limit=10, reference=target.reference)
    assert [c.application.id for c in found] == [target.id]
    both = await uow.repo.pipeline_cards(position.id, limit=10, reference=target.reference, status=target.status)
    assert [c.application.id for c in both] == [target.id]
    assert await uow.repo.pipeline_cards(position.id, limit=10, reference=target.reference, status=S.HIRED) == []
    assert await uow.repo.pipeline_cards(position.id, limit=10, reference=target.reference[:-1]) == []
    assert await uow.repo.pipeline_cards(uuid4(), limit=10, reference=target.reference) == []
