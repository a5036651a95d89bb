"""Who acts: a signed-in user, a candidate on the public site, or the system itself."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from ats.domain.errors import Forbidden
from ats.domain.model import Role

STAFF_ROLES = frozenset(Role)


@dataclass(frozen=True)
class Actor:
    kind: str  # "user" | "candidate" | "system"
    user_id: UUID | None = None
    role: Role | None = None

    @property
    def label(self) -> str:
        """The audit trail's actor: an id, never a name or an email."""
        return f"user:{self.user_id}" if self.kind == "user" else self.kind


CANDIDATE = Actor(kind="candidate")
SYSTEM = Actor(kind="system")


def staff(user_id: UUID, role: Role) -> Actor:
    return Actor(kind="user", user_id=user_id, role=role)


def require_role(actor: Actor, allowed: frozenset[Role] | set[Role]) -> None:
    """Deny by default: only listed roles pass."""
    if actor.kind != "user" or actor.role not in allowed:
        raise Forbidden("Your role does not allow this action.")
