"""In-memory retention per record for MemoryRepository (same contract as
storage/record_retention_repository.py)."""

from __future__ import annotations

import copy
from datetime import datetime
from itertools import pairwise
from typing import Any
from uuid import UUID

from ats.domain.model import Record, RecordType
from ats.domain.retention import PENDING
from ats.ports_record_retention import ErasedRecord, ExpectedRules


class MemoryRecordRetention:
    state: dict[str, dict[Any, Any]]

    def _free(self, application_id: UUID, as_of: datetime) -> bool:
        a = self.state["applications"].get(application_id)
        return (
            a is not None
            and not a.legal_hold_reason
            and a.restricted_at is None
            and application_id not in self.state.setdefault("claims", {})
            and (a.retention_until is None or a.retention_until > as_of)
        )

    async def position_records_pending(self, position_id: UUID) -> list[Record]:
        apps = {a.id for a in self.state["applications"].values() if a.position_id == position_id}
        return [
            copy.copy(r) for r in self.state["records"].values() if r.application_id in apps and r.expires_at is None
        ]

    async def set_record_retention(self, records: list[Record]) -> None:
        for r in records:
            stored = self.state["records"].get(r.id)
            if stored is not None:
                stored.retention_rule, stored.expires_at = r.retention_rule, r.expires_at
                stored.expires_on, stored.location = r.expires_on, r.location

    async def records_to_retag(self, expected: ExpectedRules, limit: int) -> list[tuple[Record, datetime | None]]:
        def stale(r: Record) -> bool:
            if (r.expires_on == PENDING and r.expires_at is not None) or not r.location:
                return True
            own, default = expected.by_type.get(r.record_type.value, ({}, r.retention_rule))
            return r.retention_rule != own.get(r.jurisdiction, default)

        found = [copy.copy(r) for r in self.state["records"].values() if stale(r)][:limit]
        result = []
        for r in found:
            app = self.state["applications"].get(r.application_id)
            position = self.state["positions"].get(app.position_id) if app else None
            result.append((r, position.concluded_at if position else None))
        return result

    def _due(self, as_of: datetime, skip_types: tuple[str, ...]) -> list[Record]:
        return sorted(
            (
                r
                for r in self.state["records"].values()
                if r.expires_at is not None
                and r.expires_at <= as_of
                and r.record_type.value not in skip_types
                and self._free(r.application_id, as_of)
            ),
            key=lambda r: r.expires_at,  # type: ignore[arg-type,return-value]
        )

    async def records_due(self, as_of: datetime, limit: int, *, skip_types: tuple[str, ...]) -> list[Record]:
        return [copy.copy(r) for r in self._due(as_of, skip_types)[:limit]]

    async def count_records_due(self, as_of: datetime, *, skip_types: tuple[str, ...]) -> int:
        return len(self._due(as_of, skip_types))

    async def delete_records(self, record_ids: list[UUID]) -> list[ErasedRecord]:
        gone = []
        for record_id in record_ids:
            r = self.state["records"].pop(record_id, None)
            if r is None:
                continue
            gone.append(ErasedRecord(r.id, r.application_id, r.record_type.value, r.retention_rule))
            app = self.state["applications"].get(r.application_id)
            if r.record_type is RecordType.TALENT_POOL_CONSENT and app is not None:
                app.talent_pool_consent = False
        return gone

    async def count_records_due_between(self, bounds: list[datetime], *, skip_types: tuple[str, ...]) -> list[int]:
        apps = self.state["applications"]
        counts = []
        for start, end in pairwise(bounds):
            counts.append(
                sum(
                    1
                    for r in self.state["records"].values()
                    if r.expires_at is not None
                    and start <= r.expires_at < end
                    and r.record_type.value not in skip_types
                    and (a := apps.get(r.application_id)) is not None
                    and not a.legal_hold_reason
                    and (a.retention_until is None or a.retention_until > end)
                )
            )
        return counts
