"""The port of data-subject requests (DESIGN §11): the real adapter is storage/requests_repository.py
(mixed into PiccoloRepository), the fake storage/memory_requests.py (mixed into MemoryRepository);
tests/integration/test_requests_contract.py runs one contract on both."""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

from ats.domain.privacy_requests import PrivacyRequest


class RequestRepository(Protocol):
    async def add_privacy_request(self, request: PrivacyRequest) -> None: ...

    async def get_privacy_request(self, request_id: UUID, *, lock: bool = False) -> PrivacyRequest | None:
        """`lock`: held until the transaction ends (FOR UPDATE on PostgreSQL), so two code tries
        or two decisions on one request are counted one after the other."""
        ...

    async def save_privacy_request(self, request: PrivacyRequest) -> None:
        """Write every field of an existing request (its state after a move)."""
        ...

    async def list_privacy_requests(self, *, status: str | None = None, limit: int = 500) -> list[PrivacyRequest]:
        """Soonest current due date first (extended, else first); unverified ones last."""
        ...

    async def applications_of_email(self, email: str, *, reference: str | None = None) -> list[tuple[UUID, str]]:
        """(application id, its position's jurisdiction) for every application made with this
        normalised address, or only the one with `reference`."""
        ...
