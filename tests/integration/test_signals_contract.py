"""Contract of the metrics reads (ats.ports_signals.MetricsRepository): the in-memory fake and
the piccolo adapter on SQLite and PostgreSQL agree."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from ats.ports import JobRunRow, OutboxRow
from storage.memory import MemoryUnitOfWork
from storage.memory_signals import MemoryMetrics
from storage.metrics_repository import PiccoloMetrics

BACKENDS = pytest.mark.parametrize(
    ("backend", "database_url"),
    [
        pytest.param("memory", "sqlite", id="memory"),
        pytest.param("piccolo", "sqlite", id="piccolo-sqlite"),
        pytest.param("piccolo", "postgresql", id="piccolo-postgresql"),
    ],
    indirect=["database_url"],
)
T0 = datetime(2026, 3, 1, 9, 0, 0, tzinfo=UTC)


@pytest.fixture
def world(request: pytest.FixtureRequest, backend: str, database_url: str) -> tuple[Any, Any]:
    if backend == "memory":
        uow = MemoryUnitOfWork()
        return uow, MemoryMetrics(uow.repo)
    return request.getfixturevalue("container").deps.uow, PiccoloMetrics()


def _run(job: str, status: str, start: datetime, seconds: float | None, **counts: Any) -> JobRunRow:
    finished = start + timedelta(seconds=seconds) if seconds is not None else None
    return JobRunRow(uuid4(), job, start, status, dict(counts), [], finished)


@BACKENDS
async def test_job_stats_per_job_in_the_order_asked(world: tuple[Any, Any]) -> None:
    uow, reader = world
    runs = [
        _run("expire", "ok", T0, 30, erased=3, held=1, dry_run=False, as_of="x"),
        _run("expire", "failed", T0 + timedelta(days=1), 12.5, erased=1, failed=2),
        _run("expire", "running", T0 + timedelta(days=2), None),  # not finished: not counted
        _run("mail", "ok", T0, 1),
    ]
    async with uow.transaction() as tx:
        for run in runs:
            await tx.add_job_run(run)
            await tx.finish_job_run(run)
    expire, sweep, mail = await reader.job_stats(("expire", "sweep", "mail"))
    assert expire.job == "expire" and expire.last_status == "failed"
    assert expire.last_success_at == T0 + timedelta(seconds=30)
    assert expire.last_finished_at == T0 + timedelta(days=1, seconds=12.5)
    assert expire.last_duration_seconds == 12.5
    assert expire.last_counts == {"erased": 1, "failed": 2}  # integers only: no flags, no text
    assert (sweep.last_status, sweep.last_success_at, sweep.last_counts) == (None, None, {})
    assert mail.last_status == "ok" and mail.last_success_at == T0 + timedelta(seconds=1)


@BACKENDS
async def test_outbox_backlog_counts_pending_messages_only(world: tuple[Any, Any]) -> None:
    uow, reader = world
    assert (await reader.outbox_backlog()).pending == 0
    rows = [
        OutboxRow(uuid4(), "privacy.code", None, T0 + timedelta(minutes=i), b"sealed", False, next_attempt_at=T0)
        for i in range(3)
    ]
    async with uow.transaction() as tx:
        for row in rows:
            await tx.add_outbox(row)
        await tx.outbox_finished(rows[0].id, status="delivered", at=T0, error=None)
    backlog = await reader.outbox_backlog()
    assert backlog.pending == 2 and backlog.oldest_created_at == T0 + timedelta(minutes=1)


@BACKENDS
async def test_privacy_requests_open_and_overdue(world: tuple[Any, Any]) -> None:
    from datetime import date

    from ats.domain.privacy_requests import PrivacyRequest, RequestStatus

    uow, reader = world
    today = date(2026, 4, 10)

    def request(status: RequestStatus, due: date | None, extended: date | None = None) -> PrivacyRequest:
        return PrivacyRequest(
            uuid4(), "access", status, "someone@example.com", None, None, T0, due_on=due, extended_due_on=extended
        )

    async with uow.transaction() as tx:
        for item in (
            request(RequestStatus.OPEN, date(2026, 4, 9)),  # overdue
            request(RequestStatus.OPEN, date(2026, 4, 10)),  # due today: not yet overdue
            request(RequestStatus.OPEN, date(2026, 4, 1), extended=date(2026, 6, 1)),  # extended: on time
            request(RequestStatus.OPEN, date(2026, 2, 1), extended=date(2026, 4, 1)),  # extended, overdue
            request(RequestStatus.FULFILLED, date(2026, 3, 1)),  # decided: neither
            request(RequestStatus.AWAITING_VERIFICATION, None),  # the clock has not started
        ):
            await tx.add_privacy_request(item)
    counts = await reader.privacy_request_counts(today)
    assert (counts.open, counts.overdue) == (4, 2)
