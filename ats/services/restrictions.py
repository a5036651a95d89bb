"""Lifting a restriction of processing (GDPR Art. 18(3)) outside a data-subject request: a
privacy officer decides, with a reason, in the panel or the API. The person is told first: the
notice is committed to the outbox (DESIGN §10) and sent, then the restriction is lifted in a
second transaction. A crash in between leaves the application restricted and the notice sent;
lifting again sends one more notice and lifts (nothing is lifted untold)."""

from __future__ import annotations

from uuid import UUID

from ats.domain import restrictions as rules
from ats.domain.actors import Actor
from ats.domain.errors import Conflict, NotFound
from ats.domain.model import Role
from ats.services import access, mail
from ats.services.deps import Deps


async def lift(deps: Deps, actor: Actor, application_id: UUID, *, reason: object) -> None:
    """Privacy officers only (anyone else: 404, as for legal holds). The reason goes to the
    person in the notice (sealed with the application's key), never to the audit trail."""
    if access.role_of(actor) is not Role.PRIVACY_OFFICER:
        raise NotFound("There is no such application.")
    text = rules.lift_reason(reason)
    async with deps.uow.transaction() as tx:
        application = await tx.lock_application(application_id)
        if application is None:
            if await tx.get_tombstone(application_id):
                raise Conflict("This application has already been erased.", code="erased")
            raise NotFound("There is no such application.")
        await access.application_in_scope(tx, actor, application, "hold")
        if not application.restricted:
            raise Conflict("This application is not restricted.", code="not_restricted")
        person = await tx.get_person(application.person_id)
        if person is None:
            raise NotFound("There is no such application.")
        subject, body = rules.lift_notice(reference=application.reference, reason=text)
        message = await mail.queue(
            deps, tx, kind=rules.LIFT_NOTICE, to=person.email, subject=subject, body=body, application_id=application_id
        )
        await tx.append_audit(
            [
                deps.event(
                    actor,
                    "application.restriction_lift_notified",
                    application_id=application_id,
                    position_id=application.position_id,
                    details={"message": str(message)},
                )
            ]
        )
    await mail.deliver_after_commit(deps, [message])
    async with deps.uow.transaction() as tx:
        application = await tx.lock_application(application_id)
        if application is None or not application.restricted:
            return  # erased or lifted meanwhile: nothing left to lift
        await tx.set_restricted(application_id, None)
        await tx.append_audit(
            [
                deps.event(
                    actor,
                    "application.restriction_lifted",
                    application_id=application_id,
                    position_id=application.position_id,
                    details={"message": str(message), "reason_given": True},
                )
            ]
        )
