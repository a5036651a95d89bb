"""In-memory queries of the privacy officer's console for MemoryRepository (same contract as
storage/oversight_repository.py)."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import datetime
from itertools import pairwise
from typing import Any
from uuid import UUID

from ats.ports import JobRunRow, TombstoneRow
from ats.ports_oversight import HoldRow, OverdueRow, StaleRow


class MemoryOversight:
    state: dict[str, dict[Any, Any]]

    def _holds(self) -> dict[UUID, HoldRow]:
        return self.state.setdefault("legal_holds", {})

    async def count_due_between(self, bounds: list[datetime]) -> list[int]:
        dates = [
            a.retention_until
            for a in self.state["applications"].values()
            if a.retention_until is not None and not a.legal_hold_reason
        ]
        return [sum(lo <= d < hi for d in dates) for lo, hi in pairwise(bounds)]

    async def overdue(self, as_of: datetime, limit: int) -> list[OverdueRow]:
        claims = self.state.setdefault("claims", {})
        due = sorted(
            (a for a in self.state["applications"].values() if a.retention_until is not None and a.retention_until <= as_of),
            key=lambda a: a.retention_until,
        )
        return [
            OverdueRow(
                application_id=a.id,
                reference=a.reference,
                position_id=a.position_id,
                retention_until=a.retention_until,
                hold_reason=a.legal_hold_reason or None,
                restricted=a.restricted_at is not None,
                erasure_started=a.id in claims,
            )
            for a in due[:limit]
        ]

    async def count_overdue_unexplained(self, as_of: datetime, *, claims_live_at: datetime) -> int:
        claims = self.state.get("claims", {})  # storage.memory_retention: id -> (worker, lease until)
        return sum(
            1
            for a in self.state["applications"].values()
            if a.retention_until is not None
            and a.retention_until <= as_of
            and not a.legal_hold_reason
            and a.restricted_at is None
            and not (a.id in claims and claims[a.id][1] >= claims_live_at)
        )

    async def add_hold(self, hold: HoldRow) -> None:
        self._holds()[hold.id] = hold

    async def lift_hold(self, application_id: UUID, *, by: str, at: datetime, reason: str) -> None:
        for key, hold in list(self._holds().items()):
            if hold.application_id == application_id and hold.lifted_at is None:
                self._holds()[key] = replace(hold, lifted_by=by, lifted_at=at, lift_reason=reason)

    async def list_holds(self, limit: int) -> list[HoldRow]:
        holds = list(self._holds().values())
        open_rows = sorted((h for h in holds if h.lifted_at is None), key=lambda h: h.placed_at, reverse=True)
        lifted = sorted((h for h in holds if h.lifted_at is not None), key=lambda h: h.lifted_at, reverse=True)
        return [*open_rows, *lifted][:limit]

    async def purge_hold_history(self) -> int:
        gone = [k for k, h in self._holds().items() if h.application_id not in self.state["applications"]]
        for key in gone:
            del self._holds()[key]
        return len(gone)

    async def recent_job_runs(self, jobs: tuple[str, ...], per_job: int) -> list[JobRunRow]:
        runs = sorted(self.state.setdefault("job_runs", {}).values(), key=lambda r: r.started_at, reverse=True)
        return [copy.copy(r) for job in jobs for r in [r for r in runs if r.job == job][:per_job]]

    async def find_tombstones(self, reference: str | None, limit: int) -> list[TombstoneRow]:
        stones = sorted(self.state.setdefault("tombstones", {}).values(), key=lambda s: s.erased_at, reverse=True)
        return [copy.copy(s) for s in stones if reference is None or s.reference == reference][:limit]

    async def stale_positions(self, opened_before: datetime) -> list[StaleRow]:
        apps = list(self.state["applications"].values())
        found = sorted(
            (p for p in self.state["positions"].values() if p.is_open and p.created_at < opened_before),
            key=lambda p: p.created_at,
        )
        return [
            StaleRow(p.id, p.title, p.jurisdiction, p.created_at, sum(a.position_id == p.id for a in apps))
            for p in found
        ]

    async def stored_records(self) -> list[tuple[str, str, str, int]]:
        counts: dict[tuple[str, str, str], int] = {}
        for r in self.state["records"].values():
            key = (str(r.record_type), r.jurisdiction, r.retention_rule)
            counts[key] = counts.get(key, 0) + 1
        return sorted((*k, n) for k, n in counts.items())
