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

from ats.domain.actors import CANDIDATE
from ats.domain.model import Position
from ats.services import mail
from ats.services.deps import Deps

KIND = "application.duplicate"
SUBJECT = "Another application was sent with your email address"


def notice(position: Position, reference: str) -> str:
    return (
        f"Someone sent an application for the position \"{position.title}\" using this email address.\n"
        f"An application from this address to that position already exists (reference {reference}),\n"
        "so the new one was not kept: nothing from it was stored, and your application is unchanged.\n"
        "\n"
        "If it was you and you want to change your application, reply to the privacy team quoting\n"
        "your reference. If it was not you, you need not do anything.\n"
    )


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
                await mail.queue(
                    deps,
                    tx,
                    kind=KIND,
                    to=email,
                    subject=SUBJECT,
                    body=notice(position, existing.reference),
                    application_id=existing_id,
                )
            )
    if message_ids:
        await mail.deliver_after_commit(deps, message_ids)
