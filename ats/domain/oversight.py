"""Pure calculations of the privacy officer's console (issue 11): the months of the erasure
forecast, the chart's bars, why an overdue item was not erased, when a position is stale."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

# An item due but not erased for longer than this is an alert (the expiry job runs daily).
OVERDUE_GRACE = timedelta(days=1)
RESTRICTED_SOURCE = "GDPR Art. 18(1)(c): restricted at the candidate's request, kept unused until lifted"


def add_months(moment: datetime, months: int) -> datetime:
    """The first instant of the month `months` after `moment`'s month (UTC)."""
    index = moment.year * 12 + moment.month - 1 + months
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


def month_bounds(now: datetime, months: int) -> list[datetime]:
    """months + 1 boundaries: now (what is already due is overdue, not upcoming), then the start
    of each following month (UTC)."""
    now = now.astimezone(UTC)
    return [now, *(add_months(now, i) for i in range(1, months + 1))]


def month_label(start: datetime) -> str:
    return f"{start.year:04d}-{start.month:02d}"


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    baseline: float
    top: int  # the value of the highest gridline
    bars: list[Bar]


def chart(points: list[tuple[str, int]], *, width: int = 720, height: int = 240) -> Chart:
    """Bar geometry for the server-rendered SVG (no script: the template draws it)."""
    margin_left, margin_bottom, margin_top = 40, 48, 12
    top = max([c for _, c in points] + [1])
    plot_h = height - margin_bottom - margin_top
    slot = (width - margin_left) / max(len(points), 1)
    baseline = height - margin_bottom
    bars = []
    for i, (label, count) in enumerate(points):
        h = plot_h * count / top
        bars.append(Bar(label, count, margin_left + i * slot + slot * 0.15, baseline - h, slot * 0.7, h))
    return Chart(width, height, baseline, top, bars)


def overdue_reason(
    *, hold_reason: str | None, restricted: bool, erasure_started: bool, last_error: str | None,
    retention_until: datetime, now: datetime,
) -> tuple[str, str]:
    """(why, detail): `held`, `restricted`, `failed`, or `waiting` (due for less than a day:
    the next daily expiry run takes it)."""
    if hold_reason:
        return "held", hold_reason
    if restricted:
        return "restricted", RESTRICTED_SOURCE
    if erasure_started or last_error:
        return "failed", last_error or "erasure started (keys destroyed) but its objects are not all deleted yet"
    if now - retention_until <= OVERDUE_GRACE:
        return "waiting", "due less than a day ago: the next daily expiry run erases it"
    return "failed", "not erased by the expiry runs since it fell due (check the expire job below)"


def stale_cutoff(now: datetime, months: int) -> datetime:
    """Positions opened before this are stale: `months` calendar months back, same day (the
    last day of that month when it has none)."""
    index = now.year * 12 + now.month - 1 - months
    year, month = index // 12, index % 12 + 1
    nxt = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=now.tzinfo)
    last_day = (nxt - timedelta(days=1)).day
    return now.replace(year=year, month=month, day=min(now.day, last_day))


@dataclass(frozen=True)
class OversightConfig:
    """What the console takes from the settings (ats.bootstrap fills it)."""

    stale_position_months: int = 12  # ATS_STALE_POSITION_MONTHS
    storage_region: str = ""  # AWS_REGION: the bucket's region, named in the ROPA
    controller: str = ""  # ATS_CONTROLLER_NAME
    privacy_contact: str = ""  # ATS_PRIVACY_CONTACT
