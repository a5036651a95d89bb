"""Piccolo queries for the retention clock and expiry: conclusion, re-tagging, claims, erasure.

Each method is a fixed number of statements whatever the batch size (DESIGN §7: at most 0.01
database round-trips per erased application).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from piccolo.engine import PostgresEngine

from ats.domain.conclusion import FINAL_STATES
from ats.domain.model import ApplicationStatus, PositionStatus, Record
from ats.domain.retention import PENDING
from ats.ports import Claimed, JobRunRow, TombstoneRow
from storage import tables as t
from storage.erasure_claims import CLAIM_COLUMNS, stamp_and_shred
from storage.rows import job_run_from, record_from

# Rows per multi-row INSERT: 10 columns x 3000 stays under the 32,766 bind parameters that
# SQLite (3.32+) and asyncpg accept in one statement.
INSERT_CHUNK = 3000


class RetentionQueries:
    engine: Any

    async def conclude_position(
        self, position_id: UUID, outcome: PositionStatus, concluded_at: datetime, until: datetime
    ) -> list[UUID]:
        """Stamp the position, set every application's retention date, close open ones."""
        await t.Position.update(
            {t.Position.status: outcome.value, t.Position.concluded_at: concluded_at}
        ).where(t.Position.id == position_id).run()
        await t.Application.update({t.Application.retention_until: until}).where(
            t.Application.position_id == position_id
        ).run()
        final = [s.value for s in FINAL_STATES]
        rows = await t.Application.select(t.Application.id).where(
            (t.Application.position_id == position_id) & t.Application.status.not_in(final)
        ).run()
        closed = [r["id"] for r in rows]
        if closed:
            await t.Application.update({t.Application.status: ApplicationStatus.REJECTED.value}).where(
                t.Application.id.is_in(closed)
            ).run()
        return closed

    async def set_legal_hold(self, application_id: UUID, reason: str | None) -> None:
        await t.Application.update({t.Application.legal_hold_reason: reason}).where(
            t.Application.id == application_id
        ).run()

    async def erasure_in_progress(self, application_id: UUID, now: datetime) -> bool:
        """A worker has claimed the application and its claim stands, or its data key is
        already destroyed (a crashed erasure the next run must finish)."""
        row = await t.Application.select(
            t.Application.erasure_claim, t.Application.erasure_claim_expires
        ).where(t.Application.id == application_id).first().run()
        if row is None or row["erasure_claim"] is None:
            return False
        if row["erasure_claim_expires"] is not None and row["erasure_claim_expires"] >= now:
            return True
        return not await t.DataKey.exists().where(t.DataKey.application_id == application_id).run()

    async def pending_retag(self, limit: int) -> list[tuple[Record, datetime]]:
        """Records still tagged `pending` whose application now has a retention date."""
        apps = await t.Application.select(t.Application.id, t.Application.retention_until).where(
            t.Application.retention_until.is_not_null()
            & t.Application.id.is_in(
                t.Record.select(t.Record.application_id).where(t.Record.expires_on == PENDING)
            )
        ).limit(limit).run()
        if not apps:
            return []
        until = {a["id"]: a["retention_until"] for a in apps}
        rows = await t.Record.select().where(
            t.Record.application_id.is_in(list(until)) & (t.Record.expires_on == PENDING)
        ).run()
        return [(record_from(r), until[r["application_id"]]) for r in rows]

    async def set_expires_on(self, record_ids: list[UUID], value: str) -> None:
        if record_ids:
            await t.Record.update({t.Record.expires_on: value}).where(t.Record.id.is_in(record_ids)).run()

    async def count_held_due(self, as_of: datetime) -> int:
        return await t.Application.count().where(
            (t.Application.retention_until <= as_of) & t.Application.legal_hold_reason.is_not_null()
        ).run()

    async def count_due(self, as_of: datetime) -> int:
        return await t.Application.count().where(
            (t.Application.retention_until <= as_of)
            & t.Application.legal_hold_reason.is_null()
            & t.Application.restricted_at.is_null()
        ).run()

    async def claim_due(
        self, *, as_of: datetime, worker: str, now: datetime, lease_until: datetime, limit: int
    ) -> list[Claimed]:
        """Claim up to `limit` due, unheld, unrestricted applications no live worker owns, and destroy their
        data keys (crypto-shredding first: DESIGN §5). Also re-claims every lapsed claim, held
        or not: its key is already destroyed, so it must be finished. Call inside a transaction."""
        query = (
            t.Application.select(*CLAIM_COLUMNS)
            .where(
                (
                    (t.Application.retention_until <= as_of)
                    & t.Application.legal_hold_reason.is_null()
                    # Restricted at the candidate's request: kept until lifted (GDPR Art. 18(1)(c)).
                    & t.Application.restricted_at.is_null()
                    & t.Application.erasure_claim.is_null()
                )
                # A lapsed claim means its data key is gone (claimed and shredded in one
                # transaction): finish it whatever its hold or date (invariant 8).
                | (t.Application.erasure_claim.is_not_null() & (t.Application.erasure_claim_expires < now))
            )
            .order_by(t.Application.retention_until)
            .limit(limit)
        )
        if isinstance(self.engine, PostgresEngine):
            # Concurrent workers skip each other's rows instead of waiting (PostgreSQL docs,
            # SELECT ... FOR UPDATE SKIP LOCKED). SQLite's immediate transaction serialises.
            query = query.lock_rows("UPDATE", skip_locked=True, of=(t.Application,))
        apps = await query.run()
        if not apps:
            return []
        return await stamp_and_shred(apps, worker=worker, now=now, lease_until=lease_until)

    async def complete_erasures(
        self, claims: list[Claimed], worker: str, tombstones: list[TombstoneRow]
    ) -> set[UUID]:
        """Delete every row with personal data for the claims this worker still owns and write
        their tombstones; return the ids erased. Deleting the application row is the point
        that decides who erased it, so a re-claimed application is erased exactly once. The
        person row goes only when no other application still needs it."""
        ids = [c.application_id for c in claims]
        gone = await (
            t.Application.delete()
            .where(t.Application.id.is_in(ids) & (t.Application.erasure_claim == worker))
            .returning(t.Application.id)
            .run()
        )
        erased = {row["id"] for row in gone}
        if not erased:
            return erased
        erased_ids = list(erased)
        await t.Record.delete().where(t.Record.application_id.is_in(erased_ids)).run()
        await t.Referee.delete().where(t.Referee.application_id.is_in(erased_ids)).run()
        await t.ConsentRequest.delete().where(t.ConsentRequest.application_id.is_in(erased_ids)).run()
        await t.BackgroundCheck.delete().where(t.BackgroundCheck.application_id.is_in(erased_ids)).run()
        await t.Outbox.delete().where(t.Outbox.application_id.is_in(erased_ids)).run()  # its mail (DESIGN §10)
        # Its export download links (ids and times; their export records went with the records).
        await t.ExportLink.delete().where(t.ExportLink.application_id.is_in(erased_ids)).run()
        people = list({c.person_id for c in claims if c.application_id in erased})
        # Only this batch's people, and only their remaining applications: the subquery uses
        # the person_id index, so the cost follows the batch, not the table.
        await t.Person.delete().where(
            t.Person.id.is_in(people)
            & t.Person.id.not_in(
                t.Application.select(t.Application.person_id).where(t.Application.person_id.is_in(people))
            )
        ).run()
        rows = [t.Tombstone(**vars(s)) for s in tombstones if s.application_id in erased]
        for start in range(0, len(rows), INSERT_CHUNK):
            await t.Tombstone.insert(*rows[start : start + INSERT_CHUNK]).run()
        return erased

    async def get_tombstone(self, application_id: UUID) -> TombstoneRow | None:
        row = await t.Tombstone.select().where(t.Tombstone.application_id == application_id).first().run()
        return TombstoneRow(**row) if row else None

    async def all_record_versions(self) -> set[tuple[str, str]]:
        rows = await t.Record.select(t.Record.object_key, t.Record.version_id).run()
        return {(r["object_key"], r["version_id"]) for r in rows}

    async def add_job_run(self, run: JobRunRow) -> None:
        await t.JobRun.insert(t.JobRun(**vars(run))).run()

    async def finish_job_run(self, run: JobRunRow) -> None:
        await t.JobRun.update(
            {
                t.JobRun.finished_at: run.finished_at,
                t.JobRun.status: run.status,
                t.JobRun.counts: run.counts,
                t.JobRun.errors: run.errors,
            }
        ).where(t.JobRun.id == run.id).run()

    async def list_job_runs(self, limit: int = 50) -> list[JobRunRow]:
        rows = await t.JobRun.select().order_by(t.JobRun.started_at, ascending=False).limit(limit).run()
        return [job_run_from(r) for r in rows]
