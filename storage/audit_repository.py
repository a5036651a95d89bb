"""Piccolo queries of the audit trail's reading (ats.ports_audit.AuditQueries), mixed into
PiccoloRepository: one indexed statement per page, keyset-paged on seq (no OFFSET: a page's cost
does not grow with how far one has paged)."""

from __future__ import annotations

from typing import Any

from ats.domain import audit as audit_chain
from ats.domain.model import AuditEvent
from ats.ports_audit import AuditFilter
from storage import tables as t
from storage.rows import audit_from


class AuditQueries:
    async def audit_page(self, where: AuditFilter, *, after_seq: int, limit: int) -> list[AuditEvent]:
        e = t.AuditEvent
        clause: Any = e.seq > after_seq
        if where.application_id is not None:
            clause &= e.application_id == where.application_id
        if where.actor is not None:
            clause &= e.actor == where.actor
        if where.action is not None:
            clause &= e.action == where.action
        if where.since is not None:
            clause &= e.at >= where.since
        if where.until is not None:
            clause &= e.at < where.until
        rows = await e.select().where(clause).order_by(e.seq).limit(limit).run()
        return [audit_from(r) for r in rows]

    async def audit_head(self) -> tuple[int, str]:
        row = await t.AuditHead.select(t.AuditHead.seq, t.AuditHead.hash).where(t.AuditHead.id == 1).first().run()
        return (row["seq"], row["hash"]) if row else (0, audit_chain.GENESIS)
