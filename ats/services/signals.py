"""The figures operators watch that live in the database (issue 12 item 5), read at scrape
time: global across processes, unlike the per-process counters of ats.metrics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from ats.ports_signals import JobStat, MetricsRepository, OutboxBacklog, RequestCounts


@dataclass(frozen=True)
class Snapshot:
    at: datetime
    outbox: OutboxBacklog
    jobs: list[JobStat]
    requests: RequestCounts


async def snapshot(reader: MetricsRepository, now: datetime, jobs: tuple[str, ...]) -> Snapshot:
    return Snapshot(
        at=now,
        outbox=await reader.outbox_backlog(),
        jobs=await reader.job_stats(jobs),
        # Due dates are calendar dates (DESIGN §11); judged on the UTC date.
        requests=await reader.privacy_request_counts(now.astimezone(UTC).date()),
    )
