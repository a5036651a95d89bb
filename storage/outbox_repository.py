"""Piccolo queries for the mail outbox (DESIGN §10), mixed into PiccoloRepository.

Claiming is one SELECT and one UPDATE inside the caller's transaction: on PostgreSQL the
SELECT takes the rows FOR UPDATE SKIP LOCKED, so two senders never take the same message
(PostgreSQL docs, "The Locking Clause"); SQLite's immediate transaction serialises them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from piccolo.engine import PostgresEngine

from ats.ports import OutboxRow
from storage import tables as t

PENDING = "pending"


def outbox_from(row: dict[str, Any]) -> OutboxRow:
    sealed = row["sealed"]
    return OutboxRow(**{**row, "sealed": bytes(sealed) if sealed is not None else None, "app_key": bool(row["app_key"])})


class OutboxQueries:
    engine: Any

    async def add_outbox(self, row: OutboxRow) -> None:
        await t.Outbox.insert(t.Outbox(**vars(row))).run()

    async def claim_outbox(
        self, *, now: datetime, lease_until: datetime, limit: int, ids: Sequence[UUID] | None = None
    ) -> list[OutboxRow]:
        where = (t.Outbox.status == PENDING) & (t.Outbox.next_attempt_at <= now)
        if ids is not None:
            if not ids:
                return []
            where = where & t.Outbox.id.is_in(list(ids))
        query = t.Outbox.select().where(where).order_by(t.Outbox.next_attempt_at).limit(limit)
        if isinstance(self.engine, PostgresEngine):
            query = query.lock_rows("UPDATE", skip_locked=True)
        rows = await query.run()
        if not rows:
            return []
        claimed = [r["id"] for r in rows]
        await t.Outbox.update(
            {t.Outbox.attempts: t.Outbox.attempts + 1, t.Outbox.next_attempt_at: lease_until}
        ).where(t.Outbox.id.is_in(claimed)).run()
        return [
            outbox_from({**r, "attempts": r["attempts"] + 1, "next_attempt_at": lease_until}) for r in rows
        ]

    async def outbox_finished(self, message_id: UUID, *, status: str, at: datetime, error: str | None) -> None:
        await t.Outbox.update(
            {
                t.Outbox.status: status,
                t.Outbox.sealed: None,
                t.Outbox.next_attempt_at: None,
                t.Outbox.finished_at: at,
                t.Outbox.last_error: error,
            }
        ).where(t.Outbox.id == message_id).run()

    async def outbox_retry(self, message_id: UUID, *, at: datetime, error: str) -> None:
        await t.Outbox.update({t.Outbox.next_attempt_at: at, t.Outbox.last_error: error}).where(
            (t.Outbox.id == message_id) & (t.Outbox.status == PENDING)
        ).run()

    async def get_outbox(self, message_id: UUID) -> OutboxRow | None:
        row = await t.Outbox.select().where(t.Outbox.id == message_id).first().run()
        return outbox_from(row) if row else None

    async def list_outbox(self, *, status: str | None = None, limit: int = 100) -> list[OutboxRow]:
        query = t.Outbox.select().order_by(t.Outbox.created_at, ascending=False).limit(limit)
        if status is not None:
            query = query.where(t.Outbox.status == status)
        return [outbox_from(r) for r in await query.run()]
