"""In-memory outbox for MemoryRepository (same contract as storage/outbox_repository.py)."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from ats.ports import Duplicate, OutboxRow

PENDING = "pending"


class MemoryOutbox:
    state: dict[str, dict[Any, Any]]

    def _outbox(self) -> dict[UUID, OutboxRow]:
        return self.state.setdefault("outbox", {})

    async def add_outbox(self, row: OutboxRow) -> None:
        if row.id in self._outbox():
            raise Duplicate("outbox.id")
        self._outbox()[row.id] = copy.copy(row)

    async def claim_outbox(
        self, *, now: datetime, lease_until: datetime, limit: int, ids: Sequence[UUID] | None = None
    ) -> list[OutboxRow]:
        wanted = None if ids is None else set(ids)
        due = sorted(
            (
                r
                for r in self._outbox().values()
                if r.status == PENDING
                and r.next_attempt_at is not None
                and r.next_attempt_at <= now
                and (wanted is None or r.id in wanted)
            ),
            key=lambda r: r.next_attempt_at,  # type: ignore[arg-type,return-value]
        )[:limit]
        for row in due:
            row.attempts += 1
            row.next_attempt_at = lease_until
        return [copy.copy(r) for r in due]

    async def outbox_finished(self, message_id: UUID, *, status: str, at: datetime, error: str | None) -> None:
        row = self._outbox().get(message_id)
        if row is not None:
            self._outbox()[message_id] = dataclasses.replace(
                row, status=status, sealed=None, next_attempt_at=None, finished_at=at, last_error=error
            )

    async def outbox_retry(self, message_id: UUID, *, at: datetime, error: str) -> None:
        row = self._outbox().get(message_id)
        if row is not None and row.status == PENDING:
            row.next_attempt_at, row.last_error = at, error

    async def get_outbox(self, message_id: UUID) -> OutboxRow | None:
        return copy.copy(self._outbox().get(message_id))

    async def list_outbox(self, *, status: str | None = None, limit: int = 100) -> list[OutboxRow]:
        rows = [r for r in self._outbox().values() if status is None or r.status == status]
        rows.sort(key=lambda r: r.created_at, reverse=True)
        return [copy.copy(r) for r in rows[:limit]]
