"""Retention, holds, re-tagging, expiry and sweep through the services, with in-memory fakes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from ats.domain.actors import SYSTEM, staff
from ats.domain.errors import Conflict, Gone, NotFound, ValidationError
from ats.domain.model import Role
from ats.ports import Assignment
from ats.services import applications, expiry, positions, retention, sweep
from ats.services.applications import Upload
from ats.services.deps import Deps
from storage.memory import FixedClock, MemoryBlobStore, MemoryKeyProvider, MemoryUnitOfWork
from storage.vault import RecordVault

OFFICER = staff(uuid.uuid4(), Role.PRIVACY_OFFICER)
RECRUITER = staff(uuid.uuid4(), Role.RECRUITER)
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


@pytest.fixture
def deps() -> Deps:
    clock = FixedClock(NOW)
    return Deps(
        uow=MemoryUnitOfWork(),
        vault=RecordVault(MemoryKeyProvider(), MemoryBlobStore(clock=clock)),
        clock=clock,
    )


async def apply(deps: Deps, position_id: uuid.UUID, email: str) -> uuid.UUID:
    submitted = await applications.submit_application(
        deps,
        position_id=position_id,
        fields={"full_name": "Ana Test", "email": email, "country": "ES", "privacy_notice_acknowledged": "true"},
        cv=Upload("cv.txt", b"Ana's plain-text CV"),
    )
    return submitted.id


async def test_conclude_rules(deps: Deps) -> None:
    position = await positions.create_position(deps, SYSTEM, title="P", jurisdiction="GB")
    app_id = await apply(deps, position.id, "a@example.com")
    with pytest.raises(ValidationError):
        await retention.conclude_position(deps, SYSTEM, position.id, outcome="hired", production=False)
    with pytest.raises(ValidationError):  # future
        await retention.conclude_position(
            deps, SYSTEM, position.id, outcome="filled", at=NOW + timedelta(days=1), production=False
        )
    with pytest.raises(ValidationError):  # back-dated in production
        await retention.conclude_position(
            deps, SYSTEM, position.id, outcome="filled", at=NOW - timedelta(days=3), production=True
        )
    for outsider in (OFFICER, RECRUITER):  # no hiring decisions; not assigned (DESIGN §8): 404
        with pytest.raises(NotFound):
            await retention.conclude_position(deps, outsider, position.id, outcome="filled", production=False)
    with pytest.raises(NotFound):
        await retention.conclude_position(deps, SYSTEM, uuid.uuid4(), outcome="filled", production=False)
    await deps.uow.repo.add_assignment(Assignment(position.id, RECRUITER.user_id, NOW))
    result = await retention.conclude_position(deps, RECRUITER, position.id, outcome="cancelled", production=True)
    assert result.retention_until == datetime(2030, 11, 22, 10, 0, tzinfo=UTC)
    app = await deps.uow.repo.get_application(app_id)
    assert (app.status.value, app.retention_until) == ("rejected", result.retention_until)
    with pytest.raises(Conflict):
        await retention.conclude_position(deps, SYSTEM, position.id, outcome="filled", production=False)


async def test_expiry_erases_due_only_and_leaves_a_tombstone(deps: Deps) -> None:
    done = await positions.create_position(deps, SYSTEM, title="Done", jurisdiction="US")
    other = await positions.create_position(deps, SYSTEM, title="Open", jurisdiction="US")
    erased_id = await apply(deps, done.id, "shared@example.com")
    kept_id = await apply(deps, other.id, "shared@example.com")
    held_id = await apply(deps, done.id, "held@example.com")
    await retention.conclude_position(
        deps, SYSTEM, done.id, outcome="filled", at=datetime(2022, 1, 1, tzinfo=UTC), production=False
    )
    await retention.set_legal_hold(deps, OFFICER, held_id, reason="Claim 42", hold=True)
    with pytest.raises(Conflict):
        await retention.set_legal_hold(deps, OFFICER, held_id, reason="again", hold=True)
    early = await expiry.erase_due(deps, as_of=datetime(2025, 12, 31, 23, 59, 59, tzinfo=UTC))
    assert (early.erased, early.held) == (0, 0)
    report = await expiry.erase_due(deps, as_of=datetime(2026, 1, 1, tzinfo=UTC))
    assert (report.erased, report.held, report.failed) == (1, 1, 0)
    repo = deps.uow.repo
    assert await repo.get_application(erased_id) is None
    assert await repo.get_data_key(erased_id) is None
    assert await repo.list_records(erased_id) == []
    kept = await repo.get_application(kept_id)
    assert (await repo.get_person(kept.person_id)).email == "shared@example.com"
    assert not [k for k in deps.vault.blobs.objects if str(erased_id) in k]
    with pytest.raises(NotFound):  # a recruiter not assigned to the position: as unknown as any id
        await applications.view_application(deps, RECRUITER, erased_id)
    with pytest.raises(Gone) as gone:
        await applications.view_application(deps, OFFICER, erased_id)
    assert gone.value.facts["application_id"] == str(erased_id)
    assert "shared@example.com" not in repr(gone.value.facts)
    with pytest.raises(Conflict):
        await retention.set_legal_hold(deps, OFFICER, erased_id, reason="late", hold=True)


async def test_retag_and_sweep_with_fakes(deps: Deps) -> None:
    position = await positions.create_position(deps, SYSTEM, title="T", jurisdiction="IN")
    app_id = await apply(deps, position.id, "t@example.com")
    assert (await retention.retag(deps)).retagged == 0  # no retention date yet
    await retention.conclude_position(deps, SYSTEM, position.id, outcome="closed", production=False)
    assert (await retention.retag(deps)).retagged == 1
    record = (await deps.uow.repo.list_records(app_id))[0]
    assert deps.vault.blobs.get_tags(record.object_key, record.version_id)["expires-on"] == "2030-11-22"
    deps.vault.blobs.put("applications/x/cv/y", b"orphan", {})
    deps.clock.advance(hours=2)
    report = await sweep.sweep_orphans(deps)
    assert (report.orphans_deleted, report.missing_objects) == (1, 0)
