"""storage/audit_batch.GroupCommit: reads' audit events that arrive during a write go together in
the next transaction; each caller returns only once its own events are committed."""

from __future__ import annotations

import asyncio

import pytest

from ats.domain.model import AuditEvent
from storage.audit_batch import GroupCommit


def _event(n: int) -> AuditEvent:
    from datetime import UTC, datetime

    return AuditEvent(seq=0, actor="user:x", action=f"read.{n}", at=datetime(2026, 1, 1, tzinfo=UTC))


class SlowStore:
    def __init__(self, fail_on: int | None = None) -> None:
        self.batches: list[list[str]] = []
        self.gate = asyncio.Event()
        self.fail_on = fail_on

    async def write(self, events: list[AuditEvent]) -> None:
        await self.gate.wait()
        if self.fail_on is not None and len(self.batches) == self.fail_on:
            self.batches.append([e.action for e in events])
            raise RuntimeError("database unavailable")
        self.batches.append([e.action for e in events])


async def test_appends_during_a_write_share_the_next_transaction_in_arrival_order() -> None:
    store = SlowStore()
    group = GroupCommit(store.write)
    first = asyncio.create_task(group.append([_event(1)]))
    await asyncio.sleep(0)  # the first write has started and waits at the gate
    later = [asyncio.create_task(group.append([_event(n)])) for n in (2, 3, 4)]
    await asyncio.sleep(0)
    assert not any(t.done() for t in [first, *later])  # nobody returns before their commit
    store.gate.set()
    await asyncio.gather(first, *later)
    assert store.batches == [["read.1"], ["read.2", "read.3", "read.4"]]


async def test_a_failed_transaction_reaches_each_of_its_callers_only() -> None:
    store = SlowStore(fail_on=1)
    group = GroupCommit(store.write)
    first = asyncio.create_task(group.append([_event(1)]))
    await asyncio.sleep(0)
    second = [asyncio.create_task(group.append([_event(n)])) for n in (2, 3)]
    await asyncio.sleep(0)
    store.gate.set()
    await first  # its own transaction committed
    for task in second:
        with pytest.raises(RuntimeError, match="database unavailable"):
            await task
    await group.append([_event(4)])  # the next append starts a fresh transaction
    assert store.batches[-1] == ["read.4"]


async def test_a_caller_that_gives_up_does_not_cancel_the_others() -> None:
    store = SlowStore()
    group = GroupCommit(store.write)
    first = asyncio.create_task(group.append([_event(1)]))
    await asyncio.sleep(0)
    impatient = asyncio.create_task(group.append([_event(2)]))
    patient = asyncio.create_task(group.append([_event(3)]))
    await asyncio.sleep(0)
    impatient.cancel()
    store.gate.set()
    await asyncio.gather(first, patient)
    assert store.batches == [["read.1"], ["read.2", "read.3"]]  # written all the same
