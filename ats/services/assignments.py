"""Use cases of assignments: which staff work on which position (DESIGN §8, need to know).

Admins (and the server's operator through the CLI) assign recruiters and hiring managers to
positions; the assignment is what the scope helpers (ats.services.access) read. Each change is
audited with ids only (the user's id, never an email)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from ats.domain.actors import Actor
from ats.domain.errors import Conflict, NotFound, ValidationError
from ats.domain.model import Position, Role, User
from ats.ports import Assignment
from ats.services.access import HIRING_ROLES, NO_POSITION, is_operator
from ats.services.deps import Deps


@dataclass(frozen=True)
class Assigned:
    assignment: Assignment
    user: User


def _admin(actor: Actor) -> None:
    """Admins only (and the operator); to anyone else the route does not exist (404)."""
    if not (is_operator(actor) or (actor.kind == "user" and actor.role is Role.ADMIN)):
        raise NotFound(NO_POSITION)


async def _position_and_user(deps: Deps, position_id: UUID, email: object) -> tuple[Position, User]:
    position = await deps.uow.repo.get_position(position_id)
    if position is None:
        raise NotFound(NO_POSITION)
    address = email.strip().lower() if isinstance(email, str) else ""
    if not address:
        raise ValidationError("Give the email address of the user to assign.", field="email")
    user = await deps.uow.repo.get_user_by_email(address)
    if user is None:
        raise NotFound("There is no user with this email address.", field="email")
    return position, user


async def assign(deps: Deps, actor: Actor, position_id: UUID, *, email: object) -> Assignment:
    _admin(actor)
    position, user = await _position_and_user(deps, position_id, email)
    if user.role not in HIRING_ROLES:
        raise ValidationError(
            "Only recruiters and hiring managers are assigned to positions "
            "(privacy officers and admins already see every position).",
            field="email",
        )
    if not user.active:
        raise ValidationError("This user is deactivated; reactivate them before assigning.", field="email")
    if not position.is_open:
        raise Conflict(
            "Hiring for this position has concluded; its applications are archived.", code="position_closed"
        )
    assignment = Assignment(position_id=position.id, user_id=user.id, assigned_at=deps.clock.now())
    async with deps.uow.transaction() as tx:
        if not await tx.add_assignment(assignment):
            raise Conflict("This user is already assigned to this position.", code="already_assigned")
        await tx.append_audit(
            [deps.event(actor, "assignment.added", position_id=position.id, details={"user": str(user.id)})]
        )
    return assignment


async def unassign(deps: Deps, actor: Actor, position_id: UUID, *, email: object) -> None:
    _admin(actor)
    position, user = await _position_and_user(deps, position_id, email)
    async with deps.uow.transaction() as tx:
        if not await tx.remove_assignment(position.id, user.id):
            raise Conflict("This user is not assigned to this position.", code="not_assigned")
        await tx.append_audit(
            [deps.event(actor, "assignment.removed", position_id=position.id, details={"user": str(user.id)})]
        )


async def list_assignments(deps: Deps, actor: Actor, position_id: UUID) -> list[Assigned]:
    """Who is assigned to a position, oldest assignment first (admins and the operator)."""
    _admin(actor)
    if await deps.uow.repo.get_position(position_id) is None:
        raise NotFound(NO_POSITION)
    rows = await deps.uow.repo.list_assignments(position_id)
    found = []
    for row in rows:  # a handful per position: the staff of one requisition
        user = await deps.uow.repo.get_user(row.user_id)
        if user is not None:
            found.append(Assigned(row, user))
    return found
