"""Background-check mail through the outbox (DESIGN §10), with the change that causes it: the
consent link, the generated pre-adverse notice with the candidate's copy of the report, and the
adverse-action notice with the rejection. The audit trail carries no check result."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest

from ats.domain import uploads
from ats.domain.actors import staff
from ats.domain.background import CheckStatus
from ats.domain.errors import ValidationError
from ats.domain.model import ApplicationStatus, Role
from ats.services import applications, background, consents, positions, workflow
from ats.services.applications import Upload
from ats.services.deps import Deps
from storage.memory import FixedClock, MemoryBlobStore, MemoryKeyProvider, MemoryUnitOfWork
from storage.vault import RecordVault
from tests.helpers import pdf

RECRUITER = staff(uuid4(), Role.RECRUITER)
REPORT = pdf("Consumer report: one conviction")
EMAIL = "grace@example.org"


def make() -> tuple[Deps, FixedClock]:
    clock = FixedClock(datetime(2026, 1, 5, 10, 0, tzinfo=UTC))  # a Monday
    deps = Deps(uow=MemoryUnitOfWork(), vault=RecordVault(MemoryKeyProvider(), MemoryBlobStore()), clock=clock)
    deps.public_url = "https://jobs.example.com"
    return deps, clock


def sent(deps: Deps) -> list[Any]:
    return deps.mail.mailer.sent  # type: ignore[attr-defined]


async def accepted(deps: Deps, jurisdiction: str) -> Any:
    position = await positions.create_position(deps, RECRUITER, title="Analyst", jurisdiction=jurisdiction)
    submitted = await applications.submit_application(
        deps,
        position_id=position.id,
        fields={"full_name": "Grace Hopper", "email": EMAIL, "country": "US", "privacy_notice_acknowledged": "true"},
        cv=Upload("cv.pdf", pdf("CV")),
    )
    for state in ("screening", "interview", "reference_check"):
        await workflow.transition(deps, RECRUITER, submitted.id, to=state)
    moved = await workflow.transition(deps, RECRUITER, submitted.id, to="offer_extended")
    assert moved.offer_token
    await workflow.answer_offer(deps, moved.offer_token, accept=True)
    return submitted


async def considered(deps: Deps, jurisdiction: str) -> Any:
    submitted = await accepted(deps, jurisdiction)
    consent, token = await consents.request_consent(deps, RECRUITER, submitted.id, ["criminal"])
    await consents.answer_consent(deps, token, authorise=True, typed_name="Grace Hopper", confirmed=True)
    check = await background.start_check(deps, RECRUITER, submitted.id, consent_id=consent.id, check_type="criminal")
    check = await background.record_result(deps, RECRUITER, check.id, result="consider", document=("report.pdf", REPORT))
    return submitted, check


async def test_the_consent_link_is_mailed_with_the_request() -> None:
    deps, _ = make()
    submitted = await accepted(deps, "US")
    before = len(sent(deps))

    _, token = await consents.request_consent(deps, RECRUITER, submitted.id, ["criminal", "credit"])

    [message] = sent(deps)[before:]
    assert message.to == EMAIL
    assert f"https://jobs.example.com/consent/{token}" in message.body
    assert "criminal, credit" in message.body


async def test_a_refused_request_mails_nothing() -> None:
    deps, _ = make()
    submitted = await accepted(deps, "US-NY-NYC")
    before = len(sent(deps))
    with pytest.raises(ValidationError):
        await consents.request_consent(deps, RECRUITER, submitted.id, ["credit"])
    assert len(sent(deps)) == before
    assert not deps.uow.repo.state.get("consents")  # type: ignore[attr-defined]


async def test_the_result_document_is_checked_off_the_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    deps, _ = make()
    loop_thread, seen = threading.get_ident(), []
    real = uploads.check_upload

    def spy(*args: object, **kwargs: object) -> uploads.CheckedUpload:
        seen.append(threading.get_ident())
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(background, "check_upload", spy)
    await considered(deps, "US")
    assert len(seen) == 1 and loop_thread not in seen


async def test_pre_adverse_notice_then_adverse_decision_mail_the_candidate_and_reject() -> None:
    deps, clock = make()
    submitted, check = await considered(deps, "US")
    before = len(sent(deps))

    noticed = await background.send_pre_adverse_notice(deps, RECRUITER, check.id)

    [notice] = sent(deps)[before:]
    assert notice.to == EMAIL
    assert "A Summary of Your Rights Under the Fair Credit Reporting Act" in notice.body
    assert "https://www.consumerfinance.gov/learnmore" in notice.body
    assert noticed.respond_by is not None and noticed.respond_by.isoformat() in notice.body
    link = next(line for line in notice.body.splitlines() if line.startswith("https://jobs.example.com/report/"))
    record, content = await background.report_for_candidate(deps, link.rpartition("/")[2])
    assert content == REPORT and record.id == check.record_id

    clock.advance(days=8)  # past respond_by (five business days)
    decided = await background.decide(deps, RECRUITER, check.id, decision="adverse")

    assert decided.status is CheckStatus.ADVERSE
    [adverse] = sent(deps)[before + 1 :]
    assert adverse.to == EMAIL and "60 days" in adverse.body and deps.notices.agency.name in adverse.body
    assert deps.uow.repo.state["applications"][submitted.id].status is ApplicationStatus.REJECTED  # type: ignore[attr-defined]
    # The audit trail is kept for ever: no result next to an application id.
    for event in deps.uow.repo.audit:  # type: ignore[attr-defined]
        text = f"{event.action} {event.details}"
        assert "consider" not in text and "adverse" not in text, text


async def test_a_proceed_decision_mails_nothing_and_keeps_the_application() -> None:
    deps, clock = make()
    submitted, check = await considered(deps, "GB")
    await background.send_pre_adverse_notice(deps, RECRUITER, check.id)
    before = len(sent(deps))
    clock.advance(days=8)
    await background.decide(deps, RECRUITER, check.id, decision="proceed")
    assert len(sent(deps)) == before
    assert deps.uow.repo.state["applications"][submitted.id].status is ApplicationStatus.BACKGROUND_CHECK  # type: ignore[attr-defined]


async def test_new_york_city_needs_the_analysis_and_nothing_changes_without_it() -> None:
    deps, _ = make()
    _, check = await considered(deps, "US-NY-NYC")
    before = len(sent(deps))
    with pytest.raises(ValidationError) as caught:
        await background.send_pre_adverse_notice(deps, RECRUITER, check.id)
    assert caught.value.field == "assessment"
    assert len(sent(deps)) == before
    assert deps.uow.repo.state["checks"][check.id].status is CheckStatus.CONSIDER  # type: ignore[attr-defined]

    await background.send_pre_adverse_notice(deps, RECRUITER, check.id, assessment="Old, unrelated offense.")
    [notice] = sent(deps)[before:]
    assert "Fair Chance Notice" in notice.body and "Old, unrelated offense." in notice.body


async def test_the_report_link_opens_nothing_before_the_notice_or_for_another_check() -> None:
    deps, _ = make()
    submitted, check = await considered(deps, "US")
    early = deps.links.sign("report", submitted.id, check.id)
    with pytest.raises(Exception) as caught:
        await background.report_for_candidate(deps, early)
    assert getattr(caught.value, "status", 404) == 404 or type(caught.value).__name__ == "NotFound"
    wrong_kind = deps.links.sign("consent", submitted.id, check.id)
    with pytest.raises(Exception):
        await background.report_for_candidate(deps, wrong_kind)
