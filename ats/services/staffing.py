"""What the admin's page of one position shows (issue 8, item 3): the position, how many
applications it holds (a number, never who), who is assigned and who could be. No candidate
data: admins manage positions and staff, not applications (DESIGN §8)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from ats.domain.access import HIRING_ROLES
from ats.domain.actors import Actor
from ats.domain.model import Position, User
from ats.services import assignments
from ats.services.deps import Deps


@dataclass(frozen=True)
class Staffing:
    position: Position
    counts: dict[str, int]  # applications per status (a number, never who)
    assigned: list[assignments.Assigned]
    assignable: list[User]  # active recruiters and hiring managers not assigned yet

    @property
    def applications(self) -> int:
        return sum(self.counts.values())


async def position_staffing(deps: Deps, actor: Actor, position_id: UUID) -> Staffing:
    # list_assignments admits admins (and the operator) only and answers 404 for an unknown id.
    assigned = await assignments.list_assignments(deps, actor, position_id)
    position = await deps.uow.repo.get_position(position_id)
    assert position is not None
    counts = {status.value: n for status, n in (await deps.uow.repo.status_counts(position_id)).items()}
    taken = {a.user.id for a in assigned}
    assignable = [
        u for u in await deps.uow.repo.list_users() if u.active and u.role in HIRING_ROLES and u.id not in taken
    ]
    return Staffing(position, counts, assigned, assignable)
