"""The job-lease port: which replica runs a scheduled job in the current slot (jobs/lease.py).

Real adapter: storage/lease_repository.py (a `job_leases` row per job, taken with one
conditional upsert); fake: storage/lease_memory.py. Both are mixed into their repository, so a
lease is taken in `deps.uow.transaction()` like every other write.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class Lease:
    job: str
    holder: str
    expires_at: datetime


class LeaseRepository(Protocol):
    async def take_lease(self, job: str, holder: str, *, now: datetime, until: datetime) -> bool:
        """Hold `job` for `holder` until `until` if nobody holds it at `now` (no row yet, or its
        lease ended at or before `now`); True when taken. One atomic statement: of two
        replicas asking at once, exactly one gets it."""
        ...

    async def get_lease(self, job: str) -> Lease | None: ...
