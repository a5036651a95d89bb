"""The rights other than access (DESIGN §11), each run on a privacy officer's decision by the
requests service (ats.services.privacy_requests), which records the Outcome and mails its
`message` to the person. Rectification lives in ats.services.rights_rectify (re-exported here).

Every function acts on all the subject's applications, audits each step with ids only, and is
idempotent: a second run finds nothing left to change and changes nothing (no event either).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from ats.domain import background as checks_rules
from ats.domain.actors import Actor
from ats.domain.applicants import _clean_text
from ats.domain.conclusion import FINAL_STATES
from ats.domain.errors import ValidationError
from ats.domain.model import Application, ApplicationStatus, RecordType
from ats.domain.rights import Outcome, Subject
from ats.services import expiry
from ats.services.consents import withdraw_in
from ats.services.deps import Deps
from ats.services.rights_common import applications, delete_all_versions, ids, require_officer
from ats.services.rights_rectify import rectify

# Lifting a restriction is the privacy officer's decision outside a request, the person told
# first: ats.services.restrictions.lift.
__all__ = ["erase", "object_to_processing", "rectify", "restrict", "withdraw_consent"]

ERASURE_REASON = "erasure-request"  # the tombstone's reason (expiry's is "retention-expired")
OBJECTION_REASON = "objection"
MAX_GROUND = 500
CONSENTS = ("talent_pool", "background_check")


@dataclass
class Erasure:
    erased: list[str] = field(default_factory=list)  # references erased by this run
    before: int = 0  # already erased (a tombstone), or being erased by another worker
    held: list[Application] = field(default_factory=list)
    unfinished: int = 0  # keys destroyed, objects left: the expiry job finishes them


async def _erase(deps: Deps, subject: Subject, *, actor: Actor, now: datetime, reason: str) -> Erasure:
    """The erasure engine (ats.services.expiry, DESIGN §5 order) on the subject's applications,
    now: claim and destroy the keys, commit; delete every object version; delete the rows and
    write tombstones. A legal hold stops it (GDPR Art. 17(3)(e)); a lapsed claim is finished."""
    result = Erasure()
    apps = {a.id: a for a in await applications(deps, subject.application_ids)}
    worker = f"rights:{uuid.uuid4().hex}"
    async with deps.uow.transaction() as tx:
        claims = await tx.claim_applications(
            list(apps), worker=worker, now=now, lease_until=now + expiry.LEASE, reason=reason
        )
        if claims:
            await tx.append_audit(
                [
                    deps.event(
                        actor,
                        "erasure.keys_destroyed",
                        details=ids(subject, applications=len(claims), worker=worker, reason=reason),
                    )
                ]
            )
    erased, failed = (
        await expiry.finish_erasures(deps, claims, worker, actor=actor, reason=reason) if claims else (set(), [])
    )
    result.erased = [apps[i].reference for i in erased if i in apps]
    result.unfinished = len(failed)
    claimed = {c.application_id for c in claims}
    for app_id in set(subject.application_ids) - claimed:
        app = await deps.uow.repo.get_application(app_id)
        if app is not None and app.legal_hold_reason:
            result.held.append(app)
        elif app is not None or await deps.uow.repo.get_tombstone(app_id):
            result.before += 1  # erased, or claimed by a live worker that will finish it
    return result


def _erasure_outcome(result: Erasure, *, what: str) -> Outcome:
    done = len(result.erased) + result.before + result.unfinished
    if result.held:
        refs = ", ".join(a.reference for a in result.held)
        holds = "; ".join(f"{a.reference}: {a.legal_hold_reason}" for a in result.held)
        return Outcome(
            fulfilled=False,
            reason=f"Legal hold (GDPR Art. 17(3)(e)) on {refs} ({holds}); {done} other application(s) erased.",
            message=(
                f"We could not erase the data of your application(s) {refs}: we must keep it for the "
                "establishment, exercise or defence of legal claims (GDPR Art. 17(3)(e)). We will erase "
                "it as soon as that need ends."
                + (f" Your other application(s) ({done}) were erased." if done else "")
            ),
        )
    reason = f"{what}: {len(result.erased)} application(s) erased now, {result.before} already erased."
    if result.unfinished:
        reason += f" {result.unfinished} with keys destroyed and object deletion left to the expiry job."
    message = (
        "We have erased your data: your application(s), documents and contact details. What "
        "remains is a record that the erasure took place, without your personal data."
        if done
        else "We hold no application of yours to erase."
    )
    if result.unfinished:
        # Keys destroyed in the claim's commit (crypto-shredding, DESIGN §5): the stored copies
        # cannot be read by anyone from now on; the daily expiry run deletes them and the rows.
        message = (
            "We have erased your data. Your documents became unreadable at once: the keys that "
            "encrypted them are destroyed. The last stored copies and your contact details are "
            "removed by our next daily erasure run. What remains after it is a record that the "
            "erasure took place, without your personal data."
        )
    return Outcome(fulfilled=True, reason=reason, message=message)


async def erase(deps: Deps, subject: Subject, *, actor: Actor, now: datetime) -> Outcome:
    """Erasure on request (GDPR Art. 17(1)): every application of the subject, now."""
    require_officer(actor)
    return _erasure_outcome(
        await _erase(deps, subject, actor=actor, now=now, reason=ERASURE_REASON), what="Erasure (Art. 17(1))"
    )


async def _set_restriction(deps: Deps, subject: Subject, *, actor: Actor, now: datetime, on: bool) -> tuple[int, int]:
    """Returns (changed, already): applications changed now, and those already in that state."""
    changed = already = 0
    for app_id in dict.fromkeys(subject.application_ids):
        async with deps.uow.transaction() as tx:
            app = await tx.lock_application(app_id)
            if app is None or (on and await tx.erasure_in_progress(app_id, now)):
                continue  # erased or being erased: nothing left to restrict
            if app.restricted == on:
                already += 1
                continue
            await tx.set_restricted(app_id, now if on else None)
            await tx.append_audit(
                [
                    deps.event(
                        actor,
                        "application.restricted" if on else "application.restriction_lifted",
                        application_id=app_id,
                        position_id=app.position_id,
                        details=ids(subject),
                    )
                ]
            )
            changed += 1
    return changed, already


async def restrict(deps: Deps, subject: Subject, *, actor: Actor, now: datetime) -> Outcome:
    """Restriction of processing (GDPR Art. 18(1)): the data stays stored but unused: no moves
    (ats.services.workflow), downloads only by privacy officers (ats.services.applications),
    and the expiry job skips it and reports it (Art. 18(1)(c)) until lifted."""
    require_officer(actor)
    changed, already = await _set_restriction(deps, subject, actor=actor, now=now, on=True)
    if not changed + already:
        return Outcome(False, "No stored application to restrict.", "We hold no application of yours to restrict.")
    return Outcome(
        True,
        f"Restricted (GDPR Art. 18): {changed} application(s) now, {already} already.",
        "We have restricted the use of your data: we keep it, but do not use it for recruitment, "
        "and do not erase it at the end of its retention period, until the restriction is lifted. "
        "We will tell you before we lift it (GDPR Art. 18(3)).",
    )


async def object_to_processing(
    deps: Deps, subject: Subject, *, actor: Actor, now: datetime, compelling_ground: str | None = None
) -> Outcome:
    """Objection to processing based on legitimate interests (GDPR Art. 21(1)): the application
    is withdrawn and erased, unless the privacy officer records compelling legitimate grounds
    that override the person's interests (then refused, with that ground, as Art. 12(4) asks)."""
    require_officer(actor)
    ground = _clean_text(compelling_ground) if isinstance(compelling_ground, str) else ""
    if compelling_ground is not None and not isinstance(compelling_ground, str):
        raise ValidationError("The compelling ground must be text.", field="compelling_ground")
    if len(ground) > MAX_GROUND:
        raise ValidationError(f"The compelling ground must be at most {MAX_GROUND} characters.", field="compelling_ground")
    if ground:
        return Outcome(
            False,
            f"Compelling legitimate grounds (GDPR Art. 21(1)): {ground}",
            "We have considered your objection. We have compelling legitimate grounds to continue "
            f"processing your data which override your interests (GDPR Art. 21(1)): {ground}",
        )
    for app_id in dict.fromkeys(subject.application_ids):
        async with deps.uow.transaction() as tx:
            app = await tx.lock_application(app_id)
            if app is None or app.status in FINAL_STATES or await tx.erasure_in_progress(app_id, now):
                continue
            await tx.set_status(app_id, ApplicationStatus.WITHDRAWN)
            await tx.append_audit(
                [
                    deps.event(
                        actor,
                        "application.transitioned",
                        application_id=app_id,
                        position_id=app.position_id,
                        details=ids(subject, **{"from": app.status.value, "to": "withdrawn", "reason_given": True}),
                    )
                ]
            )
    result = await _erase(deps, subject, actor=actor, now=now, reason=OBJECTION_REASON)
    return _erasure_outcome(result, what="Objection upheld (Art. 21(1)): withdrawn and erased")


