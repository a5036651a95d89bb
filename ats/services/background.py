"""Use cases of background checks (invariant 3). Every step re-checks, inside its transaction,
that the offer was accepted, the jurisdiction allows the type and the consent stands."""

from __future__ import annotations

import functools
from datetime import timedelta
from uuid import UUID, uuid4

from ats.domain import background as rules
from ats.domain import notices
from ats.domain.actors import Actor
from ats.domain.background import Check, CheckStatus, ConsentRequest, ConsentStatus
from ats.domain.errors import Conflict, NotFound, ValidationError
from ats.domain.jurisdiction import JurisdictionPolicy
from ats.domain.model import Application, ApplicationStatus, Record, RecordType
from ats.domain.uploads import check_upload
from ats.domain.workflow import check_transition
from ats.services import access, mail
from ats.services.audit import candidate_link_read
from ats.services.consents import application_and_policy
from ats.services.deps import Deps
from ats.services.links import candidate_link
from ats.services.records import store_record

# The candidate's copy of the report (pre-adverse notice) stays reachable while they may respond
# and dispute it, well past `respond_by` (ats.domain.notices says why a link, not an attachment).
REPORT_WINDOW = timedelta(days=60)
# One kind for both notices: the outbox and its `mail.delivered` audit events carry the kind
# next to the application id, and must not tell that a check had a 'consider' result.
NOTICE_MAIL = "background.notice"
# One action for every step after a check starts (result, pre-adverse notice, decision): an
# action naming the notice or the decision would tell, next to an application id, that the
# result was adverse: criminal-offence data (UK GDPR Art. 10) in a trail kept for ever. The
# step is in the check's own row, erased with the application.
CHECK_UPDATED = "check.updated"


async def start_check(deps: Deps, actor: Actor, application_id: UUID, *, consent_id: object, check_type: object) -> Check:
    await access.visible_application(deps, actor, application_id, action="background")
    try:
        consent_uuid = UUID(str(consent_id))
    except ValueError:
        raise ValidationError("Give the consent_request_id the check runs under.", field="consent_request_id") from None
    if not isinstance(check_type, str):
        raise ValidationError("Give the check_type.", field="check_type")
    async with deps.uow.transaction() as tx:
        application = await tx.lock_application(application_id)
        consent = await tx.get_consent(consent_uuid)
        if application is None or consent is None or consent.application_id != application_id:
            raise NotFound("There is no such consent request on this application.")
        rules.can_start(consent, check_type, application.status)
        position = await tx.get_position(application.position_id)
        assert position is not None
        deps.policy.check_types(position.jurisdiction, [check_type])  # the policy may have changed
        check = Check(
            id=uuid4(),
            application_id=application_id,
            consent_id=consent.id,
            check_type=check_type,
            status=CheckStatus.IN_PROGRESS,
            started_at=deps.clock.now(),
        )
        await tx.add_check(check)
        events = [
            deps.event(
                actor,
                "check.started",
                application_id=application_id,
                details={"check": str(check.id), "check_type": check_type},
            )
        ]
        if application.status is ApplicationStatus.OFFER_ACCEPTED:
            # The first check moves the application on, in the same transaction.
            await tx.set_status(application_id, ApplicationStatus.BACKGROUND_CHECK)
            events.append(
                deps.event(
                    actor,
                    "application.transitioned",
                    application_id=application_id,
                    position_id=application.position_id,
                    details={"from": "offer_accepted", "to": "background_check", "reason_given": False},
                )
            )
        await tx.append_audit(events)
    return check


async def _check(deps: Deps, check_id: UUID, actor: Actor) -> tuple[Check, Application, JurisdictionPolicy]:
    check = await deps.uow.repo.get_check(check_id)
    if check is None:
        raise NotFound("There is no such check.")
    try:  # the background-check workflow: the assigned recruiters only (DESIGN §8)
        await access.visible_application(deps, actor, check.application_id, action="background")
    except NotFound:
        raise NotFound("There is no such check.") from None
    application, policy = await application_and_policy(deps, check.application_id)
    if policy is None:
        raise Conflict("Background checks are no longer allowed for this position's location.", code="no_policy")
    return check, application, policy


