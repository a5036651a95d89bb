"""Assignment queries of the piccolo repository (contract: AssignmentRepository in ats/ports.py;
fake: storage/memory_assignments.py). Each scope check is one lookup on the unique index
(position_id, user_id) of migration 2026-12-02 17:00."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID, uuid4

from piccolo.query.functions.aggregate import Count

from ats.ports import Assignment
from storage import tables as t

_A = t.PositionAssignment


class AssignmentQueries:
    async def add_assignment(self, assignment: Assignment) -> bool:
        # Check then insert: callers hold the write transaction (SQLite: BEGIN IMMEDIATE); on
        # PostgreSQL a concurrent insert of the same pair fails on the unique index instead.
        if await self.is_assigned(assignment.position_id, assignment.user_id):
            return False
        await _A.insert(
            _A(
                id=uuid4(),
                position_id=assignment.position_id,
                user_id=assignment.user_id,
                assigned_at=assignment.assigned_at,
            )
        ).run()
        return True

    async def remove_assignment(self, position_id: UUID, user_id: UUID) -> bool:
        if not await self.is_assigned(position_id, user_id):
            return False
        await _A.delete().where((_A.position_id == position_id) & (_A.user_id == user_id)).run()
        return True

    async def is_assigned(self, position_id: UUID, user_id: UUID) -> bool:
        return await _A.exists().where((_A.position_id == position_id) & (_A.user_id == user_id)).run()

    async def assigned_position_ids(self, user_id: UUID) -> set[UUID]:
        rows = await _A.select(_A.position_id).where(_A.user_id == user_id).run()
        return {r["position_id"] for r in rows}

    async def list_assignments(self, position_id: UUID) -> list[Assignment]:
        rows = (
            await _A.select(_A.position_id, _A.user_id, _A.assigned_at)
            .where(_A.position_id == position_id)
            .order_by(_A.assigned_at)
            .order_by(_A.user_id)
            .run()
        )
        return [Assignment(r["position_id"], r["user_id"], r["assigned_at"]) for r in rows]

    async def count_by_status(self, position_ids: Sequence[UUID]) -> dict[UUID, dict[str, int]]:
        if not position_ids:
            return {}
        rows = (
            await t.Application.select(t.Application.position_id, t.Application.status, Count(alias="count"))
            .where(t.Application.position_id.is_in(list(position_ids)))
            .group_by(t.Application.position_id, t.Application.status)
            .run()
        )
        counts: dict[UUID, dict[str, int]] = {}
        for r in rows:
            counts.setdefault(r["position_id"], {})[r["status"]] = int(r["count"])
        return counts
