"""The scope helpers (ats.services.access) and the services that use them, on the fakes:
need to know per DESIGN §8, 404 for anything out of scope, the archive phase."""

from __future__ import annotations

import json
from datetime import timedelta
from uuid import uuid4

import pytest

from ats.domain.actors import CANDIDATE, SYSTEM, Actor, cli_operator, staff
from ats.domain.errors import ArchivedPosition, Conflict, NotFound, ValidationError
from ats.domain.model import ApplicationStatus, Position, RecordType, Role
from ats.services import access, accounts, applications, assignments, positions, retention
from tests.unit.test_services import EMAIL, World, make_world, new_position, submit


@pytest.fixture
def world() -> World:
    return make_world()


async def person(w: World, role: Role, email: str | None = None) -> Actor:
    user = await accounts.create_user(
        w.deps, email=email or f"{role.value}-{uuid4().hex[:6]}@example.com", role=role.value, password="x" * 12
    )
    return staff(user.id, role)


async def assigned(w: World, role: Role, position: Position) -> Actor:
    actor = await person(w, role)
    user = await w.repo.get_user(actor.user_id)  # type: ignore[arg-type]
    assert user is not None
    await assignments.assign(w.deps, SYSTEM, position.id, email=user.email)
    return actor


async def add_record(w: World, application_id, record_type: RecordType):  # type: ignore[no-untyped-def]
    from ats.services.records import store_record

    app = await w.repo.get_application(application_id)

    async def then(tx, record) -> None:  # type: ignore[no-untyped-def]
        return None

    return await store_record(
        w.deps, app, record_type, json.dumps({"x": 1}).encode(), content_type="application/json", filename="r.json", then=then
    )


async def test_recruiters_see_only_their_positions_and_its_applications(world: World) -> None:
    mine, other = await new_position(world, "Mine"), await new_position(world, "Other")
    submitted = await submit(world, mine)
    theirs = await submit(world, other, email="someone@example.org")
    rec = await assigned(world, Role.RECRUITER, mine)
    assert [p.id for p in await positions.list_positions(world.deps, rec)] == [mine.id]
    assert (await applications.list_applications(world.deps, rec, mine.id)).rows
    view = await applications.view_application(world.deps, rec, submitted.id)
    assert view.person.email == EMAIL
    for call in (
        applications.list_applications(world.deps, rec, other.id),
        applications.view_application(world.deps, rec, theirs.id),
        access.visible_position(world.deps, rec, other.id, contents=False),
    ):
        with pytest.raises(NotFound):
            await call


async def test_unassigned_staff_and_candidates_get_404_without_an_audit_event(world: World) -> None:
    position = await new_position(world)
    submitted = await submit(world, position)
    (cv,) = world.repo.state["records"].values()
    actors = (await person(world, Role.RECRUITER), await person(world, Role.HIRING_MANAGER), CANDIDATE)
    before = len(world.repo.audit)
    for actor in actors:
        with pytest.raises(NotFound):
            await applications.view_application(world.deps, actor, submitted.id)
        with pytest.raises(NotFound):
            await applications.read_document(world.deps, actor, cv.id)
        with pytest.raises(NotFound):
            await applications.list_applications(world.deps, actor, position.id)
    assert len(world.repo.audit) == before


async def test_admins_see_positions_and_counts_but_no_candidate_data(world: World) -> None:
    position = await new_position(world)
    submitted = await submit(world, position)
    (cv,) = world.repo.state["records"].values()
    admin = await person(world, Role.ADMIN)
    assert [p.id for p in await positions.list_positions(world.deps, admin)] == [position.id]
    summary = await access.archive_summary(world.deps, admin, position.id)
    assert summary.counts == {"submitted": 1} and summary.total == 1
    assert EMAIL not in repr(summary.as_dict())
    with pytest.raises(NotFound):
        await applications.view_application(world.deps, admin, submitted.id)
    with pytest.raises(NotFound):
        await applications.read_document(world.deps, admin, cv.id)
    with pytest.raises(NotFound):
        await applications.list_applications(world.deps, admin, position.id)


async def test_hiring_managers_read_cv_but_never_reports_or_background_material(world: World) -> None:
    position = await new_position(world)
    submitted = await submit(world, position)
    (cv,) = world.repo.state["records"].values()
    report = await add_record(world, submitted.id, RecordType.BACKGROUND_CHECK_REPORT)
    reference = await add_record(world, submitted.id, RecordType.REFERENCE_REPORT)
    hm = await assigned(world, Role.HIRING_MANAGER, position)
    rec = await assigned(world, Role.RECRUITER, position)
    assert (await applications.read_document(world.deps, hm, cv.id))[0].id == cv.id
    for record in (report, reference):
        with pytest.raises(NotFound):
            await applications.read_document(world.deps, hm, record.id)
        assert (await applications.read_document(world.deps, rec, record.id))[0].id == record.id
    detail = await applications.application_detail(world.deps, hm, submitted.id)
    assert [r.record_type for r in detail.view.records] == [RecordType.CV]
    assert detail.referees is None and detail.consents is None and detail.checks is None
    assert detail.moves == [ApplicationStatus.SCREENING]
    full = await applications.application_detail(world.deps, rec, submitted.id)
    assert {r.id for r in full.view.records} == {cv.id, report.id, reference.id}
    assert full.referees == [] and full.consents == [] and full.checks == []
    assert ApplicationStatus.REJECTED in full.moves


