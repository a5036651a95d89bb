"""Fakes of the operators' ports (ats.ports_signals): metrics reads of a MemoryRepository (same
contract as storage/metrics_repository.py) and a probe that answers or fails on demand."""

from __future__ import annotations

from datetime import date
from typing import Any

from ats.ports_signals import JobStat, OutboxBacklog, RequestCounts
from storage.metrics_repository import job_stat


class MemoryMetrics:
    """Reads a MemoryRepository's state (storage/memory.py), as PiccoloMetrics reads the tables."""

    def __init__(self, repo: Any) -> None:
        self.state: dict[str, dict[Any, Any]] = repo.state

    async def outbox_backlog(self) -> OutboxBacklog:
        pending = [r for r in self.state.get("outbox", {}).values() if r.status == "pending"]
        return OutboxBacklog(len(pending), min((r.created_at for r in pending), default=None))

    async def job_stats(self, jobs: tuple[str, ...]) -> list[JobStat]:
        runs = [r for r in self.state.get("job_runs", {}).values() if r.finished_at is not None]
        stats = []
        for job in jobs:
            mine = sorted((r for r in runs if r.job == job), key=lambda r: r.finished_at, reverse=True)
            last = vars(mine[0]) if mine else None
            ok = next((vars(r) for r in mine if r.status == "ok"), None)
            stats.append(job_stat(job, ok, last))
        return stats

    async def privacy_request_counts(self, today: date) -> RequestCounts:
        requests = list(self.state.get("privacy_requests", {}).values())
        return RequestCounts(
            open=sum(1 for r in requests if r.status.value == "open"),
            overdue=sum(1 for r in requests if r.overdue(today)),
        )


class StaticProbe:
    """Answers, or raises `error` (the fake of storage/probes.py)."""

    def __init__(self, name: str, error: Exception | None = None) -> None:
        self.name = name
        self.error = error

    async def check(self) -> None:
        if self.error is not None:
            raise self.error
