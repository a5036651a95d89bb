"""A second application under an email that has already applied to the position (issue 9 #10).

The public answer is the one every intake gets (201, an id and a reference), so the form
cannot be used to learn whether an address has applied (GDPR Art. 5(1)(f), confidentiality;
the same reasoning as the privacy-request endpoint's same answer whether or not the email is
known, DESIGN §11). Nothing of the new upload is kept: the objects of a late duplicate are
discarded by the intake's undo path, and no row is written. The duplicate is handled in
private instead: an audit event with ids only, and a mail to the address on file (which is
the address given: the lookup matches on it), queued through the outbox in the same
transaction (DESIGN §10) and sealed with the existing application's key, so it is erased with
that application.
"""

from __future__ import annotations

from uuid import UUID

from ats.domain import outbox
from ats.domain.actors import CANDIDATE
from ats.domain.model import Position
from ats.ports import Repository
from ats.services import mail
from ats.services.deps import Deps


async def received(deps: Deps, position: Position, existing_id: UUID, email: str) -> None:
    """Record the duplicate and tell the address on file (the caller answers as if stored)."""
    existing = await deps.uow.repo.get_application(existing_id)
    async with deps.uow.transaction() as tx:
        await tx.append_audit(
            [deps.event(CANDIDATE, "application.duplicate_received", application_id=existing_id, position_id=position.id)]
        )
        message_ids = []
        if existing is not None:  # erased in between: nobody left to tell
            message_ids.append(
                await _queue_notice(deps, tx, position, existing.id, existing.reference, email)
            )
    if message_ids:
        await mail.deliver_after_commit(deps, message_ids)


async def _queue_notice(
    deps: Deps, tx: Repository, position: Position, existing_id: UUID, reference: str, email: str
) -> UUID:
    # The privacy contact (ATS_PRIVACY_CONTACT) does not reach the services yet: the text then
    # names the privacy notice, which carries it.
    subject, body = outbox.duplicate_application_text(
        position_title=position.title, reference=reference, privacy_contact=""
    )
    return await mail.queue(
        deps, tx, kind=outbox.DUPLICATE_APPLICATION, to=email, subject=subject, body=body, application_id=existing_id
    )
