"""In-memory data-subject requests for MemoryRepository (same contract as
storage/requests_repository.py)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from ats.domain.privacy_requests import PrivacyRequest
from ats.ports import Duplicate
from storage.requests_repository import queue_key


class MemoryRequests:
    state: dict[str, dict[Any, Any]]

    def _requests(self) -> dict[UUID, PrivacyRequest]:
        return self.state.setdefault("privacy_requests", {})

    async def add_privacy_request(self, request: PrivacyRequest) -> None:
        if request.id in self._requests():
            raise Duplicate("privacy_requests.id")
        self._requests()[request.id] = request  # frozen: shared safely

    async def get_privacy_request(self, request_id: UUID, *, lock: bool = False) -> PrivacyRequest | None:
        return self._requests().get(request_id)

    async def save_privacy_request(self, request: PrivacyRequest) -> None:
        if request.id in self._requests():
            self._requests()[request.id] = request

    async def list_privacy_requests(self, *, status: str | None = None, limit: int = 500) -> list[PrivacyRequest]:
        rows = [r for r in self._requests().values() if status is None or r.status.value == status]
        return sorted(rows, key=queue_key)[:limit]

    async def applications_of_email(self, email: str, *, reference: str | None = None) -> list[tuple[UUID, str]]:
        persons = self.state["persons"]
        positions = self.state["positions"]
        found = [
            (a.id, positions[a.position_id].jurisdiction)
            for a in self.state["applications"].values()
            if a.person_id in persons
            and persons[a.person_id].email == email
            and (reference is None or a.reference == reference)
            and a.position_id in positions
        ]
        return sorted(found)
