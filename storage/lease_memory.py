"""In-memory job leases for MemoryRepository (same contract as storage/lease_repository.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ats.ports_leases import Lease


class MemoryLeases:
    state: dict[str, dict[Any, Any]]

    async def take_lease(self, job: str, holder: str, *, now: datetime, until: datetime) -> bool:
        leases = self.state.setdefault("job_leases", {})
        current = leases.get(job)
        if current is not None and current.expires_at > now:
            return False
        leases[job] = Lease(job=job, holder=holder, expires_at=until)
        return True

    async def get_lease(self, job: str) -> Lease | None:
        return self.state.setdefault("job_leases", {}).get(job)
