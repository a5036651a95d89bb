"""The long-running schedule (`ats jobs run`, and in-process for the embedded server):
expiry daily, re-tagging and the orphan sweep hourly. Each run is recorded; a failing run is
logged by id and type only and retried at its next slot."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from ats.services import expiry, mail, retention, sweep
from ats.services.deps import Deps
from jobs.runs import recorded

log = logging.getLogger("ats.jobs")


@dataclass(frozen=True)
class Schedule:
    job: str
    every: timedelta
    work: Callable[[Deps], Awaitable[Any]]


def default_schedule(*, production: bool) -> list[Schedule]:
    return [
        Schedule("retag", timedelta(hours=1), lambda d: retention.retag(d)),
        Schedule("sweep", timedelta(hours=1), lambda d: sweep.sweep_orphans(d)),
        Schedule("expire", timedelta(days=1), lambda d: expiry.erase_due(d, production=production)),
        # What the after-commit send could not deliver, with backoff (ats.services.mail).
        Schedule("mail", timedelta(minutes=1), lambda d: mail.deliver(d)),
    ]


async def run_schedule(deps: Deps, schedule: list[Schedule], *, stop: asyncio.Event | None = None) -> None:
    """Run every job once at start, then each at its interval, until `stop` is set."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    due = {s.job: loop.time() for s in schedule}
    while not stop.is_set():
        for item in schedule:
            if loop.time() >= due[item.job]:
                due[item.job] = loop.time() + item.every.total_seconds()
                try:
                    run, _ = await recorded(deps, item.job, lambda item=item: item.work(deps))
                    log.info("job %s run %s: %s %s", item.job, run.id, run.status, run.counts)
                except Exception as exc:
                    log.error("job %s failed: %s", item.job, type(exc).__name__)
        wait = max(0.0, min(due.values()) - loop.time())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=min(wait, 60))
