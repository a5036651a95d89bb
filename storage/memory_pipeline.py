"""In-memory pipeline reads for MemoryRepository (same contract as storage/pipeline_repository)."""

from __future__ import annotations

import copy
from collections import Counter
from typing import Any
from uuid import UUID

from ats.domain.model import ApplicationStatus
from ats.domain.paging import Marker
from ats.domain.pipeline import Card


class MemoryPipeline:
    state: dict[str, dict[Any, Any]]

    async def status_counts(self, position_id: UUID) -> dict[ApplicationStatus, int]:
        apps = self.state["applications"].values()
        return dict(Counter(a.status for a in apps if a.position_id == position_id))

    async def pipeline_cards(
        self,
        position_id: UUID,
        *,
        limit: int,
        after: Marker | None = None,
        status: ApplicationStatus | None = None,
        reference: str | None = None,
    ) -> list[Card]:
        apps = [
            a
            for a in self.state["applications"].values()
            if a.position_id == position_id
            and (status is None or a.status == status)
            and (reference is None or a.reference == reference)
            and (after is None or (a.submitted_at, a.id) < (after.at, after.id))
        ]
        apps.sort(key=lambda a: (a.submitted_at, a.id), reverse=True)
        people = self.state["persons"]
        return [
            Card(application=copy.copy(a), full_name=people[a.person_id].full_name if a.person_id in people else None)
            for a in apps[:limit]
        ]
