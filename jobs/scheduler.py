"""The long-running schedule (`ats jobs run`, and in-process for the embedded server):
expiry daily, re-tagging and the orphan sweep hourly, mail every minute. Each job runs once per
slot however many replicas run the schedule (jobs/lease.py). Each run is recorded with the
replica that ran it; a failing run is logged by id and type only and retried at its next slot."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ats.services import audit, dashboard, exports, mail, retention, stale, sweep, upkeep
from ats.services.deps import Deps
from jobs import lease
from jobs.runs import recorded

log = logging.getLogger("ats.jobs")

# The longest sleep between passes: a clock step (NTP, a suspended VM) is noticed within this.
MAX_SLEEP = 60.0


@dataclass(frozen=True)
class Schedule:
    job: str
    every: timedelta
    work: Callable[[Deps], Awaitable[Any]]


def default_schedule(*, production: bool) -> list[Schedule]:
    return [
        Schedule("retag", timedelta(hours=1), lambda d: retention.retag(d)),
        Schedule("sweep", timedelta(hours=1), lambda d: sweep.sweep_orphans(d)),
        # Data-subject exports are kept 7 days (DESIGN §11); purged within the hour after.
        Schedule("exports", timedelta(hours=1), lambda d: exports.purge_expired(d)),
        # Fails (recorded, alerting) when anything due for over a day is still stored unexplained.
        Schedule("expire", timedelta(days=1), lambda d: dashboard.expire_checked(d, production=production)),
        # What the after-commit send could not deliver, with backoff (ats.services.mail).
        Schedule("mail", timedelta(minutes=1), lambda d: mail.deliver(d)),
        # Old job runs purged, ended requests' addresses pseudonymised (ats.services.upkeep).
        Schedule("upkeep", timedelta(days=1), lambda d: upkeep.run(d)),
        # Stale positions counted, hold history of erased applications purged (ats.services.stale).
        Schedule("oversight", timedelta(days=1), lambda d: stale.daily(d)),
        # A signed checkpoint of the audit chain's head to S3 (ats.services.audit; also at shutdown).
        Schedule("audit", timedelta(hours=1), lambda d: audit.checkpoint(d)),
    ]


async def run_due(deps: Deps, schedule: list[Schedule], holder: str) -> datetime:
    """One pass: run each job whose lease for the current slot this replica takes. Returns when
    the next slot of any job starts."""
    for item in schedule:
        try:
            if not await lease.take(deps, item.job, item.every, holder):
                continue  # another replica has this slot (or this one ran it already)
            run, _ = await recorded(deps, item.job, lambda item=item: item.work(deps), holder=holder)
            log.info("job %s run %s: %s %s", item.job, run.id, run.status, run.counts)
        except Exception as exc:
            log.error("job %s failed: %s", item.job, type(exc).__name__)
    now = deps.clock.now()
    return min(lease.slot_of(now, item.every)[1] for item in schedule)


async def run_schedule(
    deps: Deps, schedule: list[Schedule], *, stop: asyncio.Event | None = None, holder: str | None = None
) -> None:
    """Run each job in every slot this replica wins (the current one at start), until `stop`."""
    stop = stop or asyncio.Event()
    holder = holder or lease.replica_name()
    log.info("scheduler %s started", holder)
    while not stop.is_set():
        wake = await run_due(deps, schedule, holder)
        wait = (wake - deps.clock.now()).total_seconds()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=min(max(wait, 0.0), MAX_SLEEP))
