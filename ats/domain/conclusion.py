"""Concluding hiring for a position starts the retention clock of every application to it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ats.domain.errors import Conflict, ValidationError
from ats.domain.model import ApplicationStatus, Position, PositionStatus
from ats.domain.retention import retention_until

OUTCOMES = (PositionStatus.FILLED, PositionStatus.CLOSED, PositionStatus.CANCELLED)
# Applications in these states are finished; any other is still open when hiring concludes.
FINAL_STATES = frozenset(
    {
        ApplicationStatus.HIRED,
        ApplicationStatus.REJECTED,
        ApplicationStatus.WITHDRAWN,
        ApplicationStatus.OFFER_DECLINED,
    }
)
CONCLUDED_REASON = "position concluded"


@dataclass(frozen=True)
class Conclusion:
    outcome: PositionStatus
    concluded_at: datetime
    retention_until: datetime


def conclude(position: Position, outcome: str, at: datetime, *, now: datetime, production: bool) -> Conclusion:
    """Check a conclusion and compute its retention date. `at` defaults to `now` upstream."""
    try:
        status = PositionStatus(outcome)
    except ValueError:
        status = None
    if status not in OUTCOMES:
        raise ValidationError("The outcome must be filled, closed or cancelled.", field="outcome")
    if at.tzinfo is None:
        raise ValidationError("Give the time with a time zone, e.g. 2026-11-22T10:00:00Z.", field="at")
    if production and at < now.replace(microsecond=0) and (now - at).total_seconds() > 60:
        raise ValidationError(
            "A conclusion time in the past is refused in production: it would shorten retention.",
            field="at",
        )
    if at > now:
        raise ValidationError("A conclusion time cannot be in the future.", field="at")
    if not position.is_open:
        raise Conflict(
            f"This position was already concluded ({position.status.value}).", code="already_concluded"
        )
    return Conclusion(outcome=status, concluded_at=at, retention_until=retention_until(at))


def still_open(status: ApplicationStatus) -> bool:
    return status not in FINAL_STATES
