"""Piccolo queries for job leases (ats.ports_leases), mixed into PiccoloRepository.

Why a lease row and not a PostgreSQL advisory lock: the row works the same on SQLite and
PostgreSQL (one code path, one contract test); it outlives the connection that took it, so it
fits the pooled connections (an advisory lock is held by one session, and storage/engine.py's
pool reset deliberately skips `pg_advisory_unlock_all`); and it can be read (who ran, until
when). A replica that dies simply stops renewing: its lease ends with its slot.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ats.ports_leases import Lease
from storage import tables as t


class LeaseQueries:
    engine: Any

    async def take_lease(self, job: str, holder: str, *, now: datetime, until: datetime) -> bool:
        # INSERT ... ON CONFLICT (job) DO UPDATE ... WHERE expires_at <= now RETURNING: one
        # statement. PostgreSQL guarantees an atomic insert-or-update outcome and evaluates the
        # WHERE on the newest row version after waiting for a concurrent upsert's lock (docs,
        # "INSERT ... ON CONFLICT"); SQLite (3.24+ upsert, 3.35+ RETURNING) serialises writers.
        # A row comes back only when this call inserted or updated it.
        rows = await (
            t.JobLease.insert(t.JobLease(job=job, holder=holder, expires_at=until))
            .on_conflict(
                target=t.JobLease.job,
                action="DO UPDATE",
                values=[t.JobLease.holder, t.JobLease.expires_at],
                where=t.JobLease.expires_at <= now,
            )
            .returning(t.JobLease.job)
            .run()
        )
        return bool(rows)

    async def get_lease(self, job: str) -> Lease | None:
        row = await t.JobLease.select().where(t.JobLease.job == job).first().run()
        return Lease(**row) if row else None
