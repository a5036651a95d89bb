"""The rights other than access (ats.services.rights, DESIGN §11) against the real stack:
SQLite and PostgreSQL, the S3/KMS emulator. Each right, its refusal, and its idempotence."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest

from ats.bootstrap import Container
from ats.domain.actors import SYSTEM, staff
from ats.domain.background import ConsentRequest, ConsentStatus
from ats.domain.errors import Conflict, Forbidden, ValidationError
from ats.domain.model import RecordType, Role
from ats.domain.records import application_prefix
from ats.domain.rights import Subject
from ats.ports import Assignment
from ats.services import applications, expiry, positions, restrictions, retention, rights, workflow
from ats.services.applications import Upload
from tests.helpers import pdf, sql_rows

OFFICER = staff(uuid.uuid4(), Role.PRIVACY_OFFICER)
RECRUITER = staff(uuid.uuid4(), Role.RECRUITER)
EMAIL = "ada@example.com"
PAST = datetime(2020, 1, 15, tzinfo=UTC)
DUE = datetime(2024, 1, 15, tzinfo=UTC)


async def apply(c: Container, position_id: uuid.UUID, *, talent_pool: bool = True) -> uuid.UUID:
    submitted = await applications.submit_application(
        c.deps,
        position_id=position_id,
        fields={
            "full_name": "Ada Rights",
            "email": EMAIL,
            "country": "GB",
            "privacy_notice_acknowledged": "true",
            "talent_pool_consent": "true" if talent_pool else "false",
        },
        cv=Upload("cv.pdf", pdf("first cv")),
    )
    return submitted.id


async def position(c: Container, title: str = "Analyst") -> uuid.UUID:
    return (await positions.create_position(c.deps, SYSTEM, title=title, jurisdiction="GB")).id


def subject(*ids: uuid.UUID) -> Subject:
    return Subject(request_id=uuid.uuid4(), email=EMAIL, application_ids=tuple(ids))


def versions(c: Container, key: str) -> list:
    listing = c.s3.list_object_versions(Bucket=c.settings.ats_s3_bucket, Prefix=key)
    return listing.get("Versions", []) + listing.get("DeleteMarkers", [])


async def audit_count(c: Container) -> int:
    return len(await c.deps.uow.repo.list_audit())


async def test_rectify_contact_details_and_cv_old_versions_gone(container: Container) -> None:
    c, now = container, container.deps.clock.now()
    app_a, app_b = await apply(c, await position(c, "A")), await apply(c, await position(c, "B"))
    repo = c.deps.uow.repo
    old_cvs = [r for a in (app_a, app_b) for r in await repo.list_records(a) if r.record_type is RecordType.CV]
    assert all(versions(c, r.object_key) for r in old_cvs)
    new_cv = Upload("new.pdf", pdf("corrected cv"))
    changes = {"email": "Ada.New@Example.com", "phone": "+44 20 7946 0000", "cv": new_cv}

    before = await audit_count(c)
    with pytest.raises(ValidationError) as bad:  # checked like the form: nothing written
        await rights.rectify(c.deps, subject(app_a, app_b), actor=OFFICER, now=now, changes={"email": "not-an-email"})
    assert bad.value.field == "email"
    with pytest.raises(ValidationError) as bad_cv:  # the intake's upload checks
        await rights.rectify(c.deps, subject(app_a), actor=OFFICER, now=now, changes={"cv": Upload("x.exe", b"MZ\x90")})
    assert bad_cv.value.field == "cv"
    with pytest.raises(Forbidden):
        await rights.rectify(c.deps, subject(app_a), actor=RECRUITER, now=now, changes={"phone": "+1 555 0100"})
    assert await audit_count(c) == before

    outcome = await rights.rectify(c.deps, subject(app_a, app_b), actor=OFFICER, now=now, changes=changes)
    assert outcome.fulfilled, outcome.reason
    for app_id in (app_a, app_b):
        app = await repo.get_application(app_id)
        person = await repo.get_person(app.person_id)
        assert (person.email, person.phone, person.full_name) == ("ada.new@example.com", "+44 20 7946 0000", "Ada Rights")
        cvs = [r for r in await repo.list_records(app_id) if r.record_type is RecordType.CV]
        assert len(cvs) == 1 and cvs[0].id not in {r.id for r in old_cvs}
        _, content = await applications.read_document(c.deps, OFFICER, cvs[0].id)
        assert content == new_cv.data
        tags = c.deps.vault.blobs.get_tags(cvs[0].object_key, cvs[0].version_id)
        assert tags["record-type"] == "cv" and tags["application"] == str(app_id) and len(tags) <= 10
    for old in old_cvs:  # every version of the old CV object is gone
        assert versions(c, old.object_key) == []
    after = await audit_count(c)
    actions = [e.action for e in (await repo.list_audit())[before:]]
    assert actions.count("person.rectified") == 2 and actions.count("record.replaced") == 2

    again = await rights.rectify(c.deps, subject(app_a, app_b), actor=OFFICER, now=now, changes=changes)
    assert again.fulfilled and await audit_count(c) == after  # idempotent: nothing more changed


async def test_erasure_refused_under_a_hold_with_the_reason_the_rest_erased(container: Container) -> None:
    c, now = container, container.deps.clock.now()
    held, free = await apply(c, await position(c, "A")), await apply(c, await position(c, "B"))
    await retention.set_legal_hold(c.deps, OFFICER, held, reason="Tribunal claim 2207/26", hold=True)
    outcome = await rights.erase(c.deps, subject(held, free), actor=OFFICER, now=now)
    assert not outcome.fulfilled
    assert "Art. 17(3)(e)" in outcome.reason and "Tribunal claim 2207/26" in outcome.reason
    assert "Tribunal" not in outcome.message  # the case stays with the privacy officer
    repo = c.deps.uow.repo
    assert await repo.get_application(held) is not None
    assert await repo.get_application(free) is None
    assert (await repo.get_tombstone(free)).reason == "erasure-request"
    assert not versions(c, application_prefix(free)) and versions(c, application_prefix(held))
    after = await audit_count(c)
    again = await rights.erase(c.deps, subject(held, free), actor=OFFICER, now=now)
    assert not again.fulfilled and await audit_count(c) == after

    await retention.set_legal_hold(c.deps, OFFICER, held, reason="settled", hold=False)
    done = await rights.erase(c.deps, subject(held, free), actor=OFFICER, now=now)
    assert done.fulfilled and await repo.get_application(held) is None
    url = c.settings.ats_database_url
    assert sql_rows(url, "SELECT COUNT(*) FROM persons")[0][0] == 0
    assert sql_rows(url, "SELECT COUNT(*) FROM data_keys")[0][0] == 0
    assert (await rights.erase(c.deps, subject(held, free), actor=OFFICER, now=now)).fulfilled  # idempotent


async def test_restriction_stops_moves_downloads_and_expiry_until_lifted(container: Container) -> None:
    c, now = container, container.deps.clock.now()
    open_id = await position(c, "Open")
    await c.deps.uow.repo.add_assignment(Assignment(open_id, RECRUITER.user_id, now))
    live = await apply(c, open_id)
    concluded = await position(c, "Concluded")
    due = await apply(c, concluded)
    await retention.conclude_position(c.deps, SYSTEM, concluded, outcome="filled", at=PAST, production=False)
    who = subject(live, due)

    assert (await rights.restrict(c.deps, who, actor=OFFICER, now=now)).fulfilled
    after = await audit_count(c)
    assert (await rights.restrict(c.deps, who, actor=OFFICER, now=now)).fulfilled
    assert await audit_count(c) == after  # idempotent
    assert (await c.deps.uow.repo.get_application(live)).restricted

    with pytest.raises(Conflict) as moved:
        await workflow.transition(c.deps, RECRUITER, live, to="screening")
    assert moved.value.code == "restricted" and "Art. 18" in moved.value.message
    cv = next(r for r in await c.deps.uow.repo.list_records(live) if r.record_type is RecordType.CV)
    with pytest.raises(Conflict):
        await applications.read_document(c.deps, RECRUITER, cv.id)
    _, content = await applications.read_document(c.deps, OFFICER, cv.id)  # privacy officers may
    assert content.startswith(b"%PDF")

    report = await expiry.erase_due(c.deps, as_of=DUE)
    assert (report.erased, report.restricted) == (0, 1)
    assert report.as_dict()["restricted"] == 1
    assert await c.deps.uow.repo.get_application(due) is not None

    for app_id in (live, due):  # the person told first, then lifted (GDPR Art. 18(3))
        await restrictions.lift(c.deps, OFFICER, app_id, reason="The accuracy check is done")
    moved_now = await workflow.transition(c.deps, RECRUITER, live, to="screening")
    assert moved_now.status.value == "screening"
    report = await expiry.erase_due(c.deps, as_of=DUE)
    assert (report.erased, report.restricted) == (1, 0)
    assert await c.deps.uow.repo.get_application(due) is None


async def test_objection_with_and_without_a_compelling_ground(container: Container) -> None:
    c, now = container, container.deps.clock.now()
    app_id = await apply(c, await position(c))
    before = await audit_count(c)
    refused = await rights.object_to_processing(
        c.deps, subject(app_id), actor=OFFICER, now=now, compelling_ground="  Pending  fraud investigation "
    )
    assert not refused.fulfilled and refused.reason.endswith("Pending fraud investigation")
    assert "Pending fraud investigation" in refused.message
    assert await c.deps.uow.repo.get_application(app_id) is not None and await audit_count(c) == before
    with pytest.raises(ValidationError):
        await rights.object_to_processing(c.deps, subject(app_id), actor=OFFICER, now=now, compelling_ground="x" * 501)

    upheld = await rights.object_to_processing(c.deps, subject(app_id), actor=OFFICER, now=now)
    assert upheld.fulfilled
    assert await c.deps.uow.repo.get_application(app_id) is None
    assert (await c.deps.uow.repo.get_tombstone(app_id)).reason == "objection"
    trail = [(e.action, e.details.get("to")) for e in await c.deps.uow.repo.list_audit()]
    assert ("application.transitioned", "withdrawn") in trail and ("application.erased", None) in trail
    after = await audit_count(c)
    assert (await rights.object_to_processing(c.deps, subject(app_id), actor=OFFICER, now=now)).fulfilled
    assert await audit_count(c) == after


async def test_withdraw_talent_pool_and_background_check_consent(container: Container) -> None:
    c, now = container, container.deps.clock.now()
    app_id = await apply(c, await position(c))
    repo = c.deps.uow.repo
    consent_record = next(r for r in await repo.list_records(app_id) if r.record_type is RecordType.TALENT_POOL_CONSENT)
    with pytest.raises(ValidationError):
        await rights.withdraw_consent(c.deps, subject(app_id), actor=OFFICER, now=now, which="marketing")

    outcome = await rights.withdraw_consent(c.deps, subject(app_id), actor=OFFICER, now=now, which="talent_pool")
    assert outcome.fulfilled
    app = await repo.get_application(app_id)
    assert app.talent_pool_consent is False
    assert consent_record.id not in {r.id for r in await repo.list_records(app_id)}
    assert versions(c, consent_record.object_key) == []
    after = await audit_count(c)
    assert (await rights.withdraw_consent(c.deps, subject(app_id), actor=OFFICER, now=now, which="talent_pool")).fulfilled
    assert await audit_count(c) == after

    consent = ConsentRequest(
        id=uuid.uuid4(), application_id=app_id, check_types=["criminal"], jurisdiction="GB",
        disclosure_version="1", disclosure_sha256="0" * 64, status=ConsentStatus.GIVEN, requested_at=now,
    )
    async with c.deps.uow.transaction() as tx:
        await tx.add_consent(consent)
    done = await rights.withdraw_consent(c.deps, subject(app_id), actor=OFFICER, now=now, which="background_check")
    assert done.fulfilled and "1 consent" in done.reason
    assert (await repo.get_consent(consent.id)).status is ConsentStatus.WITHDRAWN
    after = await audit_count(c)
    again = await rights.withdraw_consent(c.deps, subject(app_id), actor=OFFICER, now=now, which="background_check")
    assert again.fulfilled and await audit_count(c) == after


async def test_cli_expire_skips_and_reports_a_restriction_until_lifted(container: Container) -> None:
    from tests.integration.test_cli import ats

    c, now = container, container.deps.clock.now()
    concluded = await position(c, "Concluded")
    app_id = await apply(c, concluded)
    await retention.conclude_position(c.deps, SYSTEM, concluded, outcome="filled", at=PAST, production=False)
    assert (await rights.restrict(c.deps, subject(app_id), actor=OFFICER, now=now)).fulfilled
    args = ("jobs", "expire", "--as-of", "2024-01-16T00:00:00Z", "--json")
    skipped = ats(c, *args)
    assert skipped.returncode == 0, skipped.stderr
    report = json.loads(skipped.stdout.strip().splitlines()[-1])
    assert (report["erased"], report["held"], report["restricted"], report["failed"]) == (0, 0, 1, 0)
    run = (await c.deps.uow.repo.list_job_runs())[0]
    counts = json.loads(run.counts) if isinstance(run.counts, str) else run.counts  # JSON text on SQLite
    assert run.job == "expire" and counts["restricted"] == 1  # the job's own report
    assert await c.deps.uow.repo.get_application(app_id) is not None

    await restrictions.lift(c.deps, OFFICER, app_id, reason="The accuracy check is done")
    erased = json.loads(ats(c, *args).stdout.strip().splitlines()[-1])
    assert (erased["erased"], erased["restricted"]) == (1, 0)
    assert (await c.deps.uow.repo.get_tombstone(app_id)).reason == "retention-expired"
