"""Reference checks, before the offer, under legitimate interests: referees and their reports."""

from __future__ import annotations

import json
from collections.abc import Mapping
from uuid import UUID, uuid4

from ats.domain.actors import Actor
from ats.domain.applicants import _clean_text
from ats.domain.errors import Conflict, NotFound, ValidationError
from ats.domain.model import ApplicationStatus as S
from ats.domain.model import RecordType, Referee
from ats.services import access
from ats.services.deps import Deps
from ats.services.records import store_record

# Referees are contacted before any offer (DESIGN §6); afterwards reference checks are over.
REFERENCE_STATES = frozenset({S.SUBMITTED, S.SCREENING, S.INTERVIEW, S.REFERENCE_CHECK})
MAX_REFEREES = 5
MAX_ANSWERS_BYTES = 64 * 1024


def parse_referee(data: Mapping[str, object], application_id: UUID, now, index: int = 0) -> Referee:  # type: ignore[no-untyped-def]
    from email_validator import EmailNotValidError, validate_email

    prefix = f"referees[{index}]."
    name, email, relationship = data.get("full_name"), data.get("email"), data.get("relationship")
    if not isinstance(name, str) or not _clean_text(name) or len(_clean_text(name)) > 200:
        raise ValidationError("Enter the referee's full name (at most 200 characters).", field=prefix + "full_name")
    try:
        address = validate_email(str(email or "").strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise ValidationError("Enter the referee's email address.", field=prefix + "email") from None
    if not isinstance(relationship, str) or not _clean_text(relationship) or len(relationship) > 200:
        raise ValidationError(
            "Say how the referee knows the candidate, e.g. 'former manager'.", field=prefix + "relationship"
        )
    return Referee(uuid4(), application_id, _clean_text(name), address, _clean_text(relationship), now)


async def add_referees(
    deps: Deps, actor: Actor, application_id: UUID, referees: list[Mapping[str, object]]
) -> list[Referee]:
    # Referees and their reports are the assigned recruiters' work (DESIGN §8); 404 otherwise.
    await access.visible_application(deps, actor, application_id, action="references")
    if not referees or len(referees) > MAX_REFEREES:
        raise ValidationError(f"Give between 1 and {MAX_REFEREES} referees.", field="referees")
    now = deps.clock.now()
    parsed = [parse_referee(r, application_id, now, i) for i, r in enumerate(referees)]
    async with deps.uow.transaction() as tx:
        application = await tx.get_application(application_id)
        if application is None:
            raise NotFound("There is no such application.")
        if application.status not in REFERENCE_STATES:
            raise Conflict("Referees are taken before an offer is made.", code="reference_stage_over")
        existing = await tx.list_referees(application_id)
        if len(existing) + len(parsed) > MAX_REFEREES:
            raise ValidationError(f"An application can name at most {MAX_REFEREES} referees.", field="referees")
        await tx.add_referees(parsed)
        await tx.append_audit(
            [deps.event(actor, "referee.added", application_id=application_id, details={"referee": str(r.id)}) for r in parsed]
        )
    return parsed


async def record_reference(
    deps: Deps, actor: Actor, application_id: UUID, referee_id: UUID, answers: object
) -> UUID:
    """Store a referee's answers as an encrypted `reference-report` record; return its id."""
    await access.visible_application(deps, actor, application_id, action="references")
    if not isinstance(answers, dict) or not answers or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in answers.items()
    ):
        raise ValidationError("Give the answers as an object of question to answer (text).", field="answers")
    content = json.dumps({"referee": str(referee_id), "answers": answers}, ensure_ascii=False).encode()
    if len(content) > MAX_ANSWERS_BYTES:
        raise ValidationError("The answers are too long (64 KB at most).", field="answers")
    repo = deps.uow.repo
    application = await repo.get_application(application_id)
    referee = await repo.get_referee(referee_id)
    if application is None or referee is None or referee.application_id != application_id:
        raise NotFound("There is no such referee on this application.")
    if application.status not in REFERENCE_STATES:
        raise Conflict("Reference reports are recorded before an offer is made.", code="reference_stage_over")
    if referee.report_record_id is not None:
        raise Conflict("This referee's report is already recorded.", code="report_exists")

    async def then(tx, record) -> None:  # type: ignore[no-untyped-def]
        await tx.set_referee_report(referee_id, record.id)
        await tx.append_audit(
            [deps.event(actor, "reference.recorded", application_id=application_id, record_id=record.id)]
        )

    record = await store_record(
        deps,
        application,
        RecordType.REFERENCE_REPORT,
        content,
        content_type="application/json",
        filename="reference-report.json",
        then=then,
    )
    return record.id
