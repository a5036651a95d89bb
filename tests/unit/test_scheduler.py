"""The schedule runs every job once at start, records each run, and stops when told."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

from ats.domain.actors import SYSTEM
from ats.services import applications, positions, retention
from ats.services.applications import Upload
from ats.services.deps import Deps
from jobs.scheduler import default_schedule, run_schedule
from storage.memory import FixedClock, MemoryBlobStore, MemoryKeyProvider, MemoryUnitOfWork
from storage.vault import RecordVault


async def test_every_job_runs_and_is_recorded() -> None:
    deps = Deps(
        uow=MemoryUnitOfWork(),
        vault=RecordVault(MemoryKeyProvider(), MemoryBlobStore()),
        clock=FixedClock(datetime(2031, 1, 1, tzinfo=UTC)),
    )
    position = await positions.create_position(deps, SYSTEM, title="P", jurisdiction="GB")
    await applications.submit_application(
        deps,
        position_id=position.id,
        fields={"full_name": "A", "email": "a@example.com", "country": "GB", "privacy_notice_acknowledged": "true"},
        cv=Upload("cv.txt", b"a plain CV"),
    )
    await retention.conclude_position(
        deps, SYSTEM, position.id, outcome="filled", at=datetime(2026, 1, 1, tzinfo=UTC), production=False
    )
    stop = asyncio.Event()
    task = asyncio.create_task(run_schedule(deps, default_schedule(production=False), stop=stop))
    for _ in range(200):
        if len(await deps.uow.repo.list_job_runs()) == 4:
            break
        await asyncio.sleep(0.01)
    stop.set()
    await task
    runs = {r.job: r for r in await deps.uow.repo.list_job_runs()}
    assert set(runs) == {"retag", "sweep", "exports", "expire", "mail", "upkeep", "oversight", "audit"}
    assert all(r.status == "ok" and r.finished_at is not None for r in runs.values()), runs
    assert runs["retag"].counts["retagged"] == 1
    assert runs["expire"].counts["erased"] == 1
    assert runs["mail"].counts["delivered"] == 0  # nothing queued
    assert isinstance(uuid.UUID(str(runs["expire"].id)), uuid.UUID)
