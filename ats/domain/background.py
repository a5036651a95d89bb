"""Background checks (invariant 3): consent only after an accepted offer, only for check types
the jurisdiction allows; a check only under a consent that is given and not withdrawn."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from ats.domain.business_days import add_business_days
from ats.domain.errors import Conflict, ValidationError
from ats.domain.model import ApplicationStatus as S

# The states in which background-check steps may exist: the offer has been accepted.
CHECK_STATES = frozenset({S.OFFER_ACCEPTED, S.BACKGROUND_CHECK})


class ConsentStatus(StrEnum):
    REQUESTED = "requested"
    GIVEN = "given"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class CheckStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    CLEAR = "clear"
    CONSIDER = "consider"
    PRE_ADVERSE = "pre_adverse"
    PROCEEDED = "proceeded"
    ADVERSE = "adverse"
    HALTED = "halted"


OPEN_CHECKS = frozenset({CheckStatus.IN_PROGRESS, CheckStatus.CONSIDER, CheckStatus.PRE_ADVERSE})


@dataclass
class ConsentRequest:
    id: UUID
    application_id: UUID
    check_types: list[str]
    jurisdiction: str
    disclosure_version: str
    disclosure_sha256: str
    status: ConsentStatus
    requested_at: datetime
    answered_at: datetime | None = None
    withdrawn_at: datetime | None = None


@dataclass
class Check:
    id: UUID
    application_id: UUID
    consent_id: UUID
    check_type: str
    status: CheckStatus
    started_at: datetime
    result_at: datetime | None = None
    respond_by: date | None = None
    decided_at: datetime | None = None
    record_id: UUID | None = None
    criminal_offence_data: bool = False
    details: dict[str, str | bool | None] = field(default_factory=dict)


def require_accepted_offer(status: S) -> None:
    if status not in CHECK_STATES:
        raise Conflict(
            f"Background checks need an accepted offer: the application is {status.value}, "
            "and this step needs offer_accepted or background_check.",
            code="offer_not_accepted",
        )


def answer_consent(consent: ConsentRequest, authorise: bool, now: datetime) -> None:
    if consent.status is not ConsentStatus.REQUESTED:
        raise Conflict(f"This consent request was already answered ({consent.status.value}).", code="answered")
    consent.status = ConsentStatus.GIVEN if authorise else ConsentStatus.DECLINED
    consent.answered_at = now


def withdraw_consent(consent: ConsentRequest, checks: list[Check], now: datetime) -> list[Check]:
    """Withdraw a given consent; every open check under it halts. Returns the halted checks."""
    if consent.status is not ConsentStatus.GIVEN:
        raise Conflict("Only a given consent can be withdrawn.", code="not_given")
    consent.status = ConsentStatus.WITHDRAWN
    consent.withdrawn_at = now
    halted = [c for c in checks if c.consent_id == consent.id and c.status in OPEN_CHECKS]
    for check in halted:
        check.status = CheckStatus.HALTED
    return halted


def can_start(consent: ConsentRequest, check_type: str, application_status: S) -> None:
    require_accepted_offer(application_status)
    if consent.status is not ConsentStatus.GIVEN:
        raise Conflict(
            f"A check needs a given consent; this consent is {consent.status.value}.", code="no_consent"
        )
    if check_type not in consent.check_types:
        raise ValidationError(
            f"The candidate consented to {', '.join(consent.check_types)}, not {check_type}.",
            field="check_type",
            code="not_consented",
        )


def record_result(check: Check, result: str, now: datetime) -> None:
    if check.status is not CheckStatus.IN_PROGRESS:
        raise Conflict(f"This check is {check.status.value}; a result needs in_progress.", code="check_state")
    if result not in ("clear", "consider"):
        raise ValidationError("The result must be clear or consider.", field="result")
    check.status = CheckStatus(result)
    check.result_at = now


def send_pre_adverse(check: Check, now: datetime, waiting_business_days: int) -> date:
    if check.status is not CheckStatus.CONSIDER:
        raise Conflict(
            f"A pre-adverse notice follows a 'consider' result; this check is {check.status.value}.",
            code="check_state",
        )
    check.status = CheckStatus.PRE_ADVERSE
    check.respond_by = add_business_days(now, waiting_business_days)
    return check.respond_by


def decide(check: Check, decision: str, now: datetime) -> None:
    if check.status is not CheckStatus.PRE_ADVERSE or check.respond_by is None:
        raise Conflict("A final decision follows the pre-adverse notice.", code="check_state")
    if now.date() <= check.respond_by:
        raise Conflict(
            f"The candidate has until {check.respond_by.isoformat()} to respond; decide after that.",
            code="waiting_period",
        )
    if decision not in ("proceed", "adverse"):
        raise ValidationError("The decision must be proceed or adverse.", field="decision")
    check.status = CheckStatus.PROCEEDED if decision == "proceed" else CheckStatus.ADVERSE
    check.decided_at = now
