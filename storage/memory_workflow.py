"""In-memory workflow queries for MemoryRepository (same contract as workflow_repository)."""

from __future__ import annotations

import copy
from typing import Any
from uuid import UUID

from ats.domain.background import Check, ConsentRequest
from ats.domain.model import ApplicationStatus, Referee


class MemoryWorkflow:
    state: dict[str, dict[Any, Any]]

    def _table(self, name: str) -> dict[Any, Any]:
        return self.state.setdefault(name, {})

    async def set_status(self, application_id: UUID, status: ApplicationStatus) -> None:
        self.state["applications"][application_id].status = status

    async def add_referees(self, referees: list[Referee]) -> None:
        for r in referees:
            self._table("referees")[r.id] = copy.copy(r)

    async def list_referees(self, application_id: UUID) -> list[Referee]:
        rows = [r for r in self._table("referees").values() if r.application_id == application_id]
        return [copy.copy(r) for r in sorted(rows, key=lambda r: r.created_at)]

    async def get_referee(self, referee_id: UUID) -> Referee | None:
        return copy.copy(self._table("referees").get(referee_id))

    async def set_referee_report(self, referee_id: UUID, record_id: UUID) -> None:
        self._table("referees")[referee_id].report_record_id = record_id

    async def add_consent(self, consent: ConsentRequest) -> None:
        self._table("consents")[consent.id] = copy.deepcopy(consent)

    async def get_consent(self, consent_id: UUID) -> ConsentRequest | None:
        return copy.deepcopy(self._table("consents").get(consent_id))

    async def list_consents(self, application_id: UUID) -> list[ConsentRequest]:
        rows = [c for c in self._table("consents").values() if c.application_id == application_id]
        return [copy.deepcopy(c) for c in sorted(rows, key=lambda c: c.requested_at)]

    async def update_consent(self, consent: ConsentRequest) -> None:
        self._table("consents")[consent.id] = copy.deepcopy(consent)

    async def add_check(self, check: Check) -> None:
        self._table("checks")[check.id] = copy.deepcopy(check)

    async def get_check(self, check_id: UUID) -> Check | None:
        return copy.deepcopy(self._table("checks").get(check_id))

    async def list_checks(self, application_id: UUID) -> list[Check]:
        rows = [c for c in self._table("checks").values() if c.application_id == application_id]
        return [copy.deepcopy(c) for c in sorted(rows, key=lambda c: c.started_at)]

    async def update_checks(self, checks: list[Check]) -> None:
        for check in checks:
            self._table("checks")[check.id] = copy.deepcopy(check)
