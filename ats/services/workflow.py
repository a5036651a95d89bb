"""Use cases of the hiring workflow: transitions, offers and the candidate's answer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from ats.domain.access import EARLY_STAGES, may_move
from ats.domain.actors import CANDIDATE, Actor
from ats.domain.errors import Conflict, Forbidden, NotFound, ValidationError
from ats.domain.model import Application, ApplicationStatus
from ats.domain.offer_mail import OFFER_EXTENDED, offer_text
from ats.domain.workflow import check_transition, parse_state
from ats.ports import Repository
from ats.services import access, mail
from ats.services.deps import Deps
from ats.services.links import ANSWER_WINDOW, candidate_link

MAX_REASON = 500
RESTRICTED = (
    "This application is restricted at the candidate's request (GDPR Art. 18): it cannot be moved "
    "until a privacy officer lifts the restriction."
)
CANDIDATE_ANSWERS = frozenset({ApplicationStatus.OFFER_ACCEPTED, ApplicationStatus.OFFER_DECLINED})


@dataclass(frozen=True)
class Moved:
    application_id: UUID
    from_status: ApplicationStatus
    status: ApplicationStatus
    offer_token: str | None = None


def _reason(reason: object) -> str | None:
    if reason is None:
        return None
    if not isinstance(reason, str):
        raise ValidationError("The reason must be text.", field="reason")
    text = " ".join(reason.split())
    if len(text) > MAX_REASON:
        raise ValidationError(f"The reason must be at most {MAX_REASON} characters.", field="reason")
    return text or None


async def _application(tx, application_id: UUID) -> Application:  # type: ignore[no-untyped-def]
    application = await tx.lock_application(application_id)
    if application is None:
        raise NotFound("There is no such application.")
    return application


async def move(
    deps: Deps,
    actor: Actor,
    application_id: UUID,
    target: ApplicationStatus,
    reason: str | None,
    *,
    note_required: bool = False,
    actor_may: Callable[[ApplicationStatus], bool] | None = None,
) -> Moved:
    """Apply one transition inside a transaction, audited with from, to and whether a reason
    was given (the reason text itself may hold personal data, so it stays out of the trail)."""
    async with deps.uow.transaction() as tx:
        application = await _application(tx, application_id)
        if application.restricted:
            # GDPR Art. 18(2): stored, not used, until a privacy officer lifts it (ats.services.rights).
            raise Conflict(RESTRICTED, code="restricted", field="to")
        current = application.status
        check_transition(current, target)
        if actor_may is not None and not actor_may(current):
            # In scope (the application is theirs to see), but not their decision: DESIGN §8.
            stages = ", ".join(s.value for s in sorted(EARLY_STAGES, key=list(ApplicationStatus).index))
            raise Forbidden(
                f"Hiring managers move applications only between {stages} (and from submitted to screening).",
                field="to",
            )
        if note_required and reason is None:
            raise ValidationError(
                "Record the candidate's answer with a note (e.g. 'accepted by phone on 3 May').", field="reason"
            )
        await tx.set_status(application_id, target)
        await tx.append_audit(
            [
                deps.event(
                    actor,
                    "application.transitioned",
                    application_id=application_id,
                    position_id=application.position_id,
                    details={"from": current.value, "to": target.value, "reason_given": reason is not None},
                )
            ]
        )
        token, message_ids = None, []
        if target is ApplicationStatus.OFFER_EXTENDED:
            token = deps.links.sign("offer", application_id)
            message_ids.append(await _queue_offer_mail(deps, tx, application, token))
    if message_ids:
        await mail.deliver_after_commit(deps, message_ids)
    return Moved(application_id, current, target, token)


async def _queue_offer_mail(deps: Deps, tx: Repository, application: Application, token: str) -> UUID:
    """The candidate's offer link, by mail, in the transaction of the move (DESIGN §10: no
    offer without its mail, no mail without the offer); sealed with the application's key."""
    person = await tx.get_person(application.person_id)
    position = await tx.get_position(application.position_id)
    if person is None or position is None:
        raise NotFound("There is no such application.")
    subject, body = offer_text(
        position_title=position.title,
        link=candidate_link(deps.public_url, "offer", token),
        expires_at=deps.clock.now() + ANSWER_WINDOW,
    )
    return await mail.queue(
        deps, tx, kind=OFFER_EXTENDED, to=person.email, subject=subject, body=body, application_id=application.id
    )


async def transition(deps: Deps, actor: Actor, application_id: UUID, *, to: object, reason: object = None) -> Moved:
    """A staff move. The input (422), the scope (404 outside it: ats.services.access), then the role's own
    moves (hiring managers: the early stages, checked under the transaction's lock)."""
    target, note = parse_state(to), _reason(reason)
    await access.visible_application(deps, actor, application_id, action="move")
    role = access.role_of(actor)
    # The candidate answers through their link; staff recording it for them say how.
    return await move(
        deps,
        actor,
        application_id,
        target,
        note,
        note_required=target in CANDIDATE_ANSWERS,
        actor_may=lambda current: may_move(role, current, target),
    )


async def offer_for_token(deps: Deps, token: str) -> Application:
    application_id, _ = deps.links.verify(token, "offer", ANSWER_WINDOW)
    application = await deps.uow.repo.get_application(application_id)
    if application is None:
        raise NotFound("This offer no longer exists.")
    return application


async def answer_offer(deps: Deps, token: str, *, accept: bool) -> Moved:
    """The candidate accepts or declines through their signed, expiring link."""
    application = await offer_for_token(deps, token)
    target = ApplicationStatus.OFFER_ACCEPTED if accept else ApplicationStatus.OFFER_DECLINED
    return await move(deps, CANDIDATE, application.id, target, None)
