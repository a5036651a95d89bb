"""The figures operators watch that live in the database (issue 12 item 5), read at scrape
time: global across processes, unlike the per-process counters of ats.metrics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ats.ports_signals import JobStat, MetricsRepository, OutboxBacklog
from jobs.runs import JOBS


@dataclass(frozen=True)
class Snapshot:
    at: datetime
    outbox: OutboxBacklog
    jobs: list[JobStat]


async def snapshot(reader: MetricsRepository, now: datetime) -> Snapshot:
    return Snapshot(at=now, outbox=await reader.outbox_backlog(), jobs=await reader.job_stats(JOBS))
