"""Retention clock and expiry against the real stack (SQLite and PostgreSQL, the emulator)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from dateutil.relativedelta import relativedelta

from ats.bootstrap import Container
from ats.domain.actors import SYSTEM, staff
from ats.domain.errors import Conflict, Gone, NotFound, ValidationError
from ats.domain.model import RecordType, Role
from ats.domain.records import application_prefix
from ats.services import applications, expiry, positions, retention, sweep
from ats.services.applications import Upload
from tests.helpers import bucket_versions, pdf, sql_rows

OFFICER = staff(uuid.uuid4(), Role.PRIVACY_OFFICER)
RECRUITER = staff(uuid.uuid4(), Role.RECRUITER)
NAME, EMAIL = "Grace Hopper-Expiry", "grace@example.com"


async def apply(c: Container, position_id: uuid.UUID, email: str = EMAIL, cover: bool = True) -> uuid.UUID:
    submitted = await applications.submit_application(
        c.deps,
        position_id=position_id,
        fields={
            "full_name": NAME,
            "email": email,
            "country": "GB",
            "privacy_notice_acknowledged": "true",
            "talent_pool_consent": "true",
        },
        cv=Upload("cv.pdf", pdf("expiry test cv")),
        cover_letter=Upload("letter.txt", b"Dear team") if cover else None,
    )
    return submitted.id


async def concluded_position(c: Container, at: datetime) -> tuple[uuid.UUID, uuid.UUID]:
    position = await positions.create_position(c.deps, SYSTEM, title="Analyst", jurisdiction="GB")
    app_id = await apply(c, position.id)
    await retention.conclude_position(c.deps, SYSTEM, position.id, outcome="filled", at=at, production=False)
    return position.id, app_id


def db(c: Container) -> str:
    return c.settings.ats_database_url


async def test_conclusion_sets_retention_and_closes_open_applications(container: Container) -> None:
    at = datetime(2024, 2, 29, 12, 0, tzinfo=UTC)
    position_id, app_id = await concluded_position(container, at)
    app = await container.deps.uow.repo.get_application(app_id)
    assert app.retention_until == datetime(2028, 2, 29, 12, 0, tzinfo=UTC)  # leap year to leap year
    assert app.status.value == "rejected"
    events = [e.action for e in await container.deps.uow.repo.list_audit()]
    assert "position.concluded" in events and "application.transitioned" in events
    with pytest.raises(Conflict):
        await retention.conclude_position(container.deps, SYSTEM, position_id, outcome="closed", production=False)


async def test_conclusion_in_the_past_is_refused_in_production(container: Container) -> None:
    position = await positions.create_position(container.deps, SYSTEM, title="X", jurisdiction="US")
    with pytest.raises(ValidationError):
        await retention.conclude_position(
            container.deps, SYSTEM, position.id, outcome="filled",
            at=datetime.now(UTC) - timedelta(days=30), production=True,
        )
    assert (await container.deps.uow.repo.get_position(position.id)).is_open


async def test_retag_sets_expires_on_in_s3_and_in_the_row(container: Container) -> None:
    at = datetime(2025, 6, 1, tzinfo=UTC)
    _, app_id = await concluded_position(container, at)
    records = await container.deps.uow.repo.list_records(app_id)
    assert {r.expires_on for r in records} == {"pending"}
    report = await retention.retag(container.deps)
    assert report.retagged == len(records) == 3 and report.failed == 0
    again = await retention.retag(container.deps)
    assert again.retagged == 0  # idempotent
    blobs = container.deps.vault.blobs
    for record in await container.deps.uow.repo.list_records(app_id):
        # The talent-pool consent has its own rule, two years from the consent (DESIGN §12).
        expected = (
            (record.created_at.astimezone(UTC) + relativedelta(years=2)).date().isoformat()
            if record.record_type is RecordType.TALENT_POOL_CONSENT
            else "2029-06-01"
        )
        assert record.expires_on == expected
        assert blobs.get_tags(record.object_key, record.version_id)["expires-on"] == expected


async def test_expiry_never_early_and_on_time(container: Container) -> None:
    at = datetime(2022, 3, 1, 9, 30, tzinfo=UTC)
    _, app_id = await concluded_position(container, at)
    due = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    early = await expiry.erase_due(container.deps, as_of=due - timedelta(seconds=1))
    assert early.erased == 0
    assert await container.deps.uow.repo.get_application(app_id) is not None
    report = await expiry.erase_due(container.deps, as_of=due)
    assert (report.erased, report.held, report.failed) == (1, 0, 0)


async def test_open_positions_applications_never_expire(container: Container) -> None:
    position = await positions.create_position(container.deps, SYSTEM, title="Open", jurisdiction="IN")
    app_id = await apply(container, position.id)
    report = await expiry.erase_due(container.deps, as_of=datetime(2999, 1, 1, tzinfo=UTC))
    assert report.erased == 0
    assert await container.deps.uow.repo.get_application(app_id) is not None


async def test_erasure_leaves_nothing_but_the_tombstone(container: Container) -> None:
    at = datetime(2020, 1, 15, tzinfo=UTC)
    _, app_id = await concluded_position(container, at)
    s3, bucket = container.s3, container.settings.ats_s3_bucket
    assert bucket_versions(s3, bucket)
    report = await expiry.erase_due(container.deps, as_of=datetime(2024, 1, 15, tzinfo=UTC))
    assert report.erased == 1
    listing = s3.list_object_versions(Bucket=bucket, Prefix=application_prefix(app_id))
    assert not listing.get("Versions") and not listing.get("DeleteMarkers")
    url = db(container)
    assert sql_rows(url, "SELECT COUNT(*) FROM data_keys")[0][0] == 0
    assert sql_rows(url, "SELECT COUNT(*) FROM records")[0][0] == 0
    assert sql_rows(url, "SELECT COUNT(*) FROM persons")[0][0] == 0
    # No row anywhere holds the name or the email (tombstones and audit trail included).
    for table in ("tombstones", "audit_events", "applications", "persons", "records"):
        for row in sql_rows(url, f"SELECT * FROM {table}"):
            text = " ".join(map(str, row))
            assert NAME not in text and EMAIL not in text
    with pytest.raises(Gone) as gone:  # privacy officers read archived positions (DESIGN §8)
        await applications.view_application(container.deps, OFFICER, app_id)
    assert gone.value.facts["reason"] == "retention-expired"
    assert gone.value.facts["versions_deleted"] == 3


async def test_legal_hold_suspends_expiry_until_lifted(container: Container) -> None:
    _, app_id = await concluded_position(container, datetime(2020, 5, 5, tzinfo=UTC))
    with pytest.raises(NotFound):  # holds are a privacy officer's: 404 to anyone else (DESIGN §8)
        await retention.set_legal_hold(container.deps, RECRUITER, app_id, reason="claim", hold=True)
    with pytest.raises(ValidationError):
        await retention.set_legal_hold(container.deps, OFFICER, app_id, reason="  ", hold=True)
    await retention.set_legal_hold(container.deps, OFFICER, app_id, reason="Employment tribunal 123", hold=True)
    later = datetime(2030, 1, 1, tzinfo=UTC)
    report = await expiry.erase_due(container.deps, as_of=later)
    assert (report.erased, report.held) == (0, 1)
    assert await container.deps.uow.repo.get_application(app_id) is not None
    await retention.set_legal_hold(container.deps, OFFICER, app_id, reason="case closed", hold=False)
    report = await expiry.erase_due(container.deps, as_of=later)
    assert (report.erased, report.held) == (1, 0)
    actions = [e.action for e in await container.deps.uow.repo.list_audit()]
    assert actions.count("legal_hold.set") == 1 and actions.count("legal_hold.lifted") == 1


async def test_person_with_another_live_application_keeps_contact_row(container: Container) -> None:
    _, first = await concluded_position(container, datetime(2019, 9, 9, tzinfo=UTC))
    other = await positions.create_position(container.deps, SYSTEM, title="Other", jurisdiction="GB")
    second = await apply(container, other.id)
    report = await expiry.erase_due(container.deps, as_of=datetime(2024, 1, 1, tzinfo=UTC))
    assert report.erased == 1
    repo = container.deps.uow.repo
    assert await repo.get_application(first) is None
    kept = await repo.get_application(second)
    assert kept is not None and (await repo.get_person(kept.person_id)).email == EMAIL


async def test_dry_run_changes_nothing_and_future_as_of_refused_in_production(container: Container) -> None:
    _, app_id = await concluded_position(container, datetime(2020, 1, 1, tzinfo=UTC))
    report = await expiry.erase_due(container.deps, as_of=datetime(2025, 1, 1, tzinfo=UTC), dry_run=True)
    assert (report.due, report.erased) == (1, 0)
    assert await container.deps.uow.repo.get_application(app_id) is not None
    with pytest.raises(ValidationError):
        await expiry.erase_due(container.deps, as_of=datetime.now(UTC) + timedelta(days=1), production=True)


async def test_orphan_sweep_deletes_old_orphans_and_reports_missing(container: Container) -> None:
    position = await positions.create_position(container.deps, SYSTEM, title="S", jurisdiction="CA")
    app_id = await apply(container, position.id, cover=False)
    blobs = container.deps.vault.blobs
    orphan = f"{application_prefix(uuid.uuid4())}cv/{uuid.uuid4()}"
    blobs.put(orphan, b"ATS1 ciphertext with no row", {"application": "x"})
    young = await sweep.sweep_orphans(container.deps)
    assert (young.orphans_deleted, young.orphans_young) == (0, 1)
    report = await sweep.sweep_orphans(container.deps, grace=timedelta(0))
    assert report.orphans_deleted == 1 and report.missing_objects == 0
    assert not blobs.list_versions(orphan)
    record = (await container.deps.uow.repo.list_records(app_id))[0]
    blobs.delete_versions([(record.object_key, record.version_id)])
    assert (await sweep.sweep_orphans(container.deps)).missing_objects == 1
