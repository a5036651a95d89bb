"""The repository half of the rights other than access (ats.services.rights, DESIGN §11):
erasure of named applications, restriction, corrected contact details, single records removed.
Real adapter: storage/rights_repository.py; fake: storage/memory_rights.py; contract:
tests/integration/test_rights.py (both databases and the fake)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID

from ats.ports import Claimed


class RightsRepository(Protocol):
    async def claim_applications(
        self, ids: Sequence[UUID], *, worker: str, now: datetime, lease_until: datetime, reason: str | None = None
    ) -> list[Claimed]:
        """Claim the named applications for erasure now, whatever their retention date, as
        RetentionRepository.claim_due does for due ones: skipped when a legal hold stands or a
        live worker holds a claim; a lapsed claim is taken over. Destroys their data keys.
        `reason` is stored with the claim (claim_due hands it back when it finishes a lapsed
        one). Call inside a transaction."""
        ...

    async def set_restricted(self, application_id: UUID, at: datetime | None) -> None:
        """Restrict (a time) or lift (None)."""
        ...

    async def count_restricted_due(self, as_of: datetime) -> int:
        """Due applications the expiry job skips because they are restricted."""
        ...

    async def set_contact(
        self, person_id: UUID, *, full_name: str, email: str, phone: str | None, country: str
    ) -> None: ...

    async def remove_records(self, record_ids: Sequence[UUID]) -> None:
        """Delete record rows (their objects are deleted by the caller, after the commit)."""
        ...

    async def set_talent_pool(self, application_id: UUID, consent: bool) -> None: ...
