"""The retention dashboard (issue 11 item 2, DESIGN §8: privacy officers only): erasures
forecast per month for the next 24 months, overdue items with why they were not erased, legal
holds with their history, each job's last runs, erasure receipts (tombstones) by reference, and
stale positions. Alerts (item 4): a job whose latest run failed, or an item overdue for more
than a day that is neither held nor restricted; `expire_checked` makes the expiry job itself
fail on the latter, so its exit code and `ats_job_last_run_ok` carry it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import anyio

from ats.domain.actors import Actor
from ats.domain.errors import NotFound, ValidationError
from ats.domain.model import Role
from ats.domain.oversight import OVERDUE_GRACE, overdue_reason
from ats.ports import JobRunRow, TombstoneRow
from ats.ports_oversight import HoldRow, OverdueRow, StaleRow
from ats.services import access, expiry, record_retention, stale
from ats.services.deps import Deps

MONTHS = 24
RUNS_PER_JOB = 5
LISTED = 200  # overdue items, holds and receipts shown at most (the counts say how many more)
REFERENCE = re.compile(r"^[A-Za-z0-9-]{1,20}$")


@dataclass(frozen=True)
class Overdue:
    item: OverdueRow
    why: str  # held | restricted | failed | waiting
    detail: str


@dataclass
class Dashboard:
    now: datetime
    months: list[record_retention.UpcomingMonth]
    overdue: list[Overdue]
    alert_overdue: int  # due for more than a day, neither held nor restricted
    holds: list[HoldRow]
    runs: dict[str, list[JobRunRow]]
    failing_jobs: list[str]
    receipts: list[TombstoneRow]
    reference: str | None
    stale_cutoff: datetime
    stale: list[StaleRow]
    alerts: list[str] = field(default_factory=list)


def _officer(actor: Actor) -> None:
    if access.role_of(actor) is not Role.PRIVACY_OFFICER:
        raise NotFound("This page does not exist.")


def clean_reference(reference: object) -> str | None:
    """A receipt search term: an application reference, or nothing (the latest receipts)."""
    text = reference.strip().upper() if isinstance(reference, str) else ""
    if not text:
        return None
    if not REFERENCE.match(text):
        raise ValidationError("A reference has letters, digits and dashes only (at most 20).", field="reference")
    return text


async def dashboard(deps: Deps, actor: Actor, *, reference: object = None) -> Dashboard:
    _officer(actor)
    wanted = clean_reference(reference)
    repo = deps.uow.repo
    now = deps.clock.now()
    from jobs.runs import JOBS  # jobs.runs imports the services: imported here, not at module load

    jobs = tuple(dict.fromkeys((*JOBS, "oversight")))
    runs: dict[str, list[JobRunRow]] = {job: [] for job in jobs}
    for run in await repo.recent_job_runs(jobs, RUNS_PER_JOB):
        runs[run.job].append(run)
    failing = [job for job, rs in runs.items() if _latest_finished(rs) not in (None, "ok")]
    last_errors = _expiry_errors(runs.get("expire", []))
    overdue = [
        Overdue(item, *overdue_reason(
            hold_reason=item.hold_reason,
            restricted=item.restricted,
            erasure_started=item.erasure_started,
            last_error=last_errors.get(str(item.application_id)),
            retention_until=item.retention_until,
            now=now,
        ))
        for item in await repo.overdue(now, LISTED)
    ]
    alert_overdue = await repo.count_overdue_unexplained(now - OVERDUE_GRACE, claims_live_at=now)
    cutoff, stale_rows = await stale.stale_positions(deps)
    board = Dashboard(
        now=now,
        months=await record_retention.upcoming(deps, actor, MONTHS),
        overdue=overdue,
        alert_overdue=alert_overdue,
        holds=await repo.list_holds(LISTED),
        runs=runs,
        failing_jobs=failing,
        receipts=await repo.find_tombstones(wanted, 20 if wanted is None else LISTED),
        reference=wanted,
        stale_cutoff=cutoff,
        stale=stale_rows,
    )
    board.alerts = [f"The latest run of the {job} job did not succeed." for job in failing]
    if alert_overdue:
        board.alerts.append(
            f"{alert_overdue} application(s) overdue for more than a day are neither held nor restricted."
        )
    if stale_rows:
        board.alerts.append(f"{len(stale_rows)} position(s) open since before {cutoff.date().isoformat()}.")
    # A read of references and hold reasons: audited, ids only (DESIGN §8).
    await deps.audit(actor, "oversight.dashboard_viewed", details={"reference_search": wanted is not None})
    return board


def _latest_finished(runs: list[JobRunRow]) -> str | None:
    finished = [r for r in runs if r.finished_at is not None]
    return max(finished, key=lambda r: r.finished_at).status if finished else None


def _expiry_errors(runs: list[JobRunRow]) -> dict[str, str]:
    """application id -> its error in the latest finished expiry run (ids only are stored)."""
    finished = [r for r in runs if r.finished_at is not None]
    if not finished:
        return {}
    latest = max(finished, key=lambda r: r.finished_at)
    return {
        str(e["application_id"]): f"{e.get('error', 'failed')} (expiry run {latest.finished_at.date().isoformat()})"
        for e in latest.errors
        if isinstance(e, dict) and e.get("application_id")
    }


@dataclass
class CheckedExpiry(expiry.ExpiryReport):
    """The expiry report with the alert of issue 11 item 4: items due for more than a day,
    neither held nor restricted, still stored after the run. Non-zero makes the run `failed`
    (jobs/runs.py) and `ats jobs expire` exit 1."""

    overdue: int = 0

    def as_dict(self) -> dict:
        return {**super().as_dict(), "overdue": self.overdue}


async def expire_checked(deps: Deps, **kwargs: Any) -> CheckedExpiry:
    report = await expiry.erase_due(deps, **kwargs)
    checked = CheckedExpiry(**vars(report))
    if not report.dry_run:
        checked.overdue = await _overdue_after_run(deps)
    return checked


# A parallel worker's claim transaction (PostgreSQL, FOR UPDATE SKIP LOCKED) can hold rows this
# run skipped and not have committed yet: they look unclaimed for a few milliseconds. A count
# above zero is looked at again a moment later before it is reported, so parallel runs do not
# alarm each other; rows that stay due and unclaimed are real.
SETTLE_CHECKS = 3
SETTLE_PAUSE_S = 0.25


async def _overdue_after_run(deps: Deps) -> int:
    overdue = 0
    for attempt in range(SETTLE_CHECKS):
        if attempt:
            await anyio.sleep(SETTLE_PAUSE_S)
        now = deps.clock.now()
        # Applications another worker holds a live claim on are that worker's to finish.
        overdue = await deps.uow.repo.count_overdue_unexplained(now - OVERDUE_GRACE, claims_live_at=now)
        if not overdue:
            break
    return overdue
