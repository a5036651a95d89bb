"""Piccolo queries of the export (ats.ports_exports.ExportRepository)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from uuid import UUID

from piccolo.engine import Engine

from ats.domain.exports import ExportLink
from ats.domain.model import AuditEvent, Record, RecordType
from ats.ports_exports import ExportScope
from storage import export_sql
from storage import tables as t
from storage.rows import audit_from, record_from


class ExportQueries:
    engine: Engine

    async def audit_for_applications(self, application_ids: Sequence[UUID], actions: Collection[str]) -> list[AuditEvent]:
        if not application_ids or not actions:
            return []
        rows = await (
            t.AuditEvent.select()
            .where(t.AuditEvent.application_id.is_in(list(application_ids)) & t.AuditEvent.action.is_in(list(actions)))
            .order_by(t.AuditEvent.seq)
            .run()
        )
        return [audit_from(r) for r in rows]

    async def staff_roles(self, user_ids: Sequence[UUID]) -> dict[UUID, tuple[str, str]]:
        if not user_ids:
            return {}
        rows = await t.User.select(t.User.id, t.User.role, t.User.email).where(t.User.id.is_in(list(user_ids))).run()
        return {r["id"]: (r["role"], r["email"]) for r in rows}

    async def add_export_link(self, link: ExportLink) -> None:
        await t.ExportLink.insert(t.ExportLink(**vars(link))).run()

    async def get_export_link(self, link_id: UUID) -> ExportLink | None:
        row = await t.ExportLink.select().where(t.ExportLink.id == link_id).first().run()
        return ExportLink(**row) if row else None

    async def export_scope(self, link_id: UUID) -> ExportScope | None:
        """Outside a transaction only (its own connection): storage/export_sql.py."""
        return await export_sql.export_scope(self.engine, link_id)

    async def use_export_link(self, link_id: UUID, at: datetime) -> bool:
        # One conditional UPDATE: of two concurrent downloads only one finds used_at NULL
        # (a row lock on PostgreSQL, the single writer on SQLite), the other changes nothing.
        rows = await (
            t.ExportLink.update({t.ExportLink.used_at: at})
            .where((t.ExportLink.id == link_id) & t.ExportLink.used_at.is_null())
            .returning(t.ExportLink.id)
            .run()
        )
        return bool(rows)

    async def exports_created_before(self, before: datetime, limit: int) -> list[Record]:
        rows = await (
            t.Record.select()
            .where((t.Record.record_type == RecordType.EXPORT.value) & (t.Record.created_at < before))
            .order_by(t.Record.created_at)
            .limit(limit)
            .run()
        )
        return [record_from(r) for r in rows]

    async def delete_exports(self, record_ids: Sequence[UUID]) -> None:
        if record_ids:
            ids = list(record_ids)
            await t.ExportLink.delete().where(t.ExportLink.record_id.is_in(ids)).run()
            await t.Record.delete().where(t.Record.id.is_in(ids) & (t.Record.record_type == RecordType.EXPORT.value)).run()
