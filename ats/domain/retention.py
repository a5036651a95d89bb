"""Retention rule (DESIGN §4 invariant 4): hiring concluded + 4 calendar years."""

from __future__ import annotations

from datetime import UTC, datetime

RETENTION_YEARS = 4
RETENTION_RULE = f"hiring-concluded+P{RETENTION_YEARS}Y"
PENDING = "pending"


def add_years(moment: datetime, years: int) -> datetime:
    """Calendar years; 29 February falls back to 28 February when the target year has none."""
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:
        return moment.replace(year=moment.year + years, day=28)


def retention_until(hiring_concluded_at: datetime) -> datetime:
    if hiring_concluded_at.tzinfo is None:
        raise ValueError("hiring_concluded_at must be timezone-aware")
    # Stored and compared in UTC, so every adapter derives the same `expires-on` date.
    return add_years(hiring_concluded_at.astimezone(UTC), RETENTION_YEARS)


def expires_on_tag(until: datetime | None) -> str:
    """The `expires-on` tag: a date once hiring concludes, else `pending`."""
    return until.astimezone(UTC).date().isoformat() if until is not None else PENDING


def is_due(until: datetime | None, now: datetime, *, on_hold: bool) -> bool:
    return until is not None and not on_hold and now >= until
