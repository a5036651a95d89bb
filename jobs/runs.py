"""Each job run leaves a row: start, end, counts, errors (the job-run table)."""

from __future__ import annotations

import time
import traceback
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from ats.ports import JobRunRow
from ats.services.deps import Deps

JOBS = ("expire", "retag", "sweep", "mail", "exports", "upkeep", "oversight", "audit")


async def recorded(
    deps: Deps, job: str, work: Callable[[], Awaitable[Any]], *, holder: str | None = None
) -> tuple[JobRunRow, Any]:
    """Run `work`, recording it (with the replica that ran it: jobs/lease.py). Counts come from
    the report's `as_dict()`; errors keep only exception types and ids (no personal data)."""
    run = JobRunRow(
        id=uuid.uuid4(), job=job, started_at=deps.clock.now(), status="running", counts={}, errors=[],
        holder=holder,
    )
    async with deps.uow.transaction() as tx:
        await tx.add_job_run(run)
    report = None
    started = time.perf_counter()
    try:
        report = await work()
        summary = report.as_dict()
        run.counts = {k: v for k, v in summary.items() if isinstance(v, int | bool | str)}
        run.errors = summary.get("errors", [])[:100]
        # `overdue`: the expiry alert of issue 11 (ats.services.dashboard.expire_checked).
        run.status = "failed" if summary.get("failed") or summary.get("overdue") else "ok"
    except Exception as exc:
        run.status = "error"
        run.errors = [{"error": type(exc).__name__, "where": traceback.extract_tb(exc.__traceback__)[-1].name}]
        raise
    finally:
        run.finished_at = deps.clock.now()
        # This process's counters (ats.metrics); the job-run row is what every process reads.
        # Imported here: ats.metrics -> ats.services.signals imports JOBS from this module, so a
        # module-level import is circular whenever jobs.runs is imported first (jobs.scheduler).
        from ats import metrics

        metrics.job_finished(job, run.status, time.perf_counter() - started, run.counts)
        async with deps.uow.transaction() as tx:
            await tx.finish_job_run(run)
    return run, report
