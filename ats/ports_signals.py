"""Ports of the operators' signals (issue 12 item 5): readiness probes and the few database
reads behind the metrics gauges. Adapters: storage/probes.py and storage/metrics_repository.py;
fakes: storage/memory_signals.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol


class Probe(Protocol):
    """One dependency a ready instance needs. `check` raises when it does not answer."""

    name: str  # short and fixed ("database", "s3"): it is shown to anyone asking /readyz

    async def check(self) -> None: ...


@dataclass(frozen=True)
class JobStat:
    """A job's latest runs as the job-run table records them (every process's runs)."""

    job: str
    last_success_at: datetime | None  # end of the latest run with status "ok"
    last_finished_at: datetime | None  # end of the latest finished run, whatever its status
    last_duration_seconds: float | None  # of that latest finished run
    last_status: str | None
    last_counts: dict[str, int]  # the integer counts of that run's report (erased, held, ...)


@dataclass(frozen=True)
class OutboxBacklog:
    pending: int  # messages waiting for delivery (first attempt or a retry)
    oldest_created_at: datetime | None


@dataclass(frozen=True)
class RequestCounts:
    """Data-subject requests (DESIGN §11) open now, and those of them past their current due
    date (the extended one when there is one)."""

    open: int
    overdue: int


class MetricsRepository(Protocol):
    """Global figures read at scrape time (storage/metrics_repository.py; fake:
    storage/memory_signals.py). A fixed number of statements whatever the table sizes."""

    async def outbox_backlog(self) -> OutboxBacklog: ...
    async def job_stats(self, jobs: tuple[str, ...]) -> list[JobStat]:
        """One JobStat per name in `jobs`, in that order (all None when it never ran)."""
        ...
    async def privacy_request_counts(self, today: date) -> RequestCounts: ...
