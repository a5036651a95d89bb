"""Use cases of the retention clock: concluding hiring, legal holds, re-tagging objects."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4

from ats.domain.actors import Actor
from ats.domain.conclusion import CONCLUDED_REASON, Conclusion, conclude
from ats.domain.errors import Conflict, NotFound, ValidationError
from ats.domain.model import Role
from ats.ports_oversight import HoldRow
from ats.services import access, record_retention
from ats.services.deps import Deps

# The hourly retag job and the dashboard's months ahead live with retention per record.
retag = record_retention.retag
upcoming = record_retention.upcoming

MAX_REASON = 500


async def conclude_position(
    deps: Deps, actor: Actor, position_id: UUID, *, outcome: str, at: datetime | None = None, production: bool
) -> Conclusion:
    """Close the position, start every application's clock, reject those still open. Assigned
    recruiters, admins and the operator (DESIGN §8); 404 for anyone else."""
    await access.visible_position(deps, actor, position_id, contents=False, action="conclude")
    now = deps.clock.now()
    async with deps.uow.transaction() as tx:
        position = await tx.get_position(position_id)
        if position is None:
            raise NotFound("There is no such position.")
        result = conclude(position, outcome, at or now, now=now, production=production)
        closed = await tx.conclude_position(position_id, result.outcome, result.concluded_at, result.retention_until)
        # Each record's own expiry from the retention table (DESIGN §12), in the same transaction.
        await record_retention.stamp_on_conclusion(deps, tx, position_id, result.concluded_at)
        events = [
            deps.event(
                actor,
                "position.concluded",
                position_id=position_id,
                details={
                    "outcome": result.outcome.value,
                    "concluded_at": result.concluded_at.isoformat(),
                    "retention_until": result.retention_until.isoformat(),
                },
            )
        ]
        events += [
            deps.event(
                actor,
                "application.transitioned",
                application_id=app_id,
                position_id=position_id,
                details={"to": "rejected", "reason": CONCLUDED_REASON},
            )
            for app_id in closed
        ]
        await tx.append_audit(events)
    return result


def _reason(reason: object) -> str:
    text = " ".join(reason.split()) if isinstance(reason, str) else ""
    if not text:
        raise ValidationError("Give the reason for the legal hold (e.g. the claim or case).", field="reason")
    if len(text) > MAX_REASON:
        raise ValidationError(f"The reason must be at most {MAX_REASON} characters.", field="reason")
    return text


async def set_legal_hold(deps: Deps, actor: Actor, application_id: UUID, *, reason: object, hold: bool) -> None:
    """Place (hold=True) or lift a legal hold (GDPR Art. 17(3)(e)); privacy officers only
    (anyone else: 404, ats.services.access)."""
    if access.role_of(actor) is not Role.PRIVACY_OFFICER:
        raise NotFound("There is no such application.")
    text = _reason(reason)
    async with deps.uow.transaction() as tx:
        application = await tx.lock_application(application_id)
        if application is None:
            if await tx.get_tombstone(application_id):
                raise Conflict("This application has already been erased.", code="erased")
            raise NotFound("There is no such application.")
        await access.application_in_scope(tx, actor, application, "hold")
        if hold and await tx.erasure_in_progress(application_id, deps.clock.now()):
            # Art. 17(3)(e) holds stop an erasure before it starts; once a worker has claimed
            # the application its data key is destroyed and the erasure must finish
            # (invariant 8). lock_application queued us behind any claim (row lock/SQLite lock).
            raise Conflict(
                "An erasure of this application is in progress (its data key is already "
                "destroyed), so a legal hold can no longer preserve it.",
                code="erasure_in_progress",
            )
        if hold and application.legal_hold_reason:
            raise Conflict("This application is already under a legal hold.", code="already_held")
        if not hold and not application.legal_hold_reason:
            raise Conflict("This application has no legal hold to lift.", code="not_held")
        # The reason may name a case; it is stored on the application, not in the audit trail.
        await tx.set_legal_hold(application_id, text if hold else None)
        # Hold history for the dashboard (issue 11): who placed and lifted it, and both reasons.
        now = deps.clock.now()
        if hold:
            await tx.add_hold(HoldRow(uuid4(), application_id, text, actor.label, now))
        else:
            await tx.lift_hold(application_id, by=actor.label, at=now, reason=text)
        await tx.append_audit(
            [deps.event(actor, "legal_hold.set" if hold else "legal_hold.lifted", application_id=application_id)]
        )
