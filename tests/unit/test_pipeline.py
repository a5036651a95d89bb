"""The pipeline page's service (ats.services.pipeline) on the in-memory fakes, and the parsing of
its filter and search (ats.domain.pipeline)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from ats.domain.actors import CANDIDATE, Actor, staff
from ats.domain.errors import ArchivedPosition, NotFound, ValidationError
from ats.domain.model import Application, Person, Position, PositionStatus, Role
from ats.domain.model import ApplicationStatus as S
from ats.domain.pipeline import normalise_reference, parse_status
from ats.domain.references import new_reference
from ats.ports import Assignment
from ats.services import pipeline
from ats.services.deps import Deps
from storage.memory import FixedClock, MemoryBlobStore, MemoryKeyProvider, MemoryUnitOfWork
from storage.vault import RecordVault

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


# ---------------------------------------------------------------- parsing (pure)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("APP-7KQ2M9X4ZB", "APP-7KQ2M9X4ZB"),
        ("  app-7kq2m9x4zb ", "APP-7KQ2M9X4ZB"),
        ("APP 7KQ2 M9X4 ZB", "APP-7KQ2M9X4ZB"),
        ("7kq2m9x4zb", "APP-7KQ2M9X4ZB"),
        ("app-7kq2m9x4zb\t", "APP-7KQ2M9X4ZB"),
        ("APP-OIL2M9X4ZB", "APP-0112M9X4ZB"),  # Crockford: O reads 0, I and L read 1
        ("", None),
        (None, None),
        ("   ", None),
    ],
)
def test_a_reference_is_read_as_a_person_types_it(typed: Any, expected: str | None) -> None:
    assert normalise_reference(typed) == expected


@pytest.mark.parametrize(
    "typed", ["APP-123", "APP-7KQ2M9X4ZBX", "APP-7KQ2M9X4Z!", "<b>x</b>", "A" * 41, 7, "APP-7KQ2M9X4ZU", "APPABCDEFGHJ"]
)
def test_what_cannot_be_a_reference_is_refused_with_the_expected_shape(typed: object) -> None:
    with pytest.raises(ValidationError) as raised:
        normalise_reference(typed)
    assert raised.value.field == "reference" and "APP-" in raised.value.message


def test_a_body_that_starts_with_app_keeps_it() -> None:
    assert normalise_reference("APPQRSTVWX") == "APP-APPQRSTVWX"
    assert normalise_reference("APP-APPQRSTVWX") == "APP-APPQRSTVWX"


def test_state_filter_is_a_workflow_state_or_none() -> None:
    assert parse_status("") is None and parse_status(None) is None
    assert parse_status("reference_check") is S.REFERENCE_CHECK
    for bad in ("Submitted", "hired ", "<script>", "erased"):
        with pytest.raises(ValidationError) as raised:
            parse_status(bad)
        assert raised.value.field == "status"


# ---------------------------------------------------------------- the service


class World:
    def __init__(self) -> None:
        self.uow = MemoryUnitOfWork()
        self.deps = Deps(uow=self.uow, vault=RecordVault(MemoryKeyProvider(), MemoryBlobStore()), clock=FixedClock())

    async def position(self, status: PositionStatus = PositionStatus.OPEN) -> Position:
        position = Position(
            id=uuid4(), title="Engineer", jurisdiction="GB", status=status, created_at=T0,
            concluded_at=T0 + timedelta(days=30) if status is not PositionStatus.OPEN else None,
        )
        async with self.uow.transaction() as tx:
            await tx.add_position(position)
        return position

    async def applications(self, position: Position, states: list[S], *, tie_every: int = 3) -> list[Application]:
        made = []
        async with self.uow.transaction() as tx:
            for i, state in enumerate(states):
                person = Person(id=uuid4(), email=f"p{i}@example.org", full_name=f"Candidate {i}", phone=None,
                                country="GB", created_at=T0)
                at = T0 + timedelta(minutes=i // tie_every)  # groups of ties on submitted_at
                application = Application(
                    id=uuid4(), reference=new_reference(), position_id=position.id, person_id=person.id,
                    status=state, submitted_at=at, privacy_notice_version="2026-11-22",
                )
                await tx.add_person(person)
                await tx.add_application(application)
                made.append(application)
        return made

    async def staff(self, role: Role, *assigned: Position) -> Actor:
        actor = staff(uuid4(), role)
        async with self.uow.transaction() as tx:
            for position in assigned:
                assert actor.user_id is not None
                await tx.add_assignment(Assignment(position_id=position.id, user_id=actor.user_id, assigned_at=T0))
        return actor

    def audit(self) -> list[Any]:
        return list(self.uow.repo.audit)


def _newest_first(apps: list[Application]) -> list[UUID]:
    return [a.id for a in sorted(apps, key=lambda a: (a.submitted_at, a.id), reverse=True)]


STATES = [S.SUBMITTED, S.SCREENING, S.SUBMITTED, S.INTERVIEW, S.REJECTED, S.SUBMITTED, S.SCREENING]


async def test_counts_per_state_and_newest_cards_with_names_for_an_assigned_recruiter() -> None:
    w = World()
    position = await w.position()
    apps = await w.applications(position, STATES)
    actor = await w.staff(Role.RECRUITER, position)

    page = await pipeline.pipeline_page(w.deps, actor, position.id)

    assert page.position == position
    assert dict(page.counts) == {**{s: 0 for s in S}, S.SUBMITTED: 3, S.SCREENING: 2, S.INTERVIEW: 1, S.REJECTED: 1}
    assert [s for s, _ in page.counts] == list(S)  # the workflow's order: the page's columns
    assert page.total == 7 and page.shown == 7 and page.next is None
    assert [c.application.id for c in page.cards] == _newest_first(apps)
    assert {c.full_name for c in page.cards} == {f"Candidate {i}" for i in range(7)}
    assert [c.application.id for c in page.cards_in(S.SCREENING)] == _newest_first([apps[1], apps[6]])
    event = w.audit()[-1]
    assert event.action == "position.applications_listed" and event.position_id == position.id
    assert event.details == {"count": 7, "search": False}


async def test_a_state_filter_pages_over_every_application_of_that_state_once() -> None:
    w = World()
    position = await w.position()
    apps = await w.applications(position, [S.SCREENING if i % 3 else S.SUBMITTED for i in range(23)])
    actor = await w.staff(Role.HIRING_MANAGER, position)
    for state in (S.SCREENING, S.SUBMITTED, None):
        seen, after = [], None
        while True:
            page = await pipeline.pipeline_page(
                w.deps, actor, position.id, status=state.value if state else "", after=after, limit="4"
            )
            assert len(page.cards) <= 4 and all(state is None or c.application.status is state for c in page.cards)
            seen += [c.application.id for c in page.cards]
            if page.next is None:
                break
            after = page.next
        assert seen == _newest_first([a for a in apps if state is None or a.status is state])
        assert page.total == 23


async def test_a_reference_search_finds_one_application_however_it_is_typed() -> None:
    w = World()
    position = await w.position()
    apps = await w.applications(position, STATES)
    other = await w.position()
    elsewhere = await w.applications(other, [S.SUBMITTED])
    actor = await w.staff(Role.RECRUITER, position, other)
    target = apps[3]

    typed = " " + target.reference.lower().replace("-", " ") + " "
    page = await pipeline.pipeline_page(w.deps, actor, position.id, reference=typed)
    assert [c.application.id for c in page.cards] == [target.id] and page.reference == target.reference
    assert page.total == 7  # the counts are the position's, whatever is searched
    assert w.audit()[-1].details == {"count": 1, "search": True}
    assert (await pipeline.pipeline_page(w.deps, actor, position.id, reference=target.reference, status="hired")).cards == []
    # Another position's reference is not found here, and says nothing about that position.
    missing = await pipeline.pipeline_page(w.deps, actor, position.id, reference=elsewhere[0].reference)
    assert missing.cards == [] and missing.next is None


@pytest.mark.parametrize(
    ("query", "field"),
    [({"status": "nope"}, "status"), ({"reference": "APP-1"}, "reference"), ({"after": "forged"}, "after"),
     ({"limit": "0"}, "limit")],
)
async def test_bad_filter_search_or_page_input_is_refused_before_anything_is_read(query: dict, field: str) -> None:
    w = World()
    position = await w.position()
    await w.applications(position, STATES)
    actor = await w.staff(Role.RECRUITER, position)
    before = w.audit()
    with pytest.raises(ValidationError) as raised:
        await pipeline.pipeline_page(w.deps, actor, position.id, **query)
    assert raised.value.field == field
    assert w.audit() == before


async def test_out_of_scope_unknown_and_wrong_roles_are_not_found() -> None:
    w = World()
    position = await w.position()
    await w.applications(position, STATES)
    for actor in (
        await w.staff(Role.RECRUITER),  # not assigned
        await w.staff(Role.HIRING_MANAGER),
        await w.staff(Role.ADMIN),  # no candidate data
        CANDIDATE,
    ):
        with pytest.raises(NotFound):
            await pipeline.pipeline_page(w.deps, actor, position.id)
    with pytest.raises(NotFound):
        await pipeline.pipeline_page(w.deps, await w.staff(Role.RECRUITER, position), uuid4())
    assert not [e for e in w.audit() if e.action == "position.applications_listed"]


async def test_a_concluded_position_shows_the_hiring_team_its_summary_only() -> None:
    w = World()
    position = await w.position(PositionStatus.FILLED)
    await w.applications(position, [S.HIRED, S.REJECTED, S.REJECTED])
    for role in (Role.RECRUITER, Role.HIRING_MANAGER):
        with pytest.raises(ArchivedPosition) as raised:
            await pipeline.pipeline_page(w.deps, await w.staff(role, position), position.id)
        summary = raised.value.summary
        assert summary.counts == {"hired": 1, "rejected": 2}
        assert summary.retention_until is not None and summary.concluded_at == position.concluded_at
        assert "Candidate" not in repr(summary) and "APP-" not in repr(summary)
    assert not [e for e in w.audit() if e.action == "position.applications_listed"]


async def test_a_privacy_officer_sees_a_concluded_position_in_full_and_it_is_audited() -> None:
    w = World()
    position = await w.position(PositionStatus.FILLED)
    apps = await w.applications(position, [S.HIRED, S.REJECTED, S.REJECTED])
    officer = await w.staff(Role.PRIVACY_OFFICER)

    page = await pipeline.pipeline_page(w.deps, officer, position.id, status="rejected")

    assert [c.application.id for c in page.cards] == _newest_first(apps[1:])
    assert all(c.full_name for c in page.cards)
    event = w.audit()[-1]
    assert (event.action, event.actor, event.position_id) == ("position.applications_listed", officer.label, position.id)
    assert event.details == {"count": 2, "search": False, "status": "rejected"}
