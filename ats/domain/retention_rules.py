"""Retention per record type and jurisdiction (DESIGN §12; the table: ats/policy/retention.json).

Pure: the table's rules, their validation (a rule never below its legal minimum, never beyond the
application's own four-year rule, which erases everything left) and each record's expiry from
its rule and its anchors. Calendar arithmetic is dateutil's relativedelta: a month or a year
added to a day the target month lacks lands on that month's last day (31 January + 1 month =
28/29 February; 29 February + 1 year = 28 February), as ats.domain.retention.add_years does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from dateutil.relativedelta import relativedelta

from ats.domain.model import RecordType
from ats.domain.retention import RETENTION_RULE, RETENTION_YEARS

ANY = "*"  # a rule for every jurisdiction without its own


class Anchor(StrEnum):
    CREATED = "created"  # the record was made (stored)
    HIRING_CONCLUDED = "hiring-concluded"  # the position left `open` (DESIGN §3)
    # 29 CFR 1602.14: "from the date of the making of the record or the personnel action
    # involved, whichever occurs later".
    LATER_OF_CREATED_AND_HIRING_CONCLUDED = "later-of-created-and-hiring-concluded"


_PERIOD = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?$")


@dataclass(frozen=True)
class Period:
    years: int = 0
    months: int = 0
    days: int = 0

    @classmethod
    def parse(cls, text: str) -> Period:
        """ISO 8601 durations of years, months and days only (e.g. P4Y, P6M, P7D)."""
        match = _PERIOD.match(text)
        if not match or text == "P":
            raise ValueError(f"{text!r} is not a period like P4Y, P6M or P7D")
        years, months, days = (int(g or 0) for g in match.groups())
        return cls(years, months, days)

    def iso(self) -> str:
        parts = [f"{n}{unit}" for n, unit in ((self.years, "Y"), (self.months, "M"), (self.days, "D")) if n]
        return "P" + "".join(parts) if parts else "P0D"

    def after(self, moment: datetime) -> datetime:
        return moment + relativedelta(years=self.years, months=self.months, days=self.days)


APPLICATION_PERIOD = Period(years=RETENTION_YEARS)


@dataclass(frozen=True)
class Minimum:
    """A legal floor: the record must be kept at least this long from the same anchor."""

    period: Period
    source: str


@dataclass(frozen=True)
class Rule:
    record_type: RecordType
    jurisdiction: str  # a jurisdiction code or ANY
    anchor: Anchor
    period: Period
    source: str
    minimum: Minimum | None = None

    @property
    def label(self) -> str:
        """The `retention` tag and column (S3 tag values allow letters, digits and + - = . _ : / @)."""
        return f"{self.anchor.value}+{self.period.iso()}"


# Anchors over four years of days (a leap day, every month end): a rule must hold at each.
_PROBE_START = datetime(2024, 1, 1, 12, tzinfo=UTC)
_PROBES = [_PROBE_START + timedelta(days=d) for d in range(366 + 365 * 3)]


def _never_shorter(longer: Period, shorter: Period) -> bool:
    return all(longer.after(p) >= shorter.after(p) for p in _PROBES)


class RetentionTable:
    """The validated table: one rule per (record type, jurisdiction), a default (ANY) per type."""

    def __init__(self, version: str, rules: list[Rule], jurisdictions: set[str]) -> None:
        self.version = version
        self._rules: dict[tuple[RecordType, str], Rule] = {}
        for rule in rules:
            key = (rule.record_type, rule.jurisdiction)
            if key in self._rules:
                raise ValueError(f"two rules for {rule.record_type.value} in {rule.jurisdiction}")
            if rule.jurisdiction != ANY and rule.jurisdiction not in jurisdictions:
                raise ValueError(f"{rule.record_type.value}: unknown jurisdiction {rule.jurisdiction}")
            _check(rule)
            self._rules[key] = rule
        missing = [t.value for t in RecordType if (t, ANY) not in self._rules]
        if missing:
            raise ValueError(f"no default ({ANY}) rule for {', '.join(missing)}")

    def rule_for(self, record_type: RecordType, jurisdiction: str) -> Rule:
        return self._rules.get((record_type, jurisdiction)) or self._rules[(record_type, ANY)]

    def rules(self) -> list[Rule]:
        return sorted(self._rules.values(), key=lambda r: (r.record_type.value, r.jurisdiction))


def _check(rule: Rule) -> None:
    where = f"{rule.record_type.value} in {rule.jurisdiction}"
    if len(rule.source) < 8:
        raise ValueError(f"{where}: every rule cites its source")
    if len(rule.label) > 64:
        raise ValueError(f"{where}: the rule label is longer than the column (64)")
    if rule.minimum is not None and not _never_shorter(rule.period, rule.minimum.period):
        raise ValueError(
            f"{where}: {rule.period.iso()} is below the legal minimum {rule.minimum.period.iso()} "
            f"({rule.minimum.source})"
        )
    # The application's own rule erases every record it still has, so no record's rule may
    # reach beyond it (a longer one would be cut short silently).
    if rule.anchor is not Anchor.CREATED and not _never_shorter(APPLICATION_PERIOD, rule.period):
        raise ValueError(f"{where}: {rule.period.iso()} outlives the application's {RETENTION_RULE}")


def record_expiry(rule: Rule, *, created_at: datetime, hiring_concluded_at: datetime | None) -> datetime | None:
    """When a record under `rule` expires (UTC), or None while its anchor is still to come
    (hiring not concluded: the `expires-on` tag stays `pending`)."""
    if created_at.tzinfo is None or (hiring_concluded_at is not None and hiring_concluded_at.tzinfo is None):
        raise ValueError("times must be timezone-aware")
    if rule.anchor is Anchor.CREATED:
        anchor: datetime | None = created_at
    elif hiring_concluded_at is None:
        anchor = None
    elif rule.anchor is Anchor.HIRING_CONCLUDED:
        anchor = hiring_concluded_at
    else:
        anchor = max(created_at, hiring_concluded_at)
    return None if anchor is None else rule.period.after(anchor.astimezone(UTC))


def is_record_due(expires_at: datetime | None, now: datetime, *, held: bool, restricted: bool) -> bool:
    """A record's own rule has run out and nothing on its application blocks its erasure."""
    return expires_at is not None and not held and not restricted and now >= expires_at

