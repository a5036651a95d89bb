"""The pipeline page's two reads (ats.services.pipeline): counts per state in one grouped query,
and one keyset page of cards in one query (applications joined to the name of their contact row).

Two statements whatever the number of applications and however deep the page (DESIGN §7): no
OFFSET, no per-card lookup. Indexes: (position_id, submitted_at, id) serves the unfiltered page,
(position_id, status, submitted_at, id) the filtered one and the counts (migration 2026-12-02
17:10), the unique index on reference the search.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from ats.domain.model import ApplicationStatus
from ats.domain.paging import Marker
from ats.domain.pipeline import Card
from storage import tables as t
from storage.rows import application_from

# Only the contact row's name: a card shows nothing else of the person (need to know).
_CARD_COLUMNS = (
    "a.id, a.reference, a.position_id, a.person_id, a.status, a.submitted_at, "
    "a.privacy_notice_version, a.talent_pool_consent, a.retention_until, a.legal_hold_reason, "
    "pe.full_name AS full_name"
)
_COUNTS = 'SELECT status, COUNT(*) AS n FROM "applications" WHERE position_id = {} GROUP BY status'


class PipelineQueries:
    async def status_counts(self, position_id: UUID) -> dict[ApplicationStatus, int]:
        rows = await t.Application.raw(_COUNTS, position_id).run()
        return {ApplicationStatus(r["status"]): int(r["n"]) for r in rows}

    async def pipeline_cards(
        self,
        position_id: UUID,
        *,
        limit: int,
        after: Marker | None = None,
        status: ApplicationStatus | None = None,
        reference: str | None = None,
    ) -> list[Card]:
        conditions, args = ["a.position_id = {}"], [position_id]
        if status is not None:
            conditions.append("a.status = {}")
            args.append(status.value)
        if reference is not None:
            conditions.append("a.reference = {}")
            args.append(reference)
        if after is not None:
            # As list_applications: `<=` gives the planners a plain range, the OR breaks ties.
            conditions.append("a.submitted_at <= {} AND (a.submitted_at < {} OR a.id < {})")
            args += [after.at, after.at, after.id]
        sql = (
            f'SELECT {_CARD_COLUMNS} FROM "applications" a LEFT JOIN "persons" pe ON pe.id = a.person_id '  # noqa: S608 (fixed text; values bound)
            f"WHERE {' AND '.join(conditions)} ORDER BY a.submitted_at DESC, a.id DESC LIMIT {int(limit)}"
        )
        rows: list[dict[str, Any]] = await t.Application.raw(sql, *args).run()
        return [Card(application=application_from(r), full_name=r["full_name"]) for r in rows]
