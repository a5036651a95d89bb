"""In-memory retention queries for MemoryRepository (same contract as retention_repository)."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any
from uuid import UUID

from ats.domain.conclusion import FINAL_STATES
from ats.domain.model import ApplicationStatus, PositionStatus, Record
from ats.domain.retention import PENDING
from ats.ports import Claimed, JobRunRow, TombstoneRow


class MemoryRetention:
    state: dict[str, dict[Any, Any]]

    def _claims(self) -> dict[UUID, tuple[str, datetime]]:
        return self.state.setdefault("claims", {})

    async def conclude_position(
        self, position_id: UUID, outcome: PositionStatus, concluded_at: datetime, until: datetime
    ) -> list[UUID]:
        position = self.state["positions"][position_id]
        position.status, position.concluded_at = outcome, concluded_at
        closed = []
        for app in self.state["applications"].values():
            if app.position_id == position_id:
                app.retention_until = until
                if app.status not in FINAL_STATES:
                    app.status = ApplicationStatus.REJECTED
                    closed.append(app.id)
        return closed

    async def set_legal_hold(self, application_id: UUID, reason: str | None) -> None:
        self.state["applications"][application_id].legal_hold_reason = reason

    async def erasure_in_progress(self, application_id: UUID, now: datetime) -> bool:
        claim = self._claims().get(application_id)
        if claim is None:
            return False
        return claim[1] >= now or application_id not in self.state["data_keys"]

    async def pending_retag(self, limit: int) -> list[tuple[Record, datetime]]:
        apps = self.state["applications"]
        found = [
            (copy.copy(r), apps[r.application_id].retention_until)
            for r in self.state["records"].values()
            if r.expires_on == PENDING and apps[r.application_id].retention_until is not None
        ]
        wanted = list(dict.fromkeys(r.application_id for r, _ in found))[:limit]
        return [(r, u) for r, u in found if r.application_id in wanted]

    async def set_expires_on(self, record_ids: list[UUID], value: str) -> None:
        for record_id in record_ids:
            self.state["records"][record_id].expires_on = value

    async def count_held_due(self, as_of: datetime) -> int:
        return sum(
            1
            for a in self.state["applications"].values()
            if a.retention_until is not None and a.retention_until <= as_of and a.legal_hold_reason
        )

    async def count_due(self, as_of: datetime) -> int:
        return sum(
            1
            for a in self.state["applications"].values()
            if a.retention_until is not None
            and a.retention_until <= as_of
            and not a.legal_hold_reason
            and a.restricted_at is None
        )

    async def claim_due(
        self, *, as_of: datetime, worker: str, now: datetime, lease_until: datetime, limit: int
    ) -> list[Claimed]:
        claims = self._claims()
        due = sorted(
            (
                a
                for a in self.state["applications"].values()
                if (
                    a.id not in claims
                    and a.retention_until is not None
                    and a.retention_until <= as_of
                    and not a.legal_hold_reason
                    and a.restricted_at is None
                )
                or (a.id in claims and claims[a.id][1] < now)  # key destroyed: always finish
            ),
            key=lambda a: a.retention_until,
        )[:limit]
        result = []
        for a in due:
            claims[a.id] = (worker, lease_until)
            self.state["data_keys"].pop(a.id, None)
            versions = [
                (r.object_key, r.version_id) for r in self.state["records"].values() if r.application_id == a.id
            ]
            reason = self.state.setdefault("erasure_reasons", {}).get(a.id)
            result.append(
                Claimed(a.id, a.reference, a.position_id, a.person_id, a.submitted_at, a.retention_until, versions, reason)
            )
        return result

    async def complete_erasures(
        self, claims: list[Claimed], worker: str, tombstones: list[TombstoneRow]
    ) -> set[UUID]:
        owned = {
            c.application_id
            for c in claims
            if c.application_id in self.state["applications"]
            and self._claims().get(c.application_id, ("",))[0] == worker
        }
        records = self.state["records"]
        for record_id in [k for k, r in records.items() if r.application_id in owned]:
            del records[record_id]
        for name in ("referees", "consents", "checks", "outbox", "export_links"):  # outbox: its mail (DESIGN §10)
            table = self.state.setdefault(name, {})
            for key in [k for k, row in table.items() if row.application_id in owned]:
                del table[key]
        for app_id in owned:
            self.state["applications"].pop(app_id, None)
            self._claims().pop(app_id, None)
            self.state.setdefault("erasure_reasons", {}).pop(app_id, None)
        needed = {a.person_id for a in self.state["applications"].values()}
        for claim in claims:
            if claim.application_id in owned and claim.person_id not in needed:
                self.state["persons"].pop(claim.person_id, None)
        tombs = self.state.setdefault("tombstones", {})
        for stone in tombstones:
            if stone.application_id in owned:
                tombs[stone.application_id] = copy.copy(stone)
        return owned

    async def get_tombstone(self, application_id: UUID) -> TombstoneRow | None:
        return copy.copy(self.state.setdefault("tombstones", {}).get(application_id))

    async def all_record_versions(self) -> set[tuple[str, str]]:
        return {(r.object_key, r.version_id) for r in self.state["records"].values()}

    async def add_job_run(self, run: JobRunRow) -> None:
        self.state.setdefault("job_runs", {})[run.id] = copy.copy(run)

    async def finish_job_run(self, run: JobRunRow) -> None:
        self.state.setdefault("job_runs", {})[run.id] = copy.copy(run)

    async def list_job_runs(self, limit: int = 50) -> list[JobRunRow]:
        runs = sorted(self.state.setdefault("job_runs", {}).values(), key=lambda r: r.started_at, reverse=True)
        return [copy.copy(r) for r in runs[:limit]]