async def record_result(
    deps: Deps,
    actor: Actor,
    check_id: UUID,
    *,
    result: object = None,
    document: tuple[str | None, bytes] | None = None,
    seen: object = None,
    satisfactory: object = None,
) -> Check:
    """The manual provider: a recruiter records the result. Where the policy keeps no document
    (France) only 'seen' and 'satisfactory' are recorded, and a document is refused."""
    check, application, policy = await _check(deps, check_id, actor)
    consent = await deps.uow.repo.get_consent(check.consent_id)
    if consent is None or consent.status is not ConsentStatus.GIVEN:
        raise Conflict("The consent behind this check is no longer given; the check is halted.", code="no_consent")
    now = deps.clock.now()
    if not policy.keep_document:
        if document is not None:
            raise ValidationError(
                f"In {policy.name} no copy of the document may be kept: record only that it was seen.",
                field="document",
            )
        if seen not in (True, "true"):
            raise ValidationError("Confirm that the candidate's extract was seen.", field="seen")
        if satisfactory not in (True, False, "true", "false"):
            raise ValidationError("Say whether the extract is satisfactory (true or false).", field="satisfactory")
        ok = satisfactory in (True, "true")
        rules.record_result(check, "clear" if ok else "consider", now)
        check.details = {"seen": True, "satisfactory": ok}
        return await _save(deps, actor, check, CHECK_UPDATED, was=CheckStatus.IN_PROGRESS)
    if document is None:
        raise ValidationError("Attach the check's result document.", field="document")
    rules.record_result(check, str(result), now)
    # Parsing a PDF or zip of up to the size limit is CPU work: off the event loop (issue 9).
    checked = await deps.blocking(
        functools.partial(check_upload, document[1], document[0], field="document", max_bytes=deps.max_upload_bytes)
    )
    check.criminal_offence_data = check.check_type == "criminal"

    async def then(tx, record) -> None:  # type: ignore[no-untyped-def]
        await _still(tx, check, CheckStatus.IN_PROGRESS)
        check.record_id = record.id
        await tx.update_checks([check])
        await tx.append_audit(
            [
                deps.event(
                    actor,
                    CHECK_UPDATED,
                    application_id=check.application_id,
                    record_id=record.id,
                    # No result: 'consider' next to an application id is criminal-offence data.
                    details={"check": str(check.id)},
                )
            ]
        )

    await store_record(
        deps,
        application,
        RecordType.BACKGROUND_CHECK_REPORT,
        document[1],
        content_type=checked.content_type,
        filename=checked.filename,
        then=then,
    )
    return check


async def _still(tx, check: Check, was: CheckStatus) -> None:  # type: ignore[no-untyped-def]
    """Inside the writing transaction: the check is still in the state the step started from
    and its consent still stands (a withdrawal may have committed in the meantime)."""
    stored = await tx.get_check(check.id)
    consent = await tx.get_consent(check.consent_id)
    if stored is None or stored.status is not was:
        raise Conflict("This check changed meanwhile; reload and try again.", code="check_state")
    if consent is None or consent.status is not ConsentStatus.GIVEN:
        raise Conflict("The consent behind this check was withdrawn; the check is halted.", code="no_consent")


async def _save(deps: Deps, actor: Actor, check: Check, action: str, *, was: CheckStatus, then=None) -> Check:  # type: ignore[no-untyped-def]
    """Write the check and its audit event; `then(tx)` adds what belongs to the same change
    (the notice's mail, the rejection) and returns outbox ids to send after the commit."""
    messages: list[UUID] = []
    async with deps.uow.transaction() as tx:
        await _still(tx, check, was)
        await tx.update_checks([check])
        # Ids only: a status ('consider', 'adverse') next to an application id would put
        # criminal-offence data (UK GDPR Art. 10) in the audit trail, which is kept for ever.
        await tx.append_audit([deps.event(actor, action, application_id=check.application_id, details={"check": str(check.id)})])
        if then is not None:
            messages = await then(tx)
    await mail.deliver_after_commit(deps, messages)
    return check


async def _notice_facts(deps: Deps, check: Check, application: Application, **more: object) -> tuple[str, notices.Facts]:
    """The candidate's address and what the notice is filled in with."""
    person = await deps.uow.repo.get_person(application.person_id)
    position = await deps.uow.repo.get_position(application.position_id)
    assert person is not None and position is not None
    facts = notices.Facts(
        candidate_name=person.full_name,
        position_title=position.title,
        reference=application.reference,
        check_type=check.check_type,
        **more,  # type: ignore[arg-type]
    )
    return person.email, facts


