"""In-memory rights queries for MemoryRepository (same contract as rights_repository)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from ats.ports import Claimed


class MemoryRights:
    state: dict[str, dict[Any, Any]]

    async def claim_applications(
        self, ids: Sequence[UUID], *, worker: str, now: datetime, lease_until: datetime, reason: str | None = None
    ) -> list[Claimed]:
        claims = self.state.setdefault("claims", {})
        result = []
        for app_id in dict.fromkeys(ids):
            a = self.state["applications"].get(app_id)
            if a is None:
                continue
            free = a.id not in claims and not a.legal_hold_reason
            if not (free or (a.id in claims and claims[a.id][1] < now)):
                continue
            claims[a.id] = (worker, lease_until)
            self.state.setdefault("erasure_reasons", {})[a.id] = reason
            self.state["data_keys"].pop(a.id, None)
            versions = [(r.object_key, r.version_id) for r in self.state["records"].values() if r.application_id == a.id]
            result.append(
                Claimed(a.id, a.reference, a.position_id, a.person_id, a.submitted_at, a.retention_until, versions, reason)
            )
        return result

    async def set_restricted(self, application_id: UUID, at: datetime | None) -> None:
        self.state["applications"][application_id].restricted_at = at

    async def count_restricted_due(self, as_of: datetime) -> int:
        return sum(
            1
            for a in self.state["applications"].values()
            if a.retention_until is not None and a.retention_until <= as_of and a.restricted_at is not None
        )

    async def set_contact(
        self, person_id: UUID, *, full_name: str, email: str, phone: str | None, country: str
    ) -> None:
        person = self.state["persons"][person_id]
        person.full_name, person.email, person.phone, person.country = full_name, email, phone, country

    async def remove_records(self, record_ids: Sequence[UUID]) -> None:
        for record_id in record_ids:
            self.state["records"].pop(record_id, None)

    async def set_talent_pool(self, application_id: UUID, consent: bool) -> None:
        self.state["applications"][application_id].talent_pool_consent = consent
