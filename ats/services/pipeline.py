"""The pipeline of a position: how many applications are in each state, and one page of their
cards, narrowed by state and/or an exact reference (issue 8, item 3).

Whatever the number of applications and however deep the page, the same statements run: the
scope check (ats.services.access), one grouped count, one keyset page of cards, and the audit
append (DESIGN §7; tests/integration/test_pipeline_queries.py counts them).
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from ats.domain import paging
from ats.domain.access import shows_contact_details
from ats.domain.actors import Actor
from ats.domain.model import ApplicationStatus, Position
from ats.domain.pipeline import Card, normalise_reference, parse_status
from ats.services import access
from ats.services.deps import Deps


@dataclass(frozen=True)
class PipelinePage:
    position: Position
    # Every state in the workflow's order, zeros included: the page's columns.
    counts: list[tuple[ApplicationStatus, int]]
    cards: list[Card]
    status: ApplicationStatus | None  # the state asked for, None for all
    reference: str | None  # the normalised reference searched for, None when not searching
    next: str | None  # the marker of the following page; None on the last one

    @property
    def total(self) -> int:
        return sum(n for _, n in self.counts)

    @property
    def shown(self) -> int:
        """Applications the current filter selects (not the page's size)."""
        if self.status is not None:
            return dict(self.counts)[self.status]
        return self.total

    def cards_in(self, status: ApplicationStatus) -> list[Card]:
        return [c for c in self.cards if c.application.status is status]


async def pipeline_page(
    deps: Deps,
    actor: Actor,
    position_id: UUID,
    *,
    status: object = None,
    reference: object = None,
    after: object = None,
    limit: object = None,
) -> PipelinePage:
    """One page of a position's pipeline, newest first (`after`: a marker from the page before;
    `limit`: 1 to 200, default 50). Out of scope: NotFound; a concluded position for the hiring
    roles: ArchivedPosition (ats.services.access); privacy officers see it in full, audited."""
    wanted = parse_status(status)
    searched = normalise_reference(reference)
    marker, size = paging.decode_marker(after), paging.parse_limit(limit)
    position = await access.visible_position(deps, actor, position_id, contents=True)
    repo = deps.uow.repo
    counted = await repo.status_counts(position_id)
    cards = await repo.pipeline_cards(position_id, limit=size + 1, after=marker, status=wanted, reference=searched)
    more = len(cards) > size
    cards = cards[:size]
    if not shows_contact_details(actor.role):
        cards = [Card(application=c.application, full_name=None) for c in cards]
    details: dict[str, object] = {"count": len(cards), "search": searched is not None}
    if wanted is not None:
        details["status"] = wanted.value
    await deps.audit(actor, "position.applications_listed", position_id=position_id, details=details)
    last = cards[-1].application if more else None
    return PipelinePage(
        position=position,
        counts=[(s, counted.get(s, 0)) for s in ApplicationStatus],
        cards=cards,
        status=wanted,
        reference=searched,
        next=paging.encode_marker(paging.Marker(at=last.submitted_at, id=last.id)) if last else None,
    )
