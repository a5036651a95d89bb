"""The port of the privacy officer's console (issue 11: the retention dashboard, legal-hold
history, stale positions). Real adapter: storage/oversight_repository.py; fake:
storage/memory_oversight.py; contract: tests/integration/test_oversight_contract.py (the fake,
SQLite and PostgreSQL). Every read is a fixed number of statements whatever the table sizes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from ats.ports import JobRunRow, TombstoneRow


@dataclass(frozen=True)
class OverdueRow:
    """An application past its retention date and still stored (ids and dates only)."""

    application_id: UUID
    reference: str
    position_id: UUID
    retention_until: datetime
    hold_reason: str | None
    restricted: bool
    erasure_started: bool  # claimed by an erasure (keys destroyed) that has not finished


@dataclass(frozen=True)
class HoldRow:
    """One legal hold, placed and maybe lifted (GDPR Art. 17(3)(e)). The reasons are the privacy
    officer's words; they stay in this table, never in the audit trail."""

    id: UUID
    application_id: UUID
    reason: str
    placed_by: str
    placed_at: datetime
    lifted_by: str | None = None
    lifted_at: datetime | None = None
    lift_reason: str | None = None


@dataclass(frozen=True)
class StaleRow:
    position_id: UUID
    title: str
    jurisdiction: str
    created_at: datetime
    waiting: int  # applications on it: none of their retention clocks has started


class OversightRepository(Protocol):
    async def count_due_between(self, bounds: list[datetime]) -> list[int]:
        """Applications not under a legal hold whose retention date falls in each half-open
        interval [bounds[i], bounds[i+1]) (len(bounds) - 1 counts)."""
        ...

    async def overdue(self, as_of: datetime, limit: int) -> list[OverdueRow]:
        """Applications whose retention date is at or before `as_of` and that are still stored,
        the oldest first."""
        ...

    async def count_overdue_unexplained(self, as_of: datetime, *, claims_live_at: datetime) -> int:
        """Those of `overdue(as_of)` neither held nor restricted nor being erased now (a claim
        still live at `claims_live_at`: another worker is on it): what expiry should have erased.
        A lapsed claim counts: its worker died and the next run must finish it."""
        ...

    async def add_hold(self, hold: HoldRow) -> None: ...

    async def lift_hold(self, application_id: UUID, *, by: str, at: datetime, reason: str) -> None:
        """Close the application's open hold row with who lifted it, when and why."""
        ...

    async def list_holds(self, limit: int) -> list[HoldRow]:
        """Open holds first, then lifted ones, each group newest first."""
        ...

    async def purge_hold_history(self) -> int:
        """Delete hold rows of applications that no longer exist (erased): their reasons may
        name the person. Returns how many were deleted."""
        ...

    async def recent_job_runs(self, jobs: tuple[str, ...], per_job: int) -> list[JobRunRow]:
        """Each job's latest `per_job` runs, newest first, in the order of `jobs`."""
        ...

    async def find_tombstones(self, reference: str | None, limit: int) -> list[TombstoneRow]:
        """Tombstones with this exact reference, or the latest `limit` when None."""
        ...

    async def stale_positions(self, opened_before: datetime) -> list[StaleRow]:
        """Open positions created before `opened_before`, oldest first, with their applications."""
        ...

    async def stored_records(self) -> list[tuple[str, str, str, int]]:
        """(record type, jurisdiction, retention rule, how many) of the records stored now."""
        ...
