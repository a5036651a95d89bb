"""The port of the daily upkeep (ats.services.upkeep): old job runs purged, closed data-subject
requests' addresses replaced by a keyed digest. Real adapter: storage/upkeep_repository.py;
fake: storage/memory_upkeep.py; contract: tests/integration/test_upkeep.py (both databases and
the fake)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from uuid import UUID


class UpkeepRepository(Protocol):
    async def purge_job_runs(self, before: datetime) -> int:
        """Delete job runs that finished before `before` (or never finished and started before
        it: a crashed run), except each job's latest finished run and latest successful run
        (what /metrics and the dashboard read). Returns how many were deleted."""
        ...

    async def requests_to_pseudonymise(self, before: datetime, limit: int) -> list[tuple[UUID, str]]:
        """(id, email) of data-subject requests whose address is still in clear and whose case
        ended before `before`: fulfilled, refused or closed (decided then, else received), or
        never verified (received then). Open requests never."""
        ...

    async def pseudonymise_request(self, request_id: UUID, digest: str) -> None:
        """Keep `digest` instead of the address (emptied) and drop the free-text details."""
        ...
