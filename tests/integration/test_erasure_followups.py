"""Erasure follow-ups of issue 10 (SQLite and PostgreSQL, the emulator): an application's
export links go with it, and an erasure on request whose object deletes failed is finished by
the expiry job under its own reason, the person told what is already unreadable."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from ats.bootstrap import Container
from ats.domain.exports import ExportLink
from ats.domain.model import RecordType
from ats.services import expiry, rights
from tests.helpers import sql_rows
from tests.integration.test_rights import OFFICER, apply, position, subject


async def test_erasing_an_application_deletes_its_export_links(container: Container) -> None:
    c, now = container, container.deps.clock.now()
    app, kept = await apply(c, await position(c, "A")), await apply(c, await position(c, "B"))
    repo = c.deps.uow.repo
    links = []
    for app_id in (app, kept):
        cv = next(r for r in await repo.list_records(app_id) if r.record_type is RecordType.CV)
        links.append(ExportLink(uuid.uuid4(), cv.id, app_id, now))
    async with c.deps.uow.transaction() as tx:
        for link in links:
            await tx.add_export_link(link)
    assert (await rights.erase(c.deps, subject(app), actor=OFFICER, now=now)).fulfilled
    assert await repo.get_export_link(links[0].id) is None
    assert await repo.get_export_link(links[1].id) is not None  # another application's stays
    url = c.settings.ats_database_url
    assert sql_rows(url, "SELECT COUNT(*) FROM export_links")[0][0] == 1


async def test_an_unfinished_erasure_on_request_keeps_its_reason(container: Container, monkeypatch: pytest.MonkeyPatch) -> None:
    c, now = container, container.deps.clock.now()
    app = await apply(c, await position(c))
    # The web role may not delete object versions in production (infra/aws/storage.yaml): every
    # delete is refused, as DeleteObjects reports per-key failures.
    monkeypatch.setattr(c.deps.vault, "delete_versions", lambda items: list(items))
    outcome = await rights.erase(c.deps, subject(app), actor=OFFICER, now=now)
    assert outcome.fulfilled and "expiry job" in outcome.reason
    assert "unreadable" in outcome.message and "next" in outcome.message
    assert await c.deps.uow.repo.get_tombstone(app) is None
    monkeypatch.undo()

    url = c.settings.ats_database_url
    sql_rows(url, "UPDATE applications SET erasure_claim_expires = submitted_at WHERE erasure_claim IS NOT NULL")
    report = await expiry.erase_due(c.deps, as_of=now + timedelta(seconds=1))
    assert report.erased == 1 and report.failed == 0
    stone = await c.deps.uow.repo.get_tombstone(app)
    assert stone is not None and stone.reason == "erasure-request"
    erased = [e for e in await c.deps.uow.repo.list_audit() if e.action == "application.erased"]
    assert [e.details["reason"] for e in erased] == ["erasure-request"]