async def send_pre_adverse_notice(deps: Deps, actor: Actor, check_id: UUID, *, assessment: object = None) -> Check:
    """The generated pre-adverse notice, mailed with the change: the jurisdiction's text
    (ats/policy/notices.json), a link to the candidate's copy of the report where one is kept,
    and, in New York City, the recruiter's Article 23-A analysis (`assessment`)."""
    check, application, policy = await _check(deps, check_id, actor)
    wording = deps.notices.for_jurisdiction(policy.code)
    analysis = notices.clean_assessment(assessment, required=wording.assessment_required)
    respond_by = rules.send_pre_adverse(check, deps.clock.now(), policy.waiting_business_days)
    report = None
    if check.record_id is not None:
        report = candidate_link(deps.public_url, "report", deps.links.sign("report", application.id, check.id))
    to, facts = await _notice_facts(
        deps,
        check,
        application,
        respond_by=respond_by.isoformat(),
        business_days=policy.waiting_business_days,
        report_link=report,
        assessment=analysis,
    )
    subject, body = notices.render(deps.notices, policy.code, notices.PRE_ADVERSE, facts)

    async def then(tx) -> list[UUID]:  # type: ignore[no-untyped-def]
        return [
            await mail.queue(
                deps, tx, kind=NOTICE_MAIL, to=to, subject=subject, body=body, application_id=application.id
            )
        ]

    return await _save(deps, actor, check, CHECK_UPDATED, was=CheckStatus.CONSIDER, then=then)


async def decide(deps: Deps, actor: Actor, check_id: UUID, *, decision: object) -> Check:
    """The final decision after `respond_by`. Adverse: the adverse-action notice is mailed and
    the application rejected, in the same transaction (15 U.S.C. § 1681m(a))."""
    check, application, policy = await _check(deps, check_id, actor)
    rules.decide(check, str(decision), deps.clock.now())
    if check.status is not CheckStatus.ADVERSE:
        return await _save(deps, actor, check, CHECK_UPDATED, was=CheckStatus.PRE_ADVERSE)
    to, facts = await _notice_facts(deps, check, application)
    subject, body = notices.render(deps.notices, policy.code, notices.ADVERSE, facts)

    async def then(tx) -> list[UUID]:  # type: ignore[no-untyped-def]
        current = await tx.lock_application(application.id)
        if current is None:
            raise NotFound("There is no such application.")
        if current.status in rules.CHECK_STATES:
            # Still in the check stage: the decision rejects it. An application that already
            # left it (hired, withdrawn) keeps its status; the candidate still gets the notice.
            check_transition(current.status, ApplicationStatus.REJECTED)
            await tx.set_status(application.id, ApplicationStatus.REJECTED)
            await tx.append_audit(
                [
                    deps.event(
                        actor,
                        "application.transitioned",
                        application_id=application.id,
                        position_id=application.position_id,
                        details={"from": current.status.value, "to": "rejected", "reason_given": False},
                    )
                ]
            )
        return [
            await mail.queue(
                deps, tx, kind=NOTICE_MAIL, to=to, subject=subject, body=body, application_id=application.id
            )
        ]

    return await _save(deps, actor, check, CHECK_UPDATED, was=CheckStatus.PRE_ADVERSE, then=then)


async def report_for_candidate(deps: Deps, token: str) -> tuple[Record, bytes]:
    """The candidate's copy of the report, through the link in the pre-adverse notice: only
    that check's own report, only once the notice was sent, audited like any download."""
    application_id, check_id = deps.links.verify(token, "report", REPORT_WINDOW)
    check = await deps.uow.repo.get_check(check_id) if check_id else None
    if check is None or check.application_id != application_id or check.record_id is None:
        raise NotFound("This report is no longer available.")
    if check.status not in (CheckStatus.PRE_ADVERSE, CheckStatus.PROCEEDED, CheckStatus.ADVERSE):
        raise NotFound("This report is no longer available.")
    record = await deps.uow.repo.get_record(check.record_id)
    key_row = await deps.uow.repo.get_data_key(application_id)
    if record is None or key_row is None:
        raise NotFound("This report is no longer available.")
    key = await deps.blocking(deps.vault.unwrap, application_id, key_row.wrapped_key)
    content = await deps.blocking(deps.vault.fetch, key, record)
    # Audited like the candidate's other link pages (offer, consent), without the record: a
    # candidate reading a report happens only after a pre-adverse notice (an adverse result).
    await candidate_link_read(deps, application_id)
    return record, content


async def overview(deps: Deps, actor: Actor, application_id: UUID) -> tuple[list[ConsentRequest], list[Check]]:
    await access.visible_application(deps, actor, application_id, action="read_background")
    # A read of criminal-offence data's overview: audited, ids only (invariant 6).
    await deps.audit(actor, "background.viewed", application_id=application_id)
    repo = deps.uow.repo
    return await repo.list_consents(application_id), await repo.list_checks(application_id)
