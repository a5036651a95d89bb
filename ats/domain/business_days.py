"""Business-day arithmetic for waiting periods (weekends skipped; public holidays are not
modelled, so a period can end one holiday early: the policy text says 'at least')."""

from __future__ import annotations

from datetime import date, datetime, timedelta


def add_business_days(start: date | datetime, days: int) -> date:
    """The date `days` business days after `start` (Saturday and Sunday skipped)."""
    if days < 0:
        raise ValueError("days must not be negative")
    current = start.date() if isinstance(start, datetime) else start
    added = 0
    while added < days:
        current += timedelta(days=1)
        if current.weekday() < 5:
            added += 1
    return current
