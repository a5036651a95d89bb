"""The daily upkeep (ats.services.upkeep, ats.ports_upkeep) on the in-memory fake, SQLite and
PostgreSQL: old job runs purged but each job's latest and latest successful run kept; ended
data-subject requests keep a keyed digest of the address after 90 days, never the address;
open ones and recent ones untouched."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest

from ats.domain.privacy_requests import PrivacyRequest, RequestStatus
from ats.ports import JobRunRow
from ats.services import upkeep
from ats.services.deps import Deps
from storage.memory import FixedClock, MemoryBlobStore, MemoryKeyProvider, MemoryUnitOfWork
from storage.vault import RecordVault

BACKENDS = pytest.mark.parametrize(
    ("backend", "database_url"),
    [
        pytest.param("memory", "sqlite", id="memory"),
        pytest.param("piccolo", "sqlite", id="piccolo-sqlite"),
        pytest.param("piccolo", "postgresql", id="piccolo-postgresql"),
    ],
    indirect=["database_url"],
)


@pytest.fixture
def deps(request: pytest.FixtureRequest, backend: str, database_url: str) -> Deps:
    if backend == "memory":
        from datetime import UTC

        clock = FixedClock(datetime.now(UTC).replace(microsecond=0))
        return Deps(uow=MemoryUnitOfWork(), vault=RecordVault(MemoryKeyProvider(), MemoryBlobStore()), clock=clock)
    return request.getfixturevalue("container").deps


def _run(job: str, finished: datetime | None, status: str = "ok", started: datetime | None = None) -> JobRunRow:
    start = started or (finished - timedelta(seconds=2) if finished else None)
    return JobRunRow(uuid.uuid4(), job, start, status, {}, [], finished_at=finished)


def _request(status: RequestStatus, received: datetime, decided: datetime | None = None) -> PrivacyRequest:
    return PrivacyRequest(
        id=uuid.uuid4(), kind="access", status=status, email=f"p{uuid.uuid4().hex[:8]}@example.com",
        reference=None, details="my name is Ada", received_at=received, decided_at=decided,
        decision="fulfil" if decided else None,
    )


@BACKENDS
async def test_old_job_runs_are_purged_but_each_jobs_latest_and_latest_success_kept(deps: Deps) -> None:
    now = deps.clock.now()
    old, older, recent = now - timedelta(days=40), now - timedelta(days=50), now - timedelta(days=1)
    mail_recent, mail_old = _run("mail", recent), _run("mail", old)
    expire_ok, expire_failed = _run("expire", older), _run("expire", old, status="failed")
    expire_oldest = _run("expire", now - timedelta(days=60))
    crashed = _run("retag", None, status="running", started=old)
    sweep_only = _run("sweep", old)  # its job's only run: kept
    runs = [mail_recent, mail_old, expire_ok, expire_failed, expire_oldest, crashed, sweep_only]
    async with deps.uow.transaction() as tx:
        for run in runs:
            await tx.add_job_run(run)

    report = await upkeep.run(deps)
    kept = {r.id for r in await deps.uow.repo.list_job_runs(100)}
    # expire: the latest (failed) and the latest successful stay; /metrics reads both.
    assert kept == {mail_recent.id, expire_ok.id, expire_failed.id, sweep_only.id}
    assert report.job_runs_deleted == 3 and report.as_dict()["job_runs_deleted"] == 3
    assert (await upkeep.run(deps)).job_runs_deleted == 0


@BACKENDS
async def test_ended_requests_keep_a_keyed_digest_of_the_address_not_the_address(deps: Deps) -> None:
    now = deps.clock.now()
    long_ago, lately = now - timedelta(days=200), now - timedelta(days=10)
    decided_long_ago = _request(RequestStatus.FULFILLED, long_ago, long_ago + timedelta(days=20))
    refused_lately = _request(RequestStatus.REFUSED, long_ago, lately)  # ended 10 days ago: kept
    unverified = _request(RequestStatus.AWAITING_VERIFICATION, long_ago)
    still_open = _request(RequestStatus.OPEN, long_ago)
    closed = _request(RequestStatus.CLOSED, long_ago)  # five wrong codes: never decided
    rows = [decided_long_ago, refused_lately, unverified, still_open, closed]
    async with deps.uow.transaction() as tx:
        for row in rows:
            await tx.add_privacy_request(row)

    report = await upkeep.run(deps)
    assert report.requests_pseudonymised == 3
    key = upkeep.digest_key(deps.requests.code_key)
    for row in (decided_long_ago, unverified, closed):
        after = await deps.uow.repo.get_privacy_request(row.id)
        assert after.email == "" and after.details is None
        assert after.email_digest == upkeep.email_digest(key, row.email) != upkeep.email_digest(key, "x@example.com")
        assert (after.kind, after.status, after.received_at) == (row.kind, row.status, row.received_at)
    for row in (refused_lately, still_open):
        after = await deps.uow.repo.get_privacy_request(row.id)
        assert (after.email, after.details, after.email_digest) == (row.email, row.details, None)
    events = [e for e in await deps.uow.repo.list_audit() if e.action == "privacy_request.email_pseudonymised"]
    assert sorted(e.details["request"] for e in events) == sorted(str(r.id) for r in (decided_long_ago, unverified, closed))
    assert all("@" not in str(e.details) for e in events)
    assert (await upkeep.run(deps)).requests_pseudonymised == 0  # idempotent
