"""Who acts: a signed-in user, a candidate on the public site, or the system itself."""

from __future__ import annotations

import re
from dataclasses import dataclass
from uuid import UUID

from ats.domain.errors import Forbidden
from ats.domain.model import Role

STAFF_ROLES = frozenset(Role)


@dataclass(frozen=True)
class Actor:
    kind: str  # "user" | "candidate" | "system" | "cli"
    user_id: UUID | None = None
    role: Role | None = None
    operator: str | None = None  # kind "cli": the operating-system account that ran `ats`

    @property
    def label(self) -> str:
        """The audit trail's actor: an id, never a name or an email."""
        if self.kind == "user":
            return f"user:{self.user_id}"
        if self.kind == "cli":
            return f"cli:{self.operator}"
        return self.kind


CANDIDATE = Actor(kind="candidate")
SYSTEM = Actor(kind="system")


def cli_operator(login: str) -> Actor:
    """The person running `ats` on the server, by their OS login (getpass.getuser()): the
    operator who issues tokens or deactivates users is on record, not "system". Characters
    outside a login name's usual set are replaced, so the audit never carries free text."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]", "_", login)[:64] or "unknown"
    return Actor(kind="cli", operator=cleaned)


def staff(user_id: UUID, role: Role) -> Actor:
    return Actor(kind="user", user_id=user_id, role=role)


def require_role(actor: Actor, allowed: frozenset[Role] | set[Role]) -> None:
    """Deny by default: only listed roles pass."""
    if actor.kind != "user" or actor.role not in allowed:
        raise Forbidden("Your role does not allow this action.")