async def test_archive_phase_hides_contents_from_the_hiring_team_not_from_privacy_officers(world: World) -> None:
    position = await new_position(world)
    submitted = await submit(world, position)
    (cv,) = world.repo.state["records"].values()
    rec = await assigned(world, Role.RECRUITER, position)
    hm = await assigned(world, Role.HIRING_MANAGER, position)
    po = await person(world, Role.PRIVACY_OFFICER)
    world.clock.advance(minutes=5)
    await retention.conclude_position(world.deps, rec, position.id, outcome="filled", production=False)
    for actor in (rec, hm):
        assert [p.id for p in await positions.list_positions(world.deps, actor)] == [position.id]
        with pytest.raises(ArchivedPosition) as archived:
            await applications.list_applications(world.deps, actor, position.id)
        summary = archived.value.summary
        assert summary.counts == {"rejected": 1} and summary.outcome == "filled"
        assert summary.retention_until is not None and summary.retention_until - summary.concluded_at > timedelta(days=1400)
        with pytest.raises(NotFound):
            await applications.view_application(world.deps, actor, submitted.id)
        with pytest.raises(NotFound):
            await applications.read_document(world.deps, actor, cv.id)
        assert (await access.archive_summary(world.deps, actor, position.id)).total == 1
    before = len(world.repo.audit)
    assert (await applications.view_application(world.deps, po, submitted.id)).application.id == submitted.id
    assert (await applications.read_document(world.deps, po, cv.id))[1]
    assert [e.action for e in world.repo.audit[before:]] == ["application.viewed", "record.downloaded"]


async def test_the_operator_may_see_and_conclude_positions_but_not_read_applications(world: World) -> None:
    position = await new_position(world)
    submitted = await submit(world, position)
    for actor in (SYSTEM, cli_operator("ops")):
        assert await access.visible_position(world.deps, actor, position.id, contents=False, action="conclude")
        with pytest.raises(NotFound):
            await applications.view_application(world.deps, actor, submitted.id)
        with pytest.raises(NotFound):
            await applications.list_applications(world.deps, actor, position.id)


async def test_a_recruiter_creating_a_position_is_assigned_to_it(world: World) -> None:
    rec = await person(world, Role.RECRUITER)
    created = await positions.create_position(world.deps, rec, title="Analyst", jurisdiction="GB")
    assert [p.id for p in await positions.list_positions(world.deps, rec)] == [created.id]


async def test_assign_and_unassign_are_admin_only_audited_and_checked(world: World) -> None:
    position = await new_position(world)
    admin = await person(world, Role.ADMIN)
    rec = await person(world, Role.RECRUITER, "rec@example.com")
    await person(world, Role.PRIVACY_OFFICER, "po@example.com")
    with pytest.raises(NotFound):
        await assignments.assign(world.deps, rec, position.id, email="rec@example.com")
    await assignments.assign(world.deps, admin, position.id, email="REC@example.com ")
    assert [p.id for p in await positions.list_positions(world.deps, rec)] == [position.id]
    event = world.repo.audit[-1]
    assert (event.action, event.actor, event.position_id) == ("assignment.added", f"user:{admin.user_id}", position.id)
    assert event.details == {"user": str(rec.user_id)} and "rec@example.com" not in repr(world.repo.audit)
    listed = await assignments.list_assignments(world.deps, admin, position.id)
    assert [a.user.id for a in listed] == [rec.user_id]
    with pytest.raises(Conflict):
        await assignments.assign(world.deps, admin, position.id, email="rec@example.com")
    with pytest.raises(ValidationError):
        await assignments.assign(world.deps, admin, position.id, email="po@example.com")
    with pytest.raises(NotFound):
        await assignments.assign(world.deps, admin, position.id, email="nobody@example.com")
    with pytest.raises(NotFound):
        await assignments.assign(world.deps, admin, uuid4(), email="rec@example.com")
    await assignments.unassign(world.deps, admin, position.id, email="rec@example.com")
    assert world.repo.audit[-1].action == "assignment.removed"
    assert await positions.list_positions(world.deps, rec) == []
    with pytest.raises(Conflict):
        await assignments.unassign(world.deps, admin, position.id, email="rec@example.com")
