"""In-memory upkeep queries for MemoryRepository (same contract as upkeep_repository)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any
from uuid import UUID

from ats.domain.privacy_requests import RequestStatus

ENDED = {RequestStatus.FULFILLED, RequestStatus.REFUSED, RequestStatus.CLOSED}


class MemoryUpkeep:
    state: dict[str, dict[Any, Any]]

    async def purge_job_runs(self, before: datetime) -> int:
        runs = self.state.setdefault("job_runs", {})
        keep = set()
        for job in {r.job for r in runs.values()}:
            finished = [r for r in runs.values() if r.job == job and r.finished_at is not None]
            for group in (finished, [r for r in finished if r.status == "ok"]):
                if group:
                    keep.add(max(group, key=lambda r: r.finished_at).id)
        old = [
            k
            for k, r in runs.items()
            if k not in keep and (r.finished_at if r.finished_at is not None else r.started_at) < before
        ]
        for k in old:
            del runs[k]
        return len(old)

    async def requests_to_pseudonymise(self, before: datetime, limit: int) -> list[tuple[UUID, str]]:
        found = [
            r
            for r in self.state.setdefault("privacy_requests", {}).values()
            if r.email_digest is None
            and (
                (r.status in ENDED and (r.decided_at or r.received_at) < before)
                or (r.status is RequestStatus.AWAITING_VERIFICATION and r.received_at < before)
            )
        ]
        return [(r.id, r.email) for r in sorted(found, key=lambda r: r.received_at)[:limit]]

    async def pseudonymise_request(self, request_id: UUID, digest: str) -> None:
        requests = self.state.setdefault("privacy_requests", {})
        requests[request_id] = replace(requests[request_id], email="", details=None, email_digest=digest)
