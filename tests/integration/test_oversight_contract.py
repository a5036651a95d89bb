"""The console's port (ats.ports_oversight) on the in-memory fake, SQLite and PostgreSQL: one
contract for the forecast counts, overdue rows, hold history, job runs per job, tombstone search,
stale positions and stored-record counts."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from ats.domain.actors import SYSTEM
from ats.ports import JobRunRow, TombstoneRow
from ats.ports_oversight import HoldRow
from ats.services import positions
from ats.services.deps import Deps
from storage.memory import FixedClock, MemoryBlobStore, MemoryKeyProvider, MemoryUnitOfWork
from storage.vault import RecordVault
from tests.unit.test_retention_services import apply

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
        clock = FixedClock(datetime.now(UTC).replace(microsecond=0))
        return Deps(uow=MemoryUnitOfWork(), vault=RecordVault(MemoryKeyProvider(), MemoryBlobStore()), clock=clock)
    return request.getfixturevalue("container").deps


@BACKENDS
async def test_oversight_contract(deps: Deps) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    old = await positions.create_position(deps, SYSTEM, title="Old", jurisdiction="GB")
    new = await positions.create_position(deps, SYSTEM, title="New", jurisdiction="GB")
    ids = [await apply(deps, old.id, f"c{i}@example.com") for i in range(4)]
    async with deps.uow.transaction() as tx:
        await tx.set_legal_hold(ids[2], "Claim")
        await tx.add_hold(HoldRow(uuid.uuid4(), ids[2], "Claim", "user:a", now - timedelta(days=2)))
        await tx.add_hold(HoldRow(uuid.uuid4(), ids[3], "Old claim", "user:a", now - timedelta(days=9)))
        await tx.lift_hold(ids[3], by="user:b", at=now - timedelta(days=1), reason="Settled")
    repo = deps.uow.repo
    # Dates set the way each backend stores them (the piccolo tables; the fake's objects).
    dates = {ids[0]: now + timedelta(days=40), ids[1]: now - timedelta(days=3), ids[2]: now - timedelta(days=5)}
    if hasattr(repo, "state"):
        for app_id, when in dates.items():
            repo.state["applications"][app_id].retention_until = when
        repo.state["positions"][old.id].created_at = now - timedelta(days=500)
    else:
        from storage import tables as t

        for app_id, when in dates.items():
            await t.Application.update({t.Application.retention_until: when}).where(t.Application.id == app_id).run()
        await t.Position.update({t.Position.created_at: now - timedelta(days=500)}).where(t.Position.id == old.id).run()

    assert await repo.count_due_between([now - timedelta(days=10), now, now + timedelta(days=60)]) == [1, 1]  # held left out
    overdue = await repo.overdue(now, 10)
    assert [(o.application_id, o.hold_reason) for o in overdue] == [(ids[2], "Claim"), (ids[1], None)]
    assert await repo.count_overdue_unexplained(now, claims_live_at=now) == 1
    # A worker erasing it right now (a live claim) is not an overdue item; once its lease lapsed
    # (the worker died) it is again, until the next run finishes it.
    async with deps.uow.transaction() as tx:
        claimed = await tx.claim_due(as_of=now, worker="w1", now=now, lease_until=now + timedelta(minutes=5), limit=10)
    assert [c.application_id for c in claimed] == [ids[1]]
    assert await repo.count_overdue_unexplained(now, claims_live_at=now) == 0
    assert await repo.count_overdue_unexplained(now, claims_live_at=now + timedelta(minutes=6)) == 1
    holds = await repo.list_holds(10)
    assert [(h.reason, h.lifted_by, h.lift_reason) for h in holds] == [("Claim", None, None), ("Old claim", "user:b", "Settled")]
    stale = await repo.stale_positions(now - timedelta(days=365))
    assert [(s.position_id, s.waiting) for s in stale] == [(old.id, 4)] and new.id not in {s.position_id for s in stale}
    stored = await repo.stored_records()
    assert ("cv", "GB", 4) in {(t, j, n) for t, j, _, n in stored}

    async with deps.uow.transaction() as tx:
        for job, minutes in (("mail", 1), ("mail", 2), ("mail", 3), ("expire", 5)):
            await tx.add_job_run(JobRunRow(uuid.uuid4(), job, now - timedelta(minutes=minutes), "ok", {}, [], finished_at=now))
    runs = await repo.recent_job_runs(("expire", "mail", "sweep"), 2)
    assert [(r.job, r.started_at) for r in runs] == [
        ("expire", now - timedelta(minutes=5)), ("mail", now - timedelta(minutes=1)), ("mail", now - timedelta(minutes=2)),
    ]
    stone = TombstoneRow(uuid.uuid4(), "APP-TOMB1", old.id, now, None, now, "retention-expired", 2, 2)
    if hasattr(repo, "state"):
        repo.state.setdefault("tombstones", {})[stone.application_id] = stone
    else:
        from storage import tables as t

        await t.Tombstone.insert(t.Tombstone(**vars(stone))).run()
    assert [s.reference for s in await repo.find_tombstones("APP-TOMB1", 5)] == ["APP-TOMB1"]
    assert await repo.find_tombstones("APP-NONE", 5) == []
    assert [s.reference for s in await repo.find_tombstones(None, 5)] == ["APP-TOMB1"]
