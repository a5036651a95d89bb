"""The first audit appends of a new database, at once: each appender finds no chain head and
inserts it. The loser of that insert must wait for the winner's head, not fail (PostgreSQL
answered UniqueViolationError on the head's primary key; SQLite serialises writers)."""

from __future__ import annotations

import asyncio
from typing import Any

from ats.domain import audit as audit_chain
from ats.domain.actors import SYSTEM


async def test_concurrent_first_appends_all_land_on_one_chain(container: Any) -> None:
    deps = container.deps

    async def append(i: int) -> None:
        async with deps.uow.transaction() as tx:
            await tx.append_audit([deps.event(SYSTEM, "test.first_append", details={"i": i})])

    await asyncio.gather(*(append(i) for i in range(8)))
    events = await deps.uow.repo.list_audit()
    assert sorted(e.seq for e in events) == list(range(1, 9))
    assert audit_chain.verify(events) is None  # one unbroken chain
