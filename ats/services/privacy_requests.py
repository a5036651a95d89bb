"""Data-subject requests (DESIGN §11): submit, verify, queue, extend, decide.

- `submit` does the same work and gives the same answer for any address: it never looks the
  address up. The request row and the code mail are written in one transaction (DESIGN §10),
  the mail sealed with the service key; the code is on a line of its own.
- `verify` spends one of five tries; the right code starts the clock (ats.domain.deadlines) and
  only then are the person's applications looked up. An address that holds no data is told so
  by mail and the request is closed.
- `extend` and `decide` are a privacy officer's. `decide` with "fulfil" calls the fulfilment
  for the kind (ats.services.exports / ats.services.rights, imported when used) and records its
  Outcome; the person is mailed the outcome. Every step is audited with ids only.
Mail bodies here: ats.services.privacy_request_mail.
"""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from ats.domain import deadlines
from ats.domain import privacy_requests as pr
from ats.domain.actors import CANDIDATE, Actor, require_role
from ats.domain.applicants import _normal_email
from ats.domain.errors import Conflict, NotFound, ValidationError
from ats.domain.model import Role
from ats.domain.privacy_requests import PrivacyRequest, RequestStatus
from ats.domain.rights import KINDS, Outcome, Subject
from ats.services import mail
from ats.services import privacy_request_mail as texts
from ats.services.deps import Deps

OFFICERS = frozenset({Role.PRIVACY_OFFICER})
DECISIONS = ("fulfil", "refuse")


def _email(value: object) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 254:
        raise ValidationError("Give the email address you applied with.", field="email")
    try:
        return _normal_email(value)
    except Exception:  # email_validator's EmailNotValidError (its message may echo the input)
        raise ValidationError("That does not look like an email address; check it.", field="email") from None


def _reference(value: object) -> str | None:
    text = pr.text_field(value, field="reference", limit=pr.MAX_REFERENCE, required=False)
    if text is not None and not text.replace("-", "").isalnum():
        raise ValidationError("A reference has letters, digits and dashes only.", field="reference")
    return text.upper() if text else None


async def submit(deps: Deps, *, email: object, kind: object, reference: object = None, details: object = None) -> PrivacyRequest:
    """Record a request and mail its code. The same answer and work whatever the address."""
    address = _email(email)
    if kind not in KINDS:
        raise ValidationError(f"Choose a kind of request: {', '.join(KINDS)}.", field="kind")
    ref = _reference(reference)
    text = pr.text_field(details, field="details", limit=pr.MAX_DETAILS, required=False)
    deps.requests.admit("submit", address)
    now = deps.clock.now()
    code = pr.new_code()
    request = pr.received(
        request_id=uuid.uuid4(), email=address, kind=kind, reference=ref, details=text,
        key=deps.requests.code_key, code=code, now=now,
    )  # fmt: skip
    subject, body = texts.code_mail(request, code)
    async with deps.uow.transaction() as tx:
        await tx.add_privacy_request(request)  # type: ignore[attr-defined]
        message = await mail.queue(deps, tx, kind="privacy.code", to=address, subject=subject, body=body)
        await tx.append_audit([_event(deps, CANDIDATE, "privacy_request.received", request)])
    await mail.deliver_after_commit(deps, [message])
    return request


