"""Use cases of positions (requisitions)."""

from __future__ import annotations

from uuid import UUID, uuid4

from ats.domain.actors import STAFF_ROLES, Actor, require_role
from ats.domain.errors import ValidationError
from ats.domain.model import JURISDICTIONS, Position, PositionStatus, Role
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
    if actor.kind == "user":
        require_role(actor, STAFF_ROLES)
    return await deps.uow.repo.list_positions(open_only=False)


async def get_open_position(deps: Deps, position_id: UUID) -> Position:
    from ats.services.applications import open_position

    return await open_position(deps, position_id)
