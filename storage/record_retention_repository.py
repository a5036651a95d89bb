"""Piccolo queries of retention per record (ats.ports_record_retention; DESIGN §12)."""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise
from typing import Any
from uuid import UUID

from ats.domain.model import Record, RecordType
from ats.domain.retention import PENDING
from ats.ports_record_retention import ErasedRecord, ExpectedRules
from storage import tables as t
from storage.rows import record_from


def _free(as_of: datetime) -> Any:
    """Applications whose records may go one by one: no hold, no restriction (GDPR Art. 18(1)(c)),
    no erasure under way, and not due themselves."""
    return t.Application.select(t.Application.id).where(
        t.Application.legal_hold_reason.is_null()
        & t.Application.restricted_at.is_null()
        & t.Application.erasure_claim.is_null()
        & (t.Application.retention_until.is_null() | (t.Application.retention_until > as_of))
    )


class RecordRetentionQueries:
    async def position_records_pending(self, position_id: UUID) -> list[Record]:
        rows = await t.Record.select().where(
            t.Record.application_id.is_in(
                t.Application.select(t.Application.id).where(t.Application.position_id == position_id)
            )
            & t.Record.expires_at.is_null()
        ).run()
        return [record_from(r) for r in rows]

    async def set_record_retention(self, records: list[Record]) -> None:
        # One UPDATE per distinct value set: a position's records share a few (one per rule).
        groups: dict[tuple[str, datetime | None, str, str], list[UUID]] = {}
        for r in records:
            groups.setdefault((r.retention_rule, r.expires_at, r.expires_on, r.location), []).append(r.id)
        for (rule, expires_at, expires_on, location), ids in groups.items():
            await t.Record.update(
                {
                    t.Record.retention_rule: rule,
                    t.Record.expires_at: expires_at,
                    t.Record.expires_on: expires_on,
                    t.Record.location: location,
                }
            ).where(t.Record.id.is_in(ids)).run()

    async def records_to_retag(self, expected: ExpectedRules, limit: int) -> list[tuple[Record, datetime | None]]:
        stale: Any = ((t.Record.expires_on == PENDING) & t.Record.expires_at.is_not_null()) | (t.Record.location == "")
        for record_type, (own, default) in expected.by_type.items():
            other: Any = t.Record.retention_rule != default
            if own:
                other = t.Record.jurisdiction.not_in(list(own)) & other
            for code, label in own.items():
                other = other | ((t.Record.jurisdiction == code) & (t.Record.retention_rule != label))
            stale = stale | ((t.Record.record_type == record_type) & other)
        rows = await t.Record.select().where(stale).limit(limit).run()
        if not rows:
            return []
        apps = await t.Application.select(t.Application.id, t.Application.position_id).where(
            t.Application.id.is_in(list({r["application_id"] for r in rows}))
        ).run()
        position_of = {a["id"]: a["position_id"] for a in apps}
        positions = await t.Position.select(t.Position.id, t.Position.concluded_at).where(
            t.Position.id.is_in(list(set(position_of.values())) or [None])
        ).run()
        concluded = {p["id"]: p["concluded_at"] for p in positions}
        return [(record_from(r), concluded.get(position_of.get(r["application_id"]))) for r in rows]

    async def records_due(self, as_of: datetime, limit: int, *, skip_types: tuple[str, ...]) -> list[Record]:
        rows = await (
            t.Record.select()
            .where(self._due(as_of, skip_types))
            .order_by(t.Record.expires_at)
            .limit(limit)
            .run()
        )
        return [record_from(r) for r in rows]

    def _due(self, as_of: datetime, skip_types: tuple[str, ...]) -> Any:
        where = (t.Record.expires_at <= as_of) & t.Record.application_id.is_in(_free(as_of))
        return where & t.Record.record_type.not_in(list(skip_types)) if skip_types else where

    async def count_records_due(self, as_of: datetime, *, skip_types: tuple[str, ...]) -> int:
        return await t.Record.count().where(self._due(as_of, skip_types)).run()

    async def delete_records(self, record_ids: list[UUID]) -> list[ErasedRecord]:
        if not record_ids:
            return []
        gone = await (
            t.Record.delete()
            .where(t.Record.id.is_in(record_ids))
            .returning(t.Record.id, t.Record.application_id, t.Record.record_type, t.Record.retention_rule)
            .run()
        )
        lapsed = [g["application_id"] for g in gone if g["record_type"] == RecordType.TALENT_POOL_CONSENT.value]
        if lapsed:
            # The consent lapsed (CNIL: two years): the application leaves the talent pool.
            await t.Application.update({t.Application.talent_pool_consent: False}).where(
                t.Application.id.is_in(lapsed)
            ).run()
        return [ErasedRecord(g["id"], g["application_id"], g["record_type"], g["retention_rule"]) for g in gone]

    async def count_records_due_between(self, bounds: list[datetime], *, skip_types: tuple[str, ...]) -> list[int]:
        counts = []
        for start, end in pairwise(bounds):
            # Not under a hold, and due before their application (else counted with it).
            apps = t.Application.select(t.Application.id).where(
                t.Application.legal_hold_reason.is_null()
                & (t.Application.retention_until.is_null() | (t.Application.retention_until > end))
            )
            where: Any = (t.Record.expires_at >= start) & (t.Record.expires_at < end) & t.Record.application_id.is_in(apps)
            if skip_types:
                where = where & t.Record.record_type.not_in(list(skip_types))
            counts.append(await t.Record.count().where(where).run())
        return counts