async def verify(deps: Deps, request_id: UUID, code: object) -> PrivacyRequest:
    """One try of the code: right → open with its due date (or closed, no data); wrong → 422;
    the fifth wrong one closes the request (409, as every later try)."""
    found = await deps.uow.repo.get_privacy_request(request_id)  # type: ignore[attr-defined]
    if found is None:
        raise NotFound("There is no such request.")
    if found.status is RequestStatus.AWAITING_VERIFICATION:
        deps.requests.admit("code", found.email)
    now = deps.clock.now()
    messages: list[UUID] = []
    async with deps.uow.transaction() as tx:
        request = await tx.get_privacy_request(request_id, lock=True)  # type: ignore[attr-defined]
        assert request is not None  # requests are never deleted
        after, right = pr.check_code(request, code, key=deps.requests.code_key, now=now)
        if right:
            after = await _start_clock(deps, tx, after, now, messages)
        else:
            action = "privacy_request.closed" if after.status is RequestStatus.CLOSED else "privacy_request.code_refused"
            await tx.append_audit([_event(deps, CANDIDATE, action, after, tries=after.tries)])
        await tx.save_privacy_request(after)  # type: ignore[attr-defined]
    await mail.deliver_after_commit(deps, messages)
    if right:
        return after
    if after.status is RequestStatus.CLOSED:
        raise Conflict("Too many wrong codes: this request is closed. Make a new request to get a new code.")
    left = pr.MAX_TRIES - after.tries
    why = "That code has expired" if pr.expired(request, now) else "That code is not right"
    raise pr.CodeRefused(f"{why}. Check the latest code we mailed you; {left} tr{'y' if left == 1 else 'ies'} left.", field="code")


async def _start_clock(deps: Deps, tx: Any, request: PrivacyRequest, now: datetime, messages: list[UUID]) -> PrivacyRequest:
    found = await tx.applications_of_email(request.email, reference=request.reference)
    codes = tuple(sorted({code for _, code in found}))
    limits = deadlines.deadline(now.date(), deps.policy.request_rules(codes))
    after = pr.verified(request, now=now, due_on=limits.due_on, applications=tuple(a for a, _ in found), jurisdictions=codes)
    subject, body = texts.no_data_mail(after) if not found else texts.opened_mail(after)
    messages.append(await mail.queue(deps, tx, kind="privacy.opened" if found else "privacy.no_data", to=after.email, subject=subject, body=body))
    action = "privacy_request.verified" if found else "privacy_request.closed_no_data"
    await tx.append_audit([_event(deps, CANDIDATE, action, after, due_on=limits.due_on.isoformat(), applications=len(found))])
    return after


async def queue(deps: Deps, actor: Actor, *, status: object = None) -> list[PrivacyRequest]:
    """The privacy officer's queue: soonest due first (PrivacyRequest.overdue marks the late).
    Also the server operator's (`ats requests list`, actor kind "cli", audited as such)."""
    if actor.kind != "cli":
        require_role(actor, OFFICERS)
    if status is not None and status not in {s.value for s in RequestStatus}:
        raise ValidationError(f"Choose a status: {', '.join(s.value for s in RequestStatus)}.", field="status")
    found = await deps.uow.repo.list_privacy_requests(status=status)  # type: ignore[attr-defined]
    await deps.audit(actor, "privacy_request.listed", details={"status": status or "any", "count": len(found)})
    return found


async def get(deps: Deps, actor: Actor, request_id: UUID) -> PrivacyRequest:
    require_role(actor, OFFICERS)
    found = await deps.uow.repo.get_privacy_request(request_id)  # type: ignore[attr-defined]
    if found is None:
        raise NotFound("There is no such request.")
    await deps.audit(actor, "privacy_request.read", details={"request": str(request_id)})
    return found


async def extend(deps: Deps, actor: Actor, request_id: UUID, *, months: object, reason: object) -> PrivacyRequest:
    """Extend an open request's due date within the law's limit, before it passes; the person
    is told the new date and the reason (GDPR Art. 12(3))."""
    require_role(actor, OFFICERS)
    why = pr.text_field(reason, field="reason", limit=pr.MAX_REASON, required=True)
    now = deps.clock.now()
    async with deps.uow.transaction() as tx:
        request = await _open_request(tx, request_id)
        assert request.verified_at is not None and request.due_on is not None
        new_due = deadlines.extend(
            verified_on=request.verified_at.date(), due_on=request.due_on, today=now.date(), months=months,
            applicable=deps.policy.request_rules(request.jurisdictions), already_extended=request.extended_due_on is not None,
        )  # fmt: skip
        after = pr.extended(request, new_due_on=new_due, reason=str(why))
        await tx.save_privacy_request(after)  # type: ignore[attr-defined]
        subject, body = texts.extended_mail(after)
        message = await mail.queue(deps, tx, kind="privacy.extended", to=after.email, subject=subject, body=body)
        await tx.append_audit([_event(deps, actor, "privacy_request.extended", after, due_on=new_due.isoformat())])
    await mail.deliver_after_commit(deps, [message])
    return after


