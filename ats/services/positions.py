"""Use cases of positions (requisitions)."""

from __future__ import annotations

from uuid import UUID, uuid4

from ats.domain.access import sees_all_positions
from ats.domain.actors import Actor, require_role
from ats.domain.errors import NotFound, ValidationError
from ats.domain.model import JURISDICTIONS, Position, PositionStatus, Role
from ats.ports import Assignment
from ats.services.access import is_operator
from ats.services.deps import Deps

MAX_TITLE = 200


async def create_position(deps: Deps, actor: Actor, *, title: str, jurisdiction: str) -> Position:
    if actor.kind == "user":
        require_role(actor, {Role.RECRUITER, Role.ADMIN})
    clean = " ".join(title.split()) if isinstance(title, str) else ""
    if not clean:
        raise ValidationError("Enter the position's title.", field="title")
    if len(clean) > MAX_TITLE:
        raise ValidationError(f"A title must be at most {MAX_TITLE} characters.", field="title")
    if jurisdiction not in JURISDICTIONS:
        raise ValidationError(
            f"Choose a jurisdiction from: {', '.join(JURISDICTIONS)}.", field="jurisdiction"
        )
    position = Position(
        id=uuid4(),
        title=clean,
        jurisdiction=jurisdiction,
        status=PositionStatus.OPEN,
        created_at=deps.clock.now(),
    )
    async with deps.uow.transaction() as tx:
        await tx.add_position(position)
        if actor.kind == "user" and actor.role is Role.RECRUITER and actor.user_id is not None:
            # A recruiter who opens a requisition works on it: assigned in the same transaction,
            # or they could not see what they just created (DESIGN §8).
            await tx.add_assignment(Assignment(position.id, actor.user_id, position.created_at))
        await tx.append_audit(
            [
                deps.event(
                    actor,
                    "position.created",
                    position_id=position.id,
                    details={"jurisdiction": jurisdiction},
                )
            ]
        )
    return position


async def list_open_positions(deps: Deps) -> list[Position]:
    return await deps.uow.repo.list_positions(open_only=True)


async def list_positions(deps: Deps, actor: Actor) -> list[Position]:
    """What the actor may see (DESIGN §8): recruiters and hiring managers their assigned
    positions (open or concluded: a concluded one shows its archive summary only), privacy
    officers and admins every position. Two queries whatever the number of positions."""
    if actor.kind == "candidate":
        raise NotFound("There is no such page.")
    everything = await deps.uow.repo.list_positions(open_only=False)
    if is_operator(actor) or sees_all_positions(actor.role):
        return everything
    assert actor.user_id is not None
    mine = await deps.uow.repo.assigned_position_ids(actor.user_id)
    return [p for p in everything if p.id in mine]


async def get_open_position(deps: Deps, position_id: UUID) -> Position:
    from ats.services.applications import open_position

    return await open_position(deps, position_id)


async def list_with_counts(deps: Deps, actor: Actor) -> list[tuple[Position, int]]:
    """The admin's list: every position with its status and how many applications it holds
    (a count, never who applied). Two queries whatever the number of positions."""
    if actor.kind == "user":
        require_role(actor, {Role.ADMIN})
    counts = await deps.uow.repo.count_applications_by_position()
    return [(p, counts.get(p.id, 0)) for p in await deps.uow.repo.list_positions(open_only=False)]