async def withdraw_consent(
    deps: Deps, subject: Subject, *, actor: Actor, now: datetime, which: str | None = None
) -> Outcome:
    """Withdrawal of consent (GDPR Art. 7(3)): `talent_pool` erases the consent record (every
    version) and turns the flag off; `background_check` withdraws every given check consent,
    and the checks under it halt (ats.domain.background.withdraw_consent, as the link does)."""
    require_officer(actor)
    if which not in CONSENTS:
        raise ValidationError("Say which consent to withdraw: talent_pool or background_check.", field="which")
    if which == "talent_pool":
        count = await _withdraw_talent_pool(deps, subject, actor=actor)
        return Outcome(
            True,
            f"Talent-pool consent withdrawn on {count} application(s).",
            "Your consent to be kept in our talent pool is withdrawn: we have erased that consent "
            "and will not consider you for other positions." if count else
            "You had not consented to our talent pool; we do not keep you in it.",
        )
    withdrawn = halted = 0
    for app_id in dict.fromkeys(subject.application_ids):
        async with deps.uow.transaction() as tx:
            if await tx.lock_application(app_id) is None:
                continue
            for consent in await tx.list_consents(app_id):
                if consent.status is checks_rules.ConsentStatus.GIVEN:
                    halted += len(await withdraw_in(deps, tx, consent, actor, now))
                    withdrawn += 1
    return Outcome(
        True,
        f"Background-check consent withdrawn: {withdrawn} consent(s), {halted} check(s) halted.",
        "Your consent to background checks is withdrawn: no check runs under it any more."
        if withdrawn
        else "No background-check consent of yours stands; no check runs under one.",
    )


async def _withdraw_talent_pool(deps: Deps, subject: Subject, *, actor: Actor) -> int:
    """Rows first (one transaction per application), then every object version: a crash in
    between leaves only objects no row points at, which the orphan sweep deletes."""
    count, objects = 0, []
    for app in await applications(deps, subject.application_ids):
        records = [r for r in await deps.uow.repo.list_records(app.id) if r.record_type is RecordType.TALENT_POOL_CONSENT]
        if not records and not app.talent_pool_consent:
            continue
        async with deps.uow.transaction() as tx:
            if await tx.lock_application(app.id) is None:
                continue
            await tx.remove_records([r.id for r in records])
            await tx.set_talent_pool(app.id, False)
            await tx.append_audit(
                [
                    deps.event(
                        actor,
                        "consent.withdrawn",
                        application_id=app.id,
                        position_id=app.position_id,
                        details=ids(subject, consent="talent_pool", records_erased=len(records)),
                    )
                ]
            )
        objects += records
        count += 1
    await delete_all_versions(deps, objects)
    return count
