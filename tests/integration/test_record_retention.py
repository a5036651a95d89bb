"""Retention per record (DESIGN §12) against the real stack: SQLite and PostgreSQL, the emulator.

A talent-pool consent (two years, CNIL) and a GB check result (six months, DBS) expire before
their application's four years: each is erased alone, the rest stays, and the tombstone comes
only with the application."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from dateutil.relativedelta import relativedelta

from ats.bootstrap import Container
from ats.domain.actors import SYSTEM, staff
from ats.domain.errors import NotFound
from ats.domain.model import RecordType, Role
from ats.services import expiry, positions, records, retention
from tests.helpers import bucket_versions, sql_rows
from tests.integration.test_expiry import apply

OFFICER = staff(uuid.uuid4(), Role.PRIVACY_OFFICER)
RECRUITER = staff(uuid.uuid4(), Role.RECRUITER)


async def _noop(tx, record) -> None:  # type: ignore[no-untyped-def]
    return None


async def concluded(c: Container, concluded_at: datetime) -> uuid.UUID:
    position = await positions.create_position(c.deps, SYSTEM, title="Analyst", jurisdiction="GB")
    app_id = await apply(c, position.id)  # a CV, a cover letter and a talent-pool consent
    await retention.conclude_position(c.deps, SYSTEM, position.id, outcome="filled", at=concluded_at, production=False)
    return app_id


def tags(c: Container, record) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return c.deps.vault.blobs.get_tags(record.object_key, record.version_id)  # type: ignore[attr-defined]


async def by_type(c: Container, app_id: uuid.UUID) -> dict[RecordType, object]:
    return {r.record_type: r for r in await c.deps.uow.repo.list_records(app_id)}


async def test_records_follow_their_own_rules_and_are_erased_alone(container: Container) -> None:
    c = container
    now = datetime.now(UTC)
    app_id = await concluded(c, now)
    app = await c.deps.uow.repo.get_application(app_id)
    # A GB check result stored after hiring concluded: the store sets its own rule at once.
    report = await records.store_record(
        c.deps, app, RecordType.BACKGROUND_CHECK_REPORT, b"%PDF-1.4 result", content_type="application/pdf",
        filename="result.pdf", then=_noop,
    )
    assert report.retention_rule == "later-of-created-and-hiring-concluded+P6M"
    assert report.expires_at == report.created_at + relativedelta(months=6)
    assert tags(c, report)["expires-on"] == report.expires_at.date().isoformat()
    assert tags(c, report)["location"] == "eu-west-2" == report.location

    # Intake wrote the application's rule on the consent; the table says two years: the retag
    # job moves it (tags first, then the row) and sets the `expires-on` dates of the others.
    result = await retention.retag(c.deps)
    assert result.failed == 0 and result.retagged == 3
    found = await by_type(c, app_id)
    consent, cv = found[RecordType.TALENT_POOL_CONSENT], found[RecordType.CV]
    assert consent.retention_rule == "created+P2Y"
    assert consent.expires_at == consent.created_at + relativedelta(years=2)
    assert tags(c, consent) == {**tags(c, consent), "retention": "created+P2Y",
                                "expires-on": consent.expires_at.date().isoformat(), "location": "eu-west-2"}
    assert tags(c, cv)["retention"] == "hiring-concluded+P4Y"
    assert tags(c, cv)["expires-on"] == app.retention_until.date().isoformat() if app.retention_until else True
    assert len(tags(c, cv)) == 9
    assert (await retention.retag(c.deps)).retagged == 0  # idempotent

    # Never early: a second before the check result's six months, nothing goes.
    early = await expiry.erase_due(c.deps, as_of=report.expires_at - timedelta(seconds=1))
    assert early.records_erased == 0 and early.erased == 0
    # Six months on: the check result alone, its versions gone, its row gone, audited.
    before = bucket_versions(c.s3, c.settings.ats_s3_bucket)
    done = await expiry.erase_due(c.deps, as_of=report.expires_at)
    assert (done.records_erased, done.erased, done.failed) == (1, 0, 0)
    after = bucket_versions(c.s3, c.settings.ats_s3_bucket)
    assert [v for v in before if v not in after] == [(report.object_key, report.version_id)]
    assert set(await by_type(c, app_id)) == {RecordType.CV, RecordType.COVER_LETTER, RecordType.TALENT_POOL_CONSENT}
    assert await c.deps.uow.repo.get_tombstone(app_id) is None
    events = [e for e in await c.deps.uow.repo.list_audit() if e.action == "record.erased"]
    assert [(e.record_id, e.application_id) for e in events] == [(report.id, app_id)]

    # Two years on, the consent lapses: erased alone, the application leaves the talent pool.
    done = await expiry.erase_due(c.deps, as_of=consent.expires_at)
    assert (done.records_erased, done.erased) == (1, 0)
    assert set(await by_type(c, app_id)) == {RecordType.CV, RecordType.COVER_LETTER}
    assert not (await c.deps.uow.repo.get_application(app_id)).talent_pool_consent
    assert await c.deps.uow.repo.get_tombstone(app_id) is None

    # Four years on, the application with its last records: only now the tombstone.
    app = await c.deps.uow.repo.get_application(app_id)
    done = await expiry.erase_due(c.deps, as_of=app.retention_until)
    assert (done.records_erased, done.erased) == (0, 1)
    stone = await c.deps.uow.repo.get_tombstone(app_id)
    assert stone is not None and stone.records_erased == 2
    assert sql_rows(c.settings.ats_database_url, "SELECT count(*) FROM records")[0][0] == 0


@pytest.mark.parametrize("block", ["hold", "restriction"])
async def test_a_hold_or_restriction_keeps_every_record(container: Container, block: str) -> None:
    c = container
    app_id = await concluded(c, datetime.now(UTC))
    await retention.retag(c.deps)
    consent = (await by_type(c, app_id))[RecordType.TALENT_POOL_CONSENT]
    if block == "hold":
        await retention.set_legal_hold(c.deps, OFFICER, app_id, reason="Claim 2026/17", hold=True)
    else:
        await c.deps.uow.repo.set_restricted(app_id, datetime.now(UTC))  # type: ignore[attr-defined]
    dry = await expiry.erase_due(c.deps, as_of=consent.expires_at, dry_run=True)
    assert dry.records_due == 0
    done = await expiry.erase_due(c.deps, as_of=consent.expires_at)
    assert done.records_erased == 0
    assert RecordType.TALENT_POOL_CONSENT in await by_type(c, app_id)


async def test_upcoming_counts_per_month_for_the_privacy_officer_only(container: Container) -> None:
    c = container
    now = datetime.now(UTC)
    app_id = await concluded(c, now - relativedelta(years=3, months=11))  # due within the year
    await retention.retag(c.deps)
    months = await retention.upcoming(c.deps, OFFICER, months=24)
    assert len(months) == 24 and months[0].month == now.strftime("%Y-%m")
    app = await c.deps.uow.repo.get_application(app_id)
    consent = (await by_type(c, app_id))[RecordType.TALENT_POOL_CONSENT]
    due_app = app.retention_until.strftime("%Y-%m")
    due_consent = consent.expires_at.strftime("%Y-%m")  # two years on: after the application's date
    assert [(m.month, m.applications) for m in months if m.applications] == [(due_app, 1)]
    assert sum(m.records for m in months) == 0, due_consent  # taken with its application
    with pytest.raises(NotFound):
        await retention.upcoming(c.deps, RECRUITER)
