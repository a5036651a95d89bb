"""Piccolo queries of the daily upkeep (ats.ports_upkeep), mixed into PiccoloRepository."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from ats.domain.privacy_requests import RequestStatus
from storage import tables as t

ENDED = [RequestStatus.FULFILLED.value, RequestStatus.REFUSED.value, RequestStatus.CLOSED.value]


class UpkeepQueries:
    async def purge_job_runs(self, before: datetime) -> int:
        runs = t.JobRun
        jobs = [r["job"] for r in await runs.select(runs.job).distinct().run()]
        deleted = 0
        for job in jobs:
            # Per job, on the (job, finished_at) index (migration 2026-12-03 10:30).
            finished = (runs.job == job) & runs.finished_at.is_not_null()
            keep = set()
            for where in (finished, finished & (runs.status == "ok")):
                row = await runs.select(runs.id).where(where).order_by(runs.finished_at, ascending=False).first().run()
                if row:
                    keep.add(row["id"])
            old = (runs.finished_at < before) | (runs.finished_at.is_null() & (runs.started_at < before))
            where = (runs.job == job) & old
            if keep:
                where = where & runs.id.not_in(list(keep))
            deleted += len(await runs.delete().where(where).returning(runs.id).run())
        return deleted

    async def requests_to_pseudonymise(self, before: datetime, limit: int) -> list[tuple[UUID, str]]:
        r = t.PrivacyRequest
        ended = r.status.is_in(ENDED) & (
            (r.decided_at.is_not_null() & (r.decided_at < before)) | (r.decided_at.is_null() & (r.received_at < before))
        )
        unverified = (r.status == RequestStatus.AWAITING_VERIFICATION.value) & (r.received_at < before)
        rows = await (
            r.select(r.id, r.email).where((ended | unverified) & r.email_digest.is_null()).order_by(r.received_at).limit(limit).run()
        )
        return [(row["id"], row["email"]) for row in rows]

    async def pseudonymise_request(self, request_id: UUID, digest: str) -> None:
        r = t.PrivacyRequest
        await r.update({r.email: "", r.details: None, r.email_digest: digest}).where(r.id == request_id).run()
