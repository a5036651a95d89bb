"""The rights services on the in-memory fakes (the fake half of ats.ports_rights' contract;
tests/integration/test_rights.py runs the same rights on SQLite, PostgreSQL and the emulator)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from ats.domain.actors import SYSTEM, staff
from ats.domain.errors import Conflict, Forbidden, ValidationError
from ats.domain.model import RecordType, Role
from ats.domain.rights import Subject
from ats.services import applications, expiry, positions, retention, rights, workflow
from ats.services.applications import Upload
from ats.services.deps import Deps
from storage.memory import FixedClock, MemoryBlobStore, MemoryKeyProvider, MemoryUnitOfWork
from storage.vault import RecordVault

OFFICER = staff(uuid.uuid4(), Role.PRIVACY_OFFICER)
NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)


@pytest.fixture
def deps() -> Deps:
    clock = FixedClock(NOW)
    return Deps(uow=MemoryUnitOfWork(), vault=RecordVault(MemoryKeyProvider(), MemoryBlobStore(clock=clock)), clock=clock)


async def apply(deps: Deps, position_id: uuid.UUID) -> uuid.UUID:
    fields = {
        "full_name": "Ana Test",
        "email": "ana@example.com",
        "country": "ES",
        "privacy_notice_acknowledged": "true",
        "talent_pool_consent": "true",
    }
    return (await applications.submit_application(deps, position_id=position_id, fields=fields, cv=Upload("cv.txt", b"Ana's CV"))).id


def who(*ids: uuid.UUID) -> Subject:
    return Subject(request_id=uuid.uuid4(), email="ana@example.com", application_ids=ids)


async def test_inputs_are_checked_before_anything_changes(deps: Deps) -> None:
    position = await positions.create_position(deps, SYSTEM, title="P", jurisdiction="GB")
    app_id = await apply(deps, position.id)
    before = len(await deps.uow.repo.list_audit())
    with pytest.raises(ValidationError) as missing:
        await rights.rectify(deps, who(app_id), actor=OFFICER, now=NOW)
    assert missing.value.field == "changes"
    with pytest.raises(ValidationError) as unknown:
        await rights.rectify(deps, who(app_id), actor=OFFICER, now=NOW, changes={"salary": "1"})
    assert unknown.value.field == "salary"
    with pytest.raises(ValidationError):
        await rights.withdraw_consent(deps, who(app_id), actor=OFFICER, now=NOW)
    with pytest.raises(Forbidden):
        await rights.erase(deps, who(app_id), actor=staff(uuid.uuid4(), Role.RECRUITER), now=NOW)
    assert len(await deps.uow.repo.list_audit()) == before
    assert await deps.uow.repo.get_application(app_id) is not None


async def test_restriction_erasure_and_talent_pool_on_the_fakes(deps: Deps) -> None:
    position = await positions.create_position(deps, SYSTEM, title="P", jurisdiction="GB")
    app_id = await apply(deps, position.id)
    await retention.conclude_position(deps, SYSTEM, position.id, outcome="filled", at=datetime(2020, 1, 1, tzinfo=UTC), production=False)
    assert (await rights.restrict(deps, who(app_id), actor=OFFICER, now=NOW)).fulfilled
    with pytest.raises(Conflict):
        await workflow.move(deps, OFFICER, app_id, workflow.ApplicationStatus.WITHDRAWN, None)
    report = await expiry.erase_due(deps, as_of=NOW)
    assert (report.erased, report.restricted) == (0, 1)

    assert (await rights.withdraw_consent(deps, who(app_id), actor=OFFICER, now=NOW, which="talent_pool")).fulfilled
    records = await deps.uow.repo.list_records(app_id)
    assert RecordType.TALENT_POOL_CONSENT not in {r.record_type for r in records}
    assert not (await deps.uow.repo.get_application(app_id)).talent_pool_consent

    await retention.set_legal_hold(deps, OFFICER, app_id, reason="claim", hold=True)
    refused = await rights.erase(deps, who(app_id), actor=OFFICER, now=NOW)
    assert not refused.fulfilled and "claim" in refused.reason
    await retention.set_legal_hold(deps, OFFICER, app_id, reason="over", hold=False)
    assert (await rights.erase(deps, who(app_id), actor=OFFICER, now=NOW)).fulfilled  # restricted or not
    assert await deps.uow.repo.get_application(app_id) is None
    assert (await deps.uow.repo.get_tombstone(app_id)).reason == "erasure-request"
