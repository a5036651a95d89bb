"""Due dates of data-subject requests (DESIGN §11). Pure: every function takes its dates.

The first deadline is the policy's promise, "within one month", counted as the ICO counts a
month: "the corresponding calendar date in the next month", or "the last day of the following
month" when that date does not exist, and "if the corresponding date falls on a weekend or a
public holiday, you have until the next working day" (ICO, "Right of access: Time limits for
responding to data subject access requests"; UK GDPR and GDPR Art. 12(3); the month counted
from the day the identity is verified, DESIGN §11). Public holidays come from the maintained
`holidays` library for the jurisdiction's calendar (country and subdivision).

Each law also has its own limits (ats/policy/jurisdictions.json, `requests`): a first limit
(GDPR/UK GDPR one month, CCPA 45 days, PIPEDA 30 days, DPDP 90 days) that the promise may not
pass, and a final limit that an extension may not pass (GDPR Art. 12(3): two further months;
CCPA § 1798.130(a)(2)(A): once, 45 more days; PIPEDA s.8(4): 30 more days). Where several laws
apply to one person (applications in several jurisdictions), the strictest wins: the earliest
dates and the fewest months.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import holidays

from ats.domain.errors import ValidationError

POLICY_MONTHS = 1  # the privacy notice: "we ... answer within one month"


@dataclass(frozen=True)
class Period:
    """A length of time in one unit: calendar months (ICO rule) or calendar days."""

    months: int = 0
    days: int = 0

    def after(self, start: date) -> date:
        return add_months(start, self.months) + timedelta(days=self.days)


@dataclass(frozen=True)
class RequestRules:
    """One jurisdiction's request rules (the `requests` block of the policy table)."""

    code: str
    first_limit: Period  # the law's own first deadline, counted from verification
    final_limit: Period  # the latest an extension may reach, counted from the same day
    extension_months: int  # the most months one extension may add
    holiday_country: str
    holiday_subdiv: str | None
    source: str


@dataclass(frozen=True)
class Deadline:
    due_on: date  # the first deadline
    latest_on: date  # the latest date an extension may reach
    extension_months: int
    jurisdictions: tuple[str, ...]


def add_months(start: date, months: int) -> date:
    """The corresponding date `months` later, or that month's last day when there is none
    (31 January + 1 month = 28 or 29 February)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


@lru_cache(maxsize=64)
def _calendar(country: str, subdiv: str | None, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays(country, subdiv=subdiv, years=(year, year + 1)))


def is_working_day(day: date, rules: RequestRules) -> bool:
    if day.weekday() >= 5:
        return False
    return day not in _calendar(rules.holiday_country, rules.holiday_subdiv, day.year)


def next_working_day(day: date, rules: RequestRules) -> date:
    """`day` itself when it is a working day, else the first working day after it."""
    while not is_working_day(day, rules):
        day += timedelta(days=1)
    return day


def previous_working_day(day: date, rules: RequestRules) -> date:
    while not is_working_day(day, rules):
        day -= timedelta(days=1)
    return day


def _within(promised: date, limit: date, rules: RequestRules) -> date:
    """The promised date moved to a working day, never past the law's own limit: moving it
    forward over a weekend must not break a shorter statutory period (PIPEDA's 30 days)."""
    moved = next_working_day(promised, rules)
    if moved <= limit:
        return moved
    return previous_working_day(limit, rules)


def _limit(period: Period, start: date, rules: RequestRules) -> date:
    """A law's limit as a date. Months follow the ICO's rule (a limit on a weekend or holiday
    moves to the next working day); a count of days is taken as written (no such move)."""
    end = period.after(start)
    return next_working_day(end, rules) if period.days == 0 else end


def deadline(verified_on: date, applicable: Iterable[RequestRules]) -> Deadline:
    """The first deadline and the extension limit for a request verified on `verified_on`,
    under every law in `applicable` (the strictest wins). At least one rule set is needed (the
    policy's default jurisdiction for an address that holds no data)."""
    rules = list(applicable)
    if not rules:
        raise ValueError("at least one jurisdiction's request rules are needed")
    due = min(_within(add_months(verified_on, POLICY_MONTHS), _limit(r.first_limit, verified_on, r), r) for r in rules)
    latest = min(previous_working_day(_limit(r.final_limit, verified_on, r), r) for r in rules)
    return Deadline(
        due_on=due,
        latest_on=max(latest, due),
        extension_months=min(r.extension_months for r in rules),
        jurisdictions=tuple(sorted({r.code for r in rules})),
    )


def extend(
    *,
    verified_on: date,
    due_on: date,
    today: date,
    months: object,
    applicable: Iterable[RequestRules],
    already_extended: bool,
) -> date:
    """The new due date of an extension by `months`, or ValidationError when the law does not
    allow it: after the current due date (GDPR Art. 12(3): the person is told "within one month
    of receipt"), a second time, or past the strictest law's limit."""
    rules = list(applicable)
    limits = deadline(verified_on, rules)
    if isinstance(months, bool) or not isinstance(months, int) or months < 1:
        raise ValidationError("Give months as a whole number of at least 1.", field="months")
    if today > due_on:
        raise ValidationError(
            f"The due date ({due_on.isoformat()}) has passed: an extension must be made before it.",
            field="months",
            code="extension_too_late",
        )
    if already_extended:
        raise ValidationError("This request has been extended already.", field="months", code="already_extended")
    if months > limits.extension_months:
        raise ValidationError(
            f"The law that applies allows at most {limits.extension_months} further month(s) "
            f"({', '.join(limits.jurisdictions)}; until {limits.latest_on.isoformat()} at the latest).",
            field="months",
            code="extension_not_allowed",
        )
    new_due = min(
        _within(add_months(verified_on, POLICY_MONTHS + months), limits.latest_on, r) for r in rules
    )
    return min(max(new_due, due_on), limits.latest_on)
