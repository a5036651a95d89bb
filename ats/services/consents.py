"""Use cases of background-check consent (invariant 3): the request, mailed to the candidate,
and the candidate's answer and withdrawal through the signed link. Consent exists only after
an accepted offer, for the check types the position's jurisdiction allows."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

from ats.domain import background as rules
from ats.domain import notices
from ats.domain.actors import CANDIDATE, Actor
from ats.domain.applicants import _clean_text
from ats.domain.background import Check, ConsentRequest, ConsentStatus
from ats.domain.errors import Conflict, NotFound, ValidationError
from ats.domain.jurisdiction import JurisdictionPolicy
from ats.domain.model import Application, RecordType
from ats.ports import Repository
from ats.services import access, mail
from ats.services.deps import Deps
from ats.services.links import ANSWER_WINDOW, WITHDRAW_WINDOW, candidate_link
from ats.services.records import store_record

CONSENT_MAIL = "background.consent_request"


@dataclass(frozen=True)
class ConsentPage:
    application: Application
    consent: ConsentRequest
    policy: JurisdictionPolicy | None  # None once the jurisdiction left the policy file
    token: str


async def request_consent(deps: Deps, actor: Actor, application_id: UUID, check_types: object) -> tuple[ConsentRequest, str]:
    """Ask the candidate to consent to `check_types`; returns the request and its link token."""
    await access.visible_application(deps, actor, application_id, action="background")  # 404 outside scope
    application, policy = await application_and_policy(deps, application_id)
    rules.require_accepted_offer(application.status)  # 409 before 422: order first, then law
    position = await deps.uow.repo.get_position(application.position_id)
    assert position is not None
    types = deps.policy.check_types(position.jurisdiction, check_types)
    assert policy is not None
    person = await deps.uow.repo.get_person(application.person_id)
    assert person is not None
    consent = ConsentRequest(
        id=uuid4(),
        application_id=application_id,
        check_types=types,
        jurisdiction=position.jurisdiction,
        disclosure_version=policy.version,
        disclosure_sha256=policy.disclosure_sha256,
        status=ConsentStatus.REQUESTED,
        requested_at=deps.clock.now(),
    )
    async with deps.uow.transaction() as tx:
        current = await tx.lock_application(application_id)
        assert current is not None
        rules.require_accepted_offer(current.status)  # re-checked under the write lock
        await tx.add_consent(consent)
        await tx.append_audit(
            [
                deps.event(
                    actor,
                    "consent.requested",
                    application_id=application_id,
                    details={"consent": str(consent.id), "check_types": ",".join(types)},
                )
            ]
        )
        token = deps.links.sign("consent", application_id, consent.id)
        subject, body = notices.consent_request_text(
            candidate_name=person.full_name,
            position_title=position.title,
            reference=application.reference,
            check_types=types,
            link=candidate_link(deps.public_url, "consent", token),
        )
        # DESIGN §10: the link is mailed from the outbox, written with the request itself.
        message = await mail.queue(
            deps, tx, kind=CONSENT_MAIL, to=person.email, subject=subject, body=body, application_id=application_id
        )
    await mail.deliver_after_commit(deps, [message])
    return consent, token


async def consent_page(deps: Deps, token: str, *, withdrawing: bool = False) -> ConsentPage:
    window = WITHDRAW_WINDOW if withdrawing else ANSWER_WINDOW
    application_id, consent_id = deps.links.verify(token, "consent", window)
    consent = await deps.uow.repo.get_consent(consent_id) if consent_id else None
    if consent is None or consent.application_id != application_id:
        raise NotFound("This consent request no longer exists.")
    application, policy = await application_and_policy(deps, application_id)
    return ConsentPage(application, consent, policy, token)


async def answer_consent(deps: Deps, token: str, *, authorise: bool, typed_name: object, confirmed: object) -> ConsentRequest:
    """The candidate authorises (typed full name and a ticked box) or declines."""
    page = await consent_page(deps, token)
    consent = page.consent
    rules.require_accepted_offer(page.application.status)
    if page.policy is None:
        raise Conflict("Background checks are no longer allowed for this position's location.", code="no_policy")
    name = _clean_text(typed_name) if isinstance(typed_name, str) else ""
    if authorise:
        if not name:
            raise ValidationError("Type your full name to sign the authorisation.", field="typed_name")
        if confirmed not in (True, "true", "on", "yes"):
            raise ValidationError("Tick the box to confirm your authorisation.", field="confirmed")
    now = deps.clock.now()
    rules.answer_consent(consent, authorise, now)
    content = json.dumps(
        {
            "consent_request": str(consent.id),
            "decision": consent.status.value,
            "check_types": consent.check_types,
            "jurisdiction": consent.jurisdiction,
            "disclosure_version": consent.disclosure_version,
            "disclosure_sha256": consent.disclosure_sha256,
            "signed_name": name if authorise else None,
            "at": now.isoformat(),
        },
        ensure_ascii=False,
    ).encode()

    async def then(tx, record) -> None:  # type: ignore[no-untyped-def]
        fresh = await tx.get_consent(consent.id)
        if fresh is None or fresh.status is not ConsentStatus.REQUESTED:
            raise Conflict("This consent request was already answered.", code="answered")
        await tx.update_consent(consent)
        await tx.append_audit(
            [
                deps.event(
                    CANDIDATE,
                    "consent.given" if authorise else "consent.declined",
                    application_id=consent.application_id,
                    record_id=record.id,
                    details={"consent": str(consent.id)},
                )
            ]
        )

    await store_record(
        deps,
        page.application,
        RecordType.BACKGROUND_CHECK_CONSENT,
        content,
        content_type="application/json",
        filename="background-check-consent.json",
        then=then,
    )
    return consent


async def withdraw_consent(deps: Deps, token: str) -> list[Check]:
    """Withdraw from the same link; every open check under the consent halts at once."""
    page = await consent_page(deps, token, withdrawing=True)
    async with deps.uow.transaction() as tx:
        consent = await tx.get_consent(page.consent.id)
        assert consent is not None
        return await withdraw_in(deps, tx, consent, CANDIDATE, deps.clock.now())


async def withdraw_in(deps: Deps, tx: Repository, consent: ConsentRequest, actor: Actor, now: datetime) -> list[Check]:
    """Inside the caller's transaction: withdraw a given consent, halt the checks under it,
    audit it (by the link, or on a withdrawal request: ats.services.rights)."""
    checks = await tx.list_checks(consent.application_id)
    halted = rules.withdraw_consent(consent, checks, now)
    await tx.update_consent(consent)
    await tx.update_checks(halted)
    await tx.append_audit(
        [
            deps.event(
                actor,
                "consent.withdrawn",
                application_id=consent.application_id,
                details={"consent": str(consent.id), "checks_halted": len(halted)},
            )
        ]
    )
    return halted


async def application_and_policy(deps: Deps, application_id: UUID) -> tuple[Application, JurisdictionPolicy | None]:
    repo = deps.uow.repo
    application = await repo.get_application(application_id)
    if application is None:
        raise NotFound("There is no such application.")
    position = await repo.get_position(application.position_id)
    assert position is not None
    return application, deps.policy.get(position.jurisdiction)
