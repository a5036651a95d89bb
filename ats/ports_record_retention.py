"""The port of retention per record (DESIGN §12): each record's own expiry set when hiring
concludes, its tags kept in step with the table, and records erased one by one. Real adapter:
storage/record_retention_repository.py; fake: storage/memory_record_retention.py; contract:
tests/integration/test_record_retention.py (the fake, SQLite and PostgreSQL). Each method is a
fixed number of statements whatever the batch size (DESIGN §7)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from ats.domain.model import Record


@dataclass(frozen=True)
class ExpectedRules:
    """Per record type: the rule label of each jurisdiction with its own rule, and the default."""

    by_type: dict[str, tuple[dict[str, str], str]]


@dataclass(frozen=True)
class ErasedRecord:
    id: UUID
    application_id: UUID
    record_type: str
    retention_rule: str


class RecordRetentionRepository(Protocol):
    async def position_records_pending(self, position_id: UUID) -> list[Record]:
        """Records of the position's applications without an expiry yet (anchored on hiring
        concluded)."""
        ...

    async def set_record_retention(self, records: list[Record]) -> None:
        """Store each record's retention_rule, expires_at, expires_on and location as given."""
        ...

    async def records_to_retag(self, expected: ExpectedRules, limit: int) -> list[tuple[Record, datetime | None]]:
        """Records whose tags are behind: `expires-on` still `pending` though they have an
        expiry, no `location` yet, or a rule other than the table's. Each with its position's
        conclusion time (None while open)."""
        ...

    async def records_due(self, as_of: datetime, limit: int, *, skip_types: tuple[str, ...]) -> list[Record]:
        """Records whose own expiry is at or before `as_of`, of applications neither held,
        restricted, claimed by an erasure nor due themselves (that erasure takes every record)."""
        ...

    async def count_records_due(self, as_of: datetime, *, skip_types: tuple[str, ...]) -> int: ...

    async def delete_records(self, record_ids: list[UUID]) -> list[ErasedRecord]:
        """Delete the rows (their object versions are already deleted); an application whose
        talent-pool consent lapsed leaves the pool. Returns the rows this call deleted."""
        ...

    async def count_records_due_between(self, bounds: list[datetime], *, skip_types: tuple[str, ...]) -> list[int]:
        """Records not under a hold whose own expiry falls in each [bounds[i], bounds[i+1]) and
        comes before their application's (len(bounds) - 1 counts)."""
        ...
