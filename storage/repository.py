"""The piccolo repository and unit of work: rows in, domain objects out."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
from piccolo.engine import Engine, PostgresEngine, SQLiteEngine
from piccolo.engine.sqlite import TransactionType

from ats.domain import audit as audit_chain
from ats.domain.model import (
    Application,
    AuditEvent,
    DataKeyRow,
    Person,
    Position,
    PositionStatus,
    Record,
    User,
)
from ats.domain.paging import Marker
from ats.ports import Duplicate, IntakeLookup, NewSubmission
from storage import document_sql, export_sql, intake_sql
from storage import tables as t
from storage.accounts_repository import AccountQueries
from storage.assignments_repository import AssignmentQueries
from storage.audit_batch import GroupCommit
from storage.audit_repository import AuditQueries
from storage.document_repository import DocumentQueries
from storage.exports_repository import ExportQueries
from storage.lease_repository import LeaseQueries
from storage.outbox_repository import OutboxQueries
from storage.oversight_repository import OversightQueries
from storage.pipeline_repository import PipelineQueries
from storage.record_retention_repository import RecordRetentionQueries
from storage.requests_repository import RequestQueries
from storage.retention_repository import INSERT_CHUNK, RetentionQueries
from storage.rights_repository import RightsQueries
from storage.rows import (
    application_from,
    audit_from,
    person_from,
    position_from,
    record_from,
    user_from,
)
from storage.sqlite_pool import PooledSQLiteEngine
from storage.upkeep_repository import UpkeepQueries
from storage.workflow_repository import WorkflowQueries


async def _first(query: Any) -> dict[str, Any] | None:
    return await query.first().run()


class PiccoloRepository(
    RetentionQueries,
    RecordRetentionQueries,
    WorkflowQueries,
    OutboxQueries,
    AccountQueries,
    PipelineQueries,
    AssignmentQueries,
    DocumentQueries,
    ExportQueries,
    LeaseQueries,
    RightsQueries,
    RequestQueries,
    UpkeepQueries,
    OversightQueries,
    AuditQueries,
):
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # positions
    async def add_position(self, position: Position) -> None:
        await t.Position.insert(
            t.Position(
                id=position.id,
                title=position.title,
                jurisdiction=position.jurisdiction,
                status=position.status.value,
                created_at=position.created_at,
                concluded_at=position.concluded_at,
            )
        ).run()

    async def get_position(self, position_id: UUID) -> Position | None:
        row = await _first(t.Position.select().where(t.Position.id == position_id))
        return position_from(row) if row else None

    async def list_positions(self, *, open_only: bool) -> list[Position]:
        query = t.Position.select().order_by(t.Position.title)
        if open_only:
            query = query.where(t.Position.status == PositionStatus.OPEN.value)
        return [position_from(r) for r in await query.run()]

    # persons
    async def get_person_by_email(self, email: str) -> Person | None:
        row = await _first(t.Person.select().where(t.Person.email == email))
        return person_from(row) if row else None

    async def get_person(self, person_id: UUID) -> Person | None:
        row = await _first(t.Person.select().where(t.Person.id == person_id))
        return person_from(row) if row else None

    async def add_person(self, person: Person) -> None:
        await t.Person.insert(t.Person(**vars(person))).run()

    # applications
    async def intake_lookup(self, position_id: UUID, email: str) -> IntakeLookup:
        position, duplicate_of = await intake_sql.lookup(self.engine, position_id, email)
        return IntakeLookup(position_from(position) if position else None, duplicate_of)

    async def add_application(self, application: Application) -> None:
        values = {**vars(application), "status": application.status.value}
        values["dedupe_key"] = f"{application.person_id}:{application.position_id}"
        await t.Application.insert(t.Application(**values)).run()

    async def get_application(self, application_id: UUID) -> Application | None:
        query = t.Application.select().where(t.Application.id == application_id)
        row = await _first(query)
        return application_from(row) if row else None

    async def lock_application(self, application_id: UUID) -> Application | None:
        """Read for update: concurrent writers of one application queue (PostgreSQL row lock;
        SQLite's immediate transaction already serialises writers)."""
        query = t.Application.select().where(t.Application.id == application_id)
        if isinstance(self.engine, PostgresEngine):
            query = query.lock_rows("UPDATE")
        row = await _first(query)
        return application_from(row) if row else None

    async def find_application(self, person_id: UUID, position_id: UUID) -> Application | None:
        row = await _first(
            t.Application.select().where(
                (t.Application.person_id == person_id) & (t.Application.position_id == position_id)
            )
        )
        return application_from(row) if row else None

    async def list_applications(
        self, position_id: UUID, *, limit: int | None = None, after: Marker | None = None
    ) -> list[tuple[Application, Person]]:
        # Two queries whatever the number of applications (no N+1), and whatever the page: the
        # marker is a keyset condition on the (position_id, submitted_at, id) index, not OFFSET.
        query = t.Application.select().where(t.Application.position_id == position_id)
        if after is not None:
            # `<=` first gives the planners a plain range on the index; the OR breaks the tie.
            query = query.where(t.Application.submitted_at <= after.at).where(
                (t.Application.submitted_at < after.at) | (t.Application.id < after.id)
            )
        query = query.order_by(t.Application.submitted_at, t.Application.id, ascending=False)
        if limit is not None:
            query = query.limit(limit)
        apps = await query.run()
        person_ids = list({row["person_id"] for row in apps})
        people: dict[UUID, Person] = {}
        if person_ids:
            rows = await t.Person.select().where(t.Person.id.is_in(person_ids)).run()
            people = {row["id"]: person_from(row) for row in rows}
        return [(application_from(row), people[row["person_id"]]) for row in apps]

    # data keys
    async def add_data_key(self, key: DataKeyRow) -> None:
        await t.DataKey.insert(t.DataKey(**vars(key))).run()

    async def get_data_key(self, application_id: UUID) -> DataKeyRow | None:
        row = await _first(t.DataKey.select().where(t.DataKey.application_id == application_id))
        return DataKeyRow(**row) if row else None

    # records
    async def add_records(self, records: list[Record]) -> None:
        rows = [
            t.Record(
                **{
                    **vars(r),
                    "record_type": r.record_type.value,
                    "legal_basis": r.legal_basis.value,
                    "purpose": r.purpose.value,
                    "data_subject": r.data_subject.value,
                }
            )
            for r in records
        ]
        if rows:
            await t.Record.insert(*rows).run()

    async def get_record(self, record_id: UUID) -> Record | None:
        row = await _first(t.Record.select().where(t.Record.id == record_id))
        return record_from(row) if row else None

    async def list_records(self, application_id: UUID) -> list[Record]:
        rows = await (
            t.Record.select()
            .where(t.Record.application_id == application_id)
            .order_by(t.Record.created_at)
            .run()
        )
        return [record_from(r) for r in rows]

    # audit
    async def append_audit(self, events: list[AuditEvent]) -> None:
        query = t.AuditHead.select().where(t.AuditHead.id == 1)
        if isinstance(self.engine, PostgresEngine):
            # Serialise chain appends across writers (SQLite's immediate transaction does this).
            query = query.lock_rows()
        head = await _first(query)
        if head is None:
            # The first append of a database. Concurrent first appenders all get here: the head
            # is inserted once (ON CONFLICT DO NOTHING, as intake_sql does) and read again under
            # the lock, so the others wait for the winner's head instead of failing.
            await t.AuditHead.raw(
                'INSERT INTO "audit_head" (id, seq, hash) VALUES (1, 0, {}) ON CONFLICT (id) DO NOTHING',
                audit_chain.GENESIS,
            ).run()
            head = await _first(query)
            assert head is not None
        audit_chain.chain(events, head_seq=head["seq"], head_hash=head["hash"])
        rows = [t.AuditEvent(**vars(e)) for e in events]
        for start in range(0, len(rows), INSERT_CHUNK):
            await t.AuditEvent.insert(*rows[start : start + INSERT_CHUNK]).run()
        await t.AuditHead.update({t.AuditHead.seq: events[-1].seq, t.AuditHead.hash: events[-1].hash}).where(
            t.AuditHead.id == 1
        ).run()

    async def list_audit(self, *, after_seq: int = 0, limit: int = 1000) -> list[AuditEvent]:
        rows = await (
            t.AuditEvent.select()
            .where(t.AuditEvent.seq > after_seq)
            .order_by(t.AuditEvent.seq)
            .limit(limit)
            .run()
        )
        return [audit_from(r) for r in rows]

    # users and tokens
    async def add_user(self, user: User) -> None:
        await t.User.insert(t.User(**{**vars(user), "role": user.role.value})).run()

    async def get_user(self, user_id: UUID) -> User | None:
        row = await _first(t.User.select().where(t.User.id == user_id))
        return user_from(row) if row else None

    async def get_user_by_email(self, email: str) -> User | None:
        row = await _first(t.User.select().where(t.User.email == email))
        return user_from(row) if row else None

    async def bump_session_version(self, user_id: UUID) -> None:
        await t.User.update({t.User.session_version: t.User.session_version + 1}).where(t.User.id == user_id).run()

    # tokens and the users' lifecycle: storage/accounts_repository.py (AccountQueries)


class PiccoloUnitOfWork:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.repo = PiccoloRepository(engine)
        self._read_audit = GroupCommit(lambda events: document_sql.append_audit(engine, events))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PiccoloRepository]:
        if isinstance(self.engine, SQLiteEngine):
            # IMMEDIATE takes the write lock at BEGIN, so two writers queue instead of failing
            # halfway with "database is locked" (piccolo docs, SQLite transactions).
            tx = self.engine.transaction(transaction_type=TransactionType.immediate)
        else:
            tx = self.engine.transaction()
        try:
            async with tx:
                yield self.repo
        except (sqlite3.IntegrityError, asyncpg.UniqueViolationError) as exc:
            raise Duplicate(str(type(exc).__name__)) from exc

    async def scrub_after_erasure(self) -> bool:
        """SQLite: truncate the write-ahead log so erased rows leave no old copy on disk.
        PostgreSQL: nothing to do here (VACUUM and backups: README, "Erased data on disk")."""
        if isinstance(self.engine, PooledSQLiteEngine):
            busy, _, _ = await self.engine.scrub_wal()
            return busy == 0
        return True

    async def append_audit_alone(self, events: list[AuditEvent]) -> None:
        """Append `events` in a transaction of their own, in one trip (storage/document_sql.py):
        a read's audit event, committed when this returns. Concurrent reads share one
        transaction (storage/audit_batch.py)."""
        await self._read_audit.append(events)

    async def use_export_link_audited(self, link_id: UUID, at: datetime, events: list[AuditEvent]) -> bool:
        """The link's use and its audit event in one transaction on one connection
        (storage/export_sql.py)."""
        return await export_sql.use_link(self.engine, link_id, at, events)

    async def save_submission(self, submission: NewSubmission) -> None:
        try:
            await intake_sql.save(self.engine, submission)
        except (sqlite3.IntegrityError, asyncpg.UniqueViolationError) as exc:
            raise Duplicate(str(type(exc).__name__)) from exc
