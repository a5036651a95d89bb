"""Scale-out (issue 12 #6): several `ats jobs run` replicas on one database run each job once
per slot, whichever replica gets there first; a replica that dies mid-run keeps its slot, and
another replica takes the next one. Replicas as concurrent scheduler passes in one process, and
as two processes, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from ats.bootstrap import Container
from jobs.lease import slot_of
from jobs.scheduler import Schedule, run_due
from tests.helpers import cli_env, sql_rows

T0 = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # a day's first hour: every slot below starts here
HOUR, DAY = timedelta(hours=1), timedelta(days=1)


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


@dataclass
class Report:
    def as_dict(self) -> dict[str, int]:
        return {"failed": 0}


def schedule(work: Any = None) -> list[Schedule]:
    async def nothing(_: Any) -> Report:
        await asyncio.sleep(0)  # let the other replica interleave
        return Report()

    return [Schedule("retag", HOUR, work or nothing), Schedule("expire", DAY, work or nothing)]


def runs(url: str) -> list[tuple[str, datetime, str, str]]:
    rows = sql_rows(url, "SELECT job, started_at, holder, status FROM job_runs")
    return [(j, s if isinstance(s, datetime) else datetime.fromisoformat(s), h, st) for j, s, h, st in rows]


def per_slot(url: str) -> Counter:
    every = {"retag": HOUR, "expire": DAY}
    return Counter((job, slot_of(started, every[job])[0]) for job, started, _, _ in runs(url))


async def test_two_replicas_run_each_job_once_per_slot(container: Container) -> None:
    clock = Clock(T0)
    a, b = replace(container.deps, clock=clock), replace(container.deps, clock=clock)
    for minute in range(0, 5 * 60, 20):  # five hourly slots, each visited three times by both
        clock.at = T0 + timedelta(minutes=minute, seconds=7)
        await asyncio.gather(run_due(a, schedule(), "replica-a"), run_due(b, schedule(), "replica-b"))
    counts = per_slot(container.settings.ats_database_url)
    assert counts == Counter({**{("retag", T0 + k * HOUR): 1 for k in range(5)}, ("expire", T0): 1})
    rows = runs(container.settings.ats_database_url)
    assert {h for _, _, h, _ in rows} <= {"replica-a", "replica-b"}
    assert {st for _, _, _, st in rows} == {"ok"}


async def test_a_replica_that_dies_mid_run_keeps_its_slot_and_another_takes_the_next(
    container: Container,
) -> None:
    clock = Clock(T0 + timedelta(minutes=5))
    started, hang = asyncio.Event(), asyncio.Event()

    async def stuck(_: Any) -> Report:
        started.set()
        await hang.wait()  # never set: this replica dies here
        return Report()

    dying = replace(container.deps, clock=clock)
    survivor = replace(container.deps, clock=clock)
    task = asyncio.create_task(run_due(dying, schedule(stuck), "dying"))
    await started.wait()
    task.cancel()
    # Same slot: the dead replica's lease on `retag` stands, so the survivor does not run it
    # again; `expire`, which the dead replica never reached, the survivor runs.
    clock.at = T0 + timedelta(minutes=50)
    await run_due(survivor, schedule(), "survivor")
    url = container.settings.ats_database_url
    assert sorted((j, h) for j, _, h, _ in runs(url)) == [("expire", "survivor"), ("retag", "dying")]
    # Next hourly slot: the lapsed lease goes to the survivor (the daily job's slot still stands).
    clock.at = T0 + HOUR + timedelta(seconds=1)
    await run_due(survivor, schedule(), "survivor")
    assert sorted((j, s, h) for j, s, h, _ in runs(url)) == [
        ("expire", T0 + timedelta(minutes=50), "survivor"),
        ("retag", T0 + timedelta(minutes=5), "dying"),
        ("retag", T0 + HOUR + timedelta(seconds=1), "survivor"),
    ]
    lease = await container.deps.uow.repo.get_lease("retag")
    assert (lease.holder, lease.expires_at) == ("survivor", T0 + 2 * HOUR)


CHILD = """
import asyncio, dataclasses, sys
from datetime import datetime, timedelta
from ats.bootstrap import from_environment
from tests.integration.test_scheduler_replicas import Clock, schedule
from jobs.scheduler import run_due

async def main(holder, start, count):
    c = from_environment()
    await c.startup()
    try:
        clock = Clock(start)
        deps = dataclasses.replace(c.deps, clock=clock)
        for minute in range(0, count * 60, 15):
            clock.at = start + timedelta(minutes=minute, seconds=3)
            await run_due(deps, schedule(), holder)
    finally:
        await c.shutdown()

asyncio.run(main(sys.argv[1], datetime.fromisoformat(sys.argv[2]), int(sys.argv[3])))
"""


async def test_two_replica_processes_run_each_job_once_per_slot(container: Container) -> None:
    env = cli_env(container.settings)
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, f"process-{i}", T0.isoformat(), "6"], env=env, stderr=subprocess.PIPE
        )
        for i in range(2)
    ]
    for child in children:
        _, err = await asyncio.to_thread(child.communicate, timeout=300)
        assert child.returncode == 0, err.decode()[-2000:]
    counts = per_slot(container.settings.ats_database_url)
    assert counts == Counter({**{("retag", T0 + k * HOUR): 1 for k in range(6)}, ("expire", T0): 1})
    assert {h for _, _, h, _ in runs(container.settings.ats_database_url)} <= {"process-0", "process-1"}
