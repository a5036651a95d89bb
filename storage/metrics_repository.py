"""Piccolo queries behind the metrics gauges (ats.ports_signals.MetricsRepository). Read at scrape
time, so they are global: every process's rows count. Outside any transaction (read-only, one
statement each), so it stands apart from PiccoloRepository and its unit of work."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from piccolo.query.methods.select import Count, Min

from ats.ports_signals import JobStat, OutboxBacklog, RequestCounts
from storage import tables as t

PENDING = "pending"


def _counts(value: Any) -> dict[str, int]:
    data = json.loads(value) if isinstance(value, str) else (value or {})
    return {k: v for k, v in data.items() if isinstance(v, int) and not isinstance(v, bool)}


def job_stat(job: str, ok: dict[str, Any] | None, last: dict[str, Any] | None) -> JobStat:
    started: datetime | None = last["started_at"] if last else None
    finished: datetime | None = last["finished_at"] if last else None
    return JobStat(
        job=job,
        last_success_at=ok["finished_at"] if ok else None,
        last_finished_at=finished,
        last_duration_seconds=(finished - started).total_seconds() if started and finished else None,
        last_status=last["status"] if last else None,
        last_counts=_counts(last["counts"]) if last else {},
    )


class PiccoloMetrics:
    async def outbox_backlog(self) -> OutboxBacklog:
        row = await (
            t.Outbox.select(Count(t.Outbox.id, alias="pending"), Min(t.Outbox.created_at, alias="oldest"))
            .where(t.Outbox.status == PENDING)
            .first()
            .run()
        )
        oldest = row["oldest"] if row else None
        if isinstance(oldest, str):  # SQLite hands an aggregate back as stored text
            oldest = datetime.fromisoformat(oldest)
        return OutboxBacklog(pending=int(row["pending"]) if row else 0, oldest_created_at=oldest)

    async def job_stats(self, jobs: tuple[str, ...]) -> list[JobStat]:
        # Two indexed lookups per job (job_runs.job is indexed), whatever the table holds.
        stats = []
        for job in jobs:
            finished = (t.JobRun.job == job) & t.JobRun.finished_at.is_not_null()
            columns = (t.JobRun.started_at, t.JobRun.finished_at, t.JobRun.status, t.JobRun.counts)
            last = await (
                t.JobRun.select(*columns).where(finished).order_by(t.JobRun.finished_at, ascending=False).first().run()
            )
            ok = last if last and last["status"] == "ok" else await (
                t.JobRun.select(t.JobRun.finished_at)
                .where(finished & (t.JobRun.status == "ok"))
                .order_by(t.JobRun.finished_at, ascending=False)
                .first()
                .run()
            )
            stats.append(job_stat(job, ok, last))
        return stats

    async def privacy_request_counts(self, today: date) -> RequestCounts:
        # ats.domain.privacy_requests.PrivacyRequest.overdue, as one WHERE clause: open, and
        # the extended due date (else the first one) before today.
        table = t.PrivacyRequest
        is_open = table.status == "open"
        late = (table.extended_due_on.is_null() & (table.due_on < today)) | (table.extended_due_on < today)
        opened = await table.count().where(is_open).run()
        overdue = await table.count().where(is_open & late).run()
        return RequestCounts(open=opened, overdue=overdue)
