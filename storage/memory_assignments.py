"""In-memory assignments for MemoryRepository (same contract as storage/assignments_repository.py).
state["assignments"] maps (position_id, user_id) to its Assignment."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from ats.ports import Assignment


class MemoryAssignments:
    state: dict[str, dict[Any, Any]]

    def _assignments(self) -> dict[tuple[UUID, UUID], Assignment]:
        return self.state.setdefault("assignments", {})

    async def add_assignment(self, assignment: Assignment) -> bool:
        key = (assignment.position_id, assignment.user_id)
        if key in self._assignments():
            return False
        self._assignments()[key] = assignment
        return True

    async def remove_assignment(self, position_id: UUID, user_id: UUID) -> bool:
        return self._assignments().pop((position_id, user_id), None) is not None

    async def is_assigned(self, position_id: UUID, user_id: UUID) -> bool:
        return (position_id, user_id) in self._assignments()

    async def assigned_position_ids(self, user_id: UUID) -> set[UUID]:
        return {p for p, u in self._assignments() if u == user_id}

    async def list_assignments(self, position_id: UUID) -> list[Assignment]:
        mine = [a for (p, _), a in self._assignments().items() if p == position_id]
        return sorted(mine, key=lambda a: (a.assigned_at, a.user_id))

    async def count_by_status(self, position_ids: Sequence[UUID]) -> dict[UUID, dict[str, int]]:
        wanted = set(position_ids)
        counts: dict[UUID, dict[str, int]] = {}
        for a in self.state["applications"].values():
            if a.position_id in wanted:
                per = counts.setdefault(a.position_id, {})
                per[a.status.value] = per.get(a.status.value, 0) + 1
        return counts
