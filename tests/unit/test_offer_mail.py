"""The offer link is mailed to the candidate through the outbox (DESIGN §10), in the transaction
of the move to offer_extended: the text (pure) and the service on the in-memory fakes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest

from ats.domain.actors import staff
from ats.domain.errors import Conflict
from ats.domain.model import ApplicationStatus, Role
from ats.domain.offer_mail import OFFER_EXTENDED, offer_text
from ats.services import applications, positions, workflow
from ats.services.applications import Upload
from ats.services.deps import Deps
from ats.services.links import ANSWER_WINDOW, candidate_link
from ats.services.mailroom import Mailroom
from storage.mailbox import MemoryMailer
from storage.memory import FixedClock, MemoryBlobStore, MemoryKeyProvider, MemoryRepository, MemoryUnitOfWork
from storage.outbox_crypto import OutboxCipher
from storage.vault import RecordVault
from tests.helpers import pdf

RECRUITER = staff(uuid4(), Role.RECRUITER)
NAME, EMAIL = "Katherine Johnson-Testperson", "katherine.j@example.org"
PUBLIC = "https://jobs.example.com"


def _deps() -> tuple[Deps, MemoryMailer]:
    mailer = MemoryMailer()
    deps = Deps(
        uow=MemoryUnitOfWork(),
        vault=RecordVault(MemoryKeyProvider(), MemoryBlobStore()),
        clock=FixedClock(datetime(2026, 5, 3, 14, 30, tzinfo=UTC)),
        public_url=PUBLIC,
        mail=Mailroom(mailer=mailer, cipher=OutboxCipher("o" * 40), sender="jobs@example.com"),
    )
    return deps, mailer


async def _at_reference_check(deps: Deps, title: str = "Flight Engineer") -> Any:
    position = await positions.create_position(deps, RECRUITER, title=title, jurisdiction="GB")
    submitted = await applications.submit_application(
        deps,
        position_id=position.id,
        fields={"full_name": NAME, "email": EMAIL, "country": "GB", "privacy_notice_acknowledged": "true"},
        cv=Upload("cv.pdf", pdf("cv")),
    )
    for state in ("screening", "interview", "reference_check"):
        await workflow.transition(deps, RECRUITER, submitted.id, to=state)
    return submitted


def test_the_text_names_the_position_puts_the_link_on_its_own_line_and_gives_the_expiry() -> None:
    link = "https://jobs.example.com/offer/abc.def-ghi"
    subject, body = offer_text(
        position_title="Flight\r\nBcc: x@example.com  Engineer", link=link, expires_at=datetime(2026, 5, 17, 14, 30, tzinfo=UTC)
    )
    assert subject == "Your job offer: Flight Bcc: x@example.com Engineer"  # one line: no header injection
    assert link in body.splitlines()
    assert "17 May 2026, 14:30 UTC" in body
    long_subject, _ = offer_text(position_title="x" * 500, link=link, expires_at=datetime(2026, 1, 1, tzinfo=UTC))
    assert len(long_subject) <= 200


async def test_extending_the_offer_mails_the_link_sealed_with_the_applications_key() -> None:
    deps, mailer = _deps()
    submitted = await _at_reference_check(deps)
    moved = await workflow.transition(deps, RECRUITER, submitted.id, to="offer_extended")
    assert moved.status is ApplicationStatus.OFFER_EXTENDED and moved.offer_token  # the API still gets it

    [message] = mailer.sent
    assert message.to == EMAIL
    assert message.subject == "Your job offer: Flight Engineer"
    assert NAME not in message.subject and EMAIL not in message.subject
    link = candidate_link(PUBLIC, "offer", moved.offer_token)
    assert link in message.body.splitlines()
    expires = deps.clock.now() + ANSWER_WINDOW
    assert f"{expires.day} {expires:%B %Y}" in message.body and "17 May 2026" in message.body
    # The link in the mail opens the offer.
    token = link.rsplit("/", 1)[1]
    assert (await workflow.offer_for_token(deps, token)).id == submitted.id

    [row] = await deps.uow.repo.list_outbox()
    assert row.kind == OFFER_EXTENDED and row.application_id == submitted.id
    assert row.app_key  # sealed with the application's data key, erased with it
    assert row.status == "delivered" and row.sealed is None


async def test_a_mail_server_that_defers_leaves_the_offer_extended_and_the_mail_pending() -> None:
    deps, mailer = _deps()
    submitted = await _at_reference_check(deps)
    mailer.fail = "defer"
    moved = await workflow.transition(deps, RECRUITER, submitted.id, to="offer_extended")
    assert moved.status is ApplicationStatus.OFFER_EXTENDED and mailer.sent == []
    [row] = await deps.uow.repo.list_outbox()
    assert row.status == "pending" and row.kind == OFFER_EXTENDED


async def test_no_mail_without_the_move_and_no_move_without_its_mail(monkeypatch: pytest.MonkeyPatch) -> None:
    deps, mailer = _deps()
    submitted = await _at_reference_check(deps)
    await workflow.transition(deps, RECRUITER, submitted.id, to="rejected", reason="withdrawn funding")
    with pytest.raises(Conflict):
        await workflow.transition(deps, RECRUITER, submitted.id, to="offer_extended")
    assert await deps.uow.repo.list_outbox() == [] and mailer.sent == []

    other = await _at_reference_check(deps, title="Analyst")

    async def broken(self: MemoryRepository, row: object) -> None:
        raise RuntimeError("outbox write failed")

    monkeypatch.setattr(MemoryRepository, "add_outbox", broken)
    with pytest.raises(RuntimeError):
        await workflow.transition(deps, RECRUITER, other.id, to="offer_extended")
    assert (await deps.uow.repo.get_application(other.id)).status is ApplicationStatus.REFERENCE_CHECK
    assert mailer.sent == []


async def test_other_moves_send_no_offer_mail() -> None:
    deps, mailer = _deps()
    await _at_reference_check(deps)
    assert await deps.uow.repo.list_outbox() == [] and mailer.sent == []
