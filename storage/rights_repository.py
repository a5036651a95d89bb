"""Piccolo queries of the rights other than access (ats.ports_rights, ats.services.rights)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from piccolo.engine import PostgresEngine

from ats.ports import Claimed
from storage import tables as t
from storage.erasure_claims import CLAIM_COLUMNS, stamp_and_shred


class RightsQueries:
    engine: Any

    async def claim_applications(
        self, ids: Sequence[UUID], *, worker: str, now: datetime, lease_until: datetime, reason: str | None = None
    ) -> list[Claimed]:
        if not ids:
            return []
        query = t.Application.select(*CLAIM_COLUMNS).where(
            t.Application.id.is_in(list(ids))
            & (
                (t.Application.legal_hold_reason.is_null() & t.Application.erasure_claim.is_null())
                # A lapsed claim's data key is gone: finish it whatever its hold (invariant 8).
                | (t.Application.erasure_claim.is_not_null() & (t.Application.erasure_claim_expires < now))
            )
        )
        if isinstance(self.engine, PostgresEngine):
            # Wait for (not skip) a concurrent hold or expiry claim: PostgreSQL re-checks the
            # WHERE clause on the row as it was committed (READ COMMITTED, "FOR UPDATE").
            query = query.lock_rows("UPDATE", of=(t.Application,))
        apps = await query.run()
        if not apps:
            return []
        return await stamp_and_shred(apps, worker=worker, now=now, lease_until=lease_until, reason=reason)

    async def set_restricted(self, application_id: UUID, at: datetime | None) -> None:
        await t.Application.update({t.Application.restricted_at: at}).where(t.Application.id == application_id).run()

    async def count_restricted_due(self, as_of: datetime) -> int:
        return await t.Application.count().where(
            (t.Application.retention_until <= as_of) & t.Application.restricted_at.is_not_null()
        ).run()

    async def set_contact(
        self, person_id: UUID, *, full_name: str, email: str, phone: str | None, country: str
    ) -> None:
        await t.Person.update(
            {t.Person.full_name: full_name, t.Person.email: email, t.Person.phone: phone, t.Person.country: country}
        ).where(t.Person.id == person_id).run()

    async def remove_records(self, record_ids: Sequence[UUID]) -> None:
        if record_ids:
            await t.Record.delete().where(t.Record.id.is_in(list(record_ids))).run()

    async def set_talent_pool(self, application_id: UUID, consent: bool) -> None:
        await t.Application.update({t.Application.talent_pool_consent: consent}).where(
            t.Application.id == application_id
        ).run()
