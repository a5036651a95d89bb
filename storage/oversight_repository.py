"""Piccolo queries of the privacy officer's console (ats.ports_oversight), mixed into
PiccoloRepository. Each is a fixed number of statements whatever the table sizes."""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise
from uuid import UUID

from piccolo.query.functions.aggregate import Count

from ats.domain.model import PositionStatus
from ats.ports import JobRunRow, TombstoneRow
from ats.ports_oversight import HoldRow, OverdueRow, StaleRow
from storage import tables as t
from storage.rows import job_run_from


class OversightQueries:
    async def count_due_between(self, bounds: list[datetime]) -> list[int]:
        a = t.Application
        # One indexed range count per interval (retention_until is indexed): 24 small
        # statements rather than every date of the period carried to the process.
        return [
            await a.count().where((a.retention_until >= lo) & (a.retention_until < hi) & a.legal_hold_reason.is_null()).run()
            for lo, hi in pairwise(bounds)
        ]

    async def overdue(self, as_of: datetime, limit: int) -> list[OverdueRow]:
        a = t.Application
        rows = await (
            a.select(
                a.id, a.reference, a.position_id, a.retention_until, a.legal_hold_reason, a.restricted_at,
                a.erasure_started_at, a.erasure_claim,
            )
            .where(a.retention_until <= as_of)
            .order_by(a.retention_until)
            .limit(limit)
            .run()
        )
        return [
            OverdueRow(
                application_id=r["id"],
                reference=r["reference"],
                position_id=r["position_id"],
                retention_until=r["retention_until"],
                hold_reason=r["legal_hold_reason"],
                restricted=r["restricted_at"] is not None,
                erasure_started=r["erasure_claim"] is not None or r["erasure_started_at"] is not None,
            )
            for r in rows
        ]

    async def count_overdue_unexplained(self, as_of: datetime, *, claims_live_at: datetime) -> int:
        a = t.Application
        return await a.count().where(
            (a.retention_until <= as_of)
            & a.legal_hold_reason.is_null()
            & a.restricted_at.is_null()
            & (a.erasure_claim.is_null() | a.erasure_claim_expires.is_null() | (a.erasure_claim_expires < claims_live_at))
        ).run()

    async def add_hold(self, hold: HoldRow) -> None:
        await t.LegalHold.insert(t.LegalHold(**vars(hold))).run()

    async def lift_hold(self, application_id: UUID, *, by: str, at: datetime, reason: str) -> None:
        h = t.LegalHold
        await h.update({h.lifted_by: by, h.lifted_at: at, h.lift_reason: reason}).where(
            (h.application_id == application_id) & h.lifted_at.is_null()
        ).run()

    async def list_holds(self, limit: int) -> list[HoldRow]:
        h = t.LegalHold
        open_rows = await h.select().where(h.lifted_at.is_null()).order_by(h.placed_at, ascending=False).limit(limit).run()
        lifted = await (
            h.select().where(h.lifted_at.is_not_null()).order_by(h.lifted_at, ascending=False).limit(limit).run()
        )
        return [HoldRow(**r) for r in [*open_rows, *lifted][:limit]]

    async def purge_hold_history(self) -> int:
        h = t.LegalHold
        gone = h.application_id.not_in(t.Application.select(t.Application.id))
        return len(await h.delete().where(gone).returning(h.id).run())

    async def recent_job_runs(self, jobs: tuple[str, ...], per_job: int) -> list[JobRunRow]:
        r = t.JobRun
        found: list[JobRunRow] = []
        for job in jobs:  # per job on the (job, finished_at) index (migration 2026-12-03 10:30)
            rows = await r.select().where(r.job == job).order_by(r.started_at, ascending=False).limit(per_job).run()
            found += [job_run_from(row) for row in rows]
        return found

    async def find_tombstones(self, reference: str | None, limit: int) -> list[TombstoneRow]:
        ts = t.Tombstone
        query = ts.select().order_by(ts.erased_at, ascending=False).limit(limit)
        if reference is not None:
            query = query.where(ts.reference == reference)
        return [TombstoneRow(**row) for row in await query.run()]

    async def stale_positions(self, opened_before: datetime) -> list[StaleRow]:
        p, a = t.Position, t.Application
        positions = await (
            p.select(p.id, p.title, p.jurisdiction, p.created_at)
            .where((p.status == PositionStatus.OPEN.value) & (p.created_at < opened_before))
            .order_by(p.created_at)
            .run()
        )
        if not positions:
            return []
        ids = [row["id"] for row in positions]
        counted = await (
            a.select(a.position_id, Count(alias="n")).where(a.position_id.is_in(ids)).group_by(a.position_id).run()
        )
        waiting = {UUID(str(row["position_id"])): row["n"] for row in counted}
        return [
            StaleRow(row["id"], row["title"], row["jurisdiction"], row["created_at"], waiting.get(row["id"], 0))
            for row in positions
        ]

    async def stored_records(self) -> list[tuple[str, str, str, int]]:
        r = t.Record
        rows = await (
            r.select(r.record_type, r.jurisdiction, r.retention_rule, Count(alias="n"))
            .group_by(r.record_type, r.jurisdiction, r.retention_rule)
            .run()
        )
        return sorted((row["record_type"], row["jurisdiction"], row["retention_rule"], row["n"]) for row in rows)
