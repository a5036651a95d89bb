"""Group commit for the audit events of reads (a download's `record.downloaded`).

Each read is audited before its bytes go out, in a transaction of its own: on PostgreSQL that is
BEGIN, the head locked, one statement, COMMIT, and on SQLite a write lock, for every download
(bench/download.py: the audit append was the largest part of a download's extra cost). Reads
that arrive while an append is being written wait and go together in the next transaction, as a
database's group commit does: one transaction for many events, each caller still returning only
once its own event is committed. The chain order is the order of arrival.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from ats.domain.model import AuditEvent

Write = Callable[[list[AuditEvent]], Awaitable[None]]


class GroupCommit:
    def __init__(self, write: Write) -> None:
        self._write = write
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiting: list[tuple[list[AuditEvent], asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def append(self, events: list[AuditEvent]) -> None:
        """Return once `events` are committed; raise what their transaction raised."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            if self._writer is not None and not self._writer.done():
                # Another event loop's writer is running (a CLI run inside a test, a benchmark's
                # set-up): no sharing across loops, this caller writes on its own.
                await self._write(events)
                return
            self._loop, self._waiting = loop, []
        done: asyncio.Future[None] = loop.create_future()
        self._waiting.append((events, done))
        if self._writer is None or self._writer.done():
            self._writer = loop.create_task(self._drain())
        await asyncio.shield(done)  # a caller that gives up does not cancel the others' commit

    async def _drain(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                await self._write([event for events, _ in batch for event in events])
            except Exception as exc:  # each waiter gets its transaction's error
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
            except BaseException:  # the writer cancelled (shutdown): nobody waits for ever
                for _, done in [*batch, *self._waiting]:
                    done.cancel()
                self._waiting = []
                raise
            else:
                for _, done in batch:
                    if not done.done():
                        done.set_result(None)