async def decide(
    deps: Deps, actor: Actor, request_id: UUID, *, decision: object, reason: object, **inputs: Any
) -> tuple[PrivacyRequest, Outcome]:
    """Fulfil (run the kind's fulfilment) or refuse, record it, mail the person the outcome."""
    require_role(actor, OFFICERS)
    if decision not in DECISIONS:
        raise ValidationError("Choose a decision: fulfil or refuse.", field="decision")
    why = pr.text_field(reason, field="reason", limit=pr.MAX_REASON, required=decision == "refuse")
    request = await _open_request(deps.uow.repo, request_id)
    now = deps.clock.now()
    if decision == "refuse":
        outcome = Outcome(False, str(why), texts.refusal_message(request, str(why)))
    else:
        subject = Subject(request_id=request.id, email=request.email, application_ids=request.applications)
        outcome = await _fulfil(deps, request.kind, subject, actor=actor, now=now, inputs=inputs)
    async with deps.uow.transaction() as tx:
        current = await _open_request(tx, request_id)  # decided by someone else meanwhile: 409
        recorded = outcome.reason if decision == "fulfil" or not why else str(why)
        after = pr.decided(current, fulfilled=outcome.fulfilled, reason=recorded[: pr.MAX_REASON], by=actor.label, now=now)
        await tx.save_privacy_request(after)  # type: ignore[attr-defined]
        subject_line, body = texts.outcome_mail(after, outcome)
        message = await mail.queue(deps, tx, kind="privacy.outcome", to=after.email, subject=subject_line, body=body)
        await tx.append_audit([_event(deps, actor, f"privacy_request.{after.status.value}", after)])
    await mail.deliver_after_commit(deps, [message])
    return after, outcome


Fulfilment = Callable[..., Awaitable[Outcome]]


def fulfilment_for(kind: str) -> tuple[Fulfilment, dict[str, Any]]:
    """The fulfilment function of a kind and its fixed arguments; imported when first used, so
    this module does not depend on the fulfilment modules at import time."""
    if kind in ("access", "portability"):
        from ats.services import exports

        return exports.export, {"portable": kind == "portability"}
    from ats.services import rights

    name = {
        "rectification": "rectify",
        "erasure": "erase",
        "restriction": "restrict",
        "objection": "object_to_processing",
        "withdraw_consent": "withdraw_consent",
    }[kind]
    return getattr(rights, name), {}


async def _fulfil(deps: Deps, kind: str, subject: Subject, *, actor: Actor, now: datetime, inputs: dict[str, Any]) -> Outcome:
    fn, fixed = fulfilment_for(kind)
    accepted = inspect.signature(fn).parameters
    unknown = [k for k in inputs if k not in accepted]
    if unknown:
        raise ValidationError(f"A {kind} request does not take {unknown[0]!r}.", field=unknown[0])
    result = fn(deps, subject, actor=actor, now=now, **fixed, **inputs)
    return await result if inspect.isawaitable(result) else result


async def _open_request(repo: Any, request_id: UUID) -> PrivacyRequest:
    request = await repo.get_privacy_request(request_id, lock=True)
    if request is None:
        raise NotFound("There is no such request.")
    if request.status is not RequestStatus.OPEN:
        raise Conflict(f"This request is {request.status.value.replace('_', ' ')}; only an open request can be acted on.")
    return request


def _event(deps: Deps, actor: Actor, action: str, request: PrivacyRequest, **details: Any) -> Any:
    return deps.event(actor, action, details={"request": str(request.id), "kind": request.kind, **details})
