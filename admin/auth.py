"""Session sign-in for the panel. The session cookie (Starlette's SessionMiddleware, signed
with itsdangerous) holds only the user id and sign-in time; the role is re-read each request."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from starlette.requests import Request

from ats.domain.actors import Actor
from ats.services import accounts
from ats.services.deps import Deps


def sign_in(request: Request, actor: Actor) -> None:
    request.session.clear()  # a fresh session at sign-in (no fixation)
    request.session["uid"] = str(actor.user_id)
    request.session["at"] = datetime.now(UTC).isoformat()


def sign_out(request: Request) -> None:
    request.session.clear()


async def current_actor(deps: Deps, request: Request) -> Actor | None:
    uid = request.session.get("uid")
    if not uid:
        return None
    try:
        return await accounts.actor_for_user(deps, UUID(uid))
    except ValueError:
        return None
