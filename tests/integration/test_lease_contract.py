"""Contract of the job-lease port (ats.ports_leases): the in-memory fake and the piccolo
repository on SQLite and PostgreSQL must agree, including when replicas ask at once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ats.ports import UnitOfWork
from storage.memory import MemoryUnitOfWork

BACKENDS = pytest.mark.parametrize(
    ("backend", "database_url"),
    [
        pytest.param("memory", "sqlite", id="memory"),
        pytest.param("piccolo", "sqlite", id="piccolo-sqlite"),
        pytest.param("piccolo", "postgresql", id="piccolo-postgresql"),
    ],
    indirect=["database_url"],
)
T0 = datetime(2026, 3, 1, 9, 0, 0, 123456, tzinfo=UTC)
SLOT = timedelta(hours=1)


@pytest.fixture
def uow(request: pytest.FixtureRequest, backend: str, database_url: str) -> UnitOfWork:
    if backend == "memory":
        return MemoryUnitOfWork()
    return request.getfixturevalue("container").deps.uow


async def take(uow: Any, job: str, holder: str, now: datetime, until: datetime) -> bool:
    async with uow.transaction() as tx:
        return await tx.take_lease(job, holder, now=now, until=until)


@BACKENDS
async def test_the_first_take_holds_until_the_lease_ends(uow: Any) -> None:
    assert await uow.repo.get_lease("expire") is None
    assert await take(uow, "expire", "a", T0, T0 + SLOT)
    lease = await uow.repo.get_lease("expire")
    assert (lease.job, lease.holder, lease.expires_at) == ("expire", "a", T0 + SLOT)
    # Nobody takes it again inside the slot: not another replica, not the holder itself.
    assert not await take(uow, "expire", "b", T0 + SLOT - timedelta(microseconds=1), T0 + 2 * SLOT)
    assert not await take(uow, "expire", "a", T0 + timedelta(minutes=1), T0 + 2 * SLOT)
    assert (await uow.repo.get_lease("expire")).holder == "a"
    # Other jobs have leases of their own.
    assert await take(uow, "sweep", "b", T0, T0 + SLOT)


@BACKENDS
async def test_a_lease_that_ended_is_taken_by_the_next_asker(uow: Any) -> None:
    assert await take(uow, "mail", "a", T0, T0 + SLOT)
    assert await take(uow, "mail", "b", T0 + SLOT, T0 + 2 * SLOT)  # ends at, not after, expires_at
    lease = await uow.repo.get_lease("mail")
    assert (lease.holder, lease.expires_at) == ("b", T0 + 2 * SLOT)
    assert not await take(uow, "mail", "a", T0 + SLOT, T0 + 2 * SLOT)


@BACKENDS
async def test_of_replicas_asking_at_once_exactly_one_gets_it(uow: Any) -> None:
    for slot in range(3):
        now = T0 + slot * SLOT
        results = await asyncio.gather(*(take(uow, "retag", f"r{i}", now, now + SLOT) for i in range(8)))
        assert sum(results) == 1, results
        winner = f"r{results.index(True)}"
        assert (await uow.repo.get_lease("retag")).holder == winner
