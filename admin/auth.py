"""Session sign-in for the panel. The session cookie (Starlette's SessionMiddleware, signed
with itsdangerous) holds only the user id and sign-in time; the role is re-read each request."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from starlette.requests import Request

from ats.domain.actors import Actor
from ats.services import accounts
from ats.services.deps import Deps


async def sign_in(deps: Deps, request: Request, actor: Actor) -> None:
    request.session.clear()  # a fresh session at sign-in (no fixation)
    assert actor.user_id is not None
    request.session["uid"] = str(actor.user_id)
    request.session["v"] = await accounts.session_version(deps, actor.user_id)
    request.session["at"] = datetime.now(UTC).isoformat()


async def sign_out(deps: Deps, request: Request) -> None:
    actor = await current_actor(deps, request)
    if actor is not None:
        await accounts.sign_out(deps, actor)
    request.session.clear()


async def current_actor(deps: Deps, request: Request) -> Actor | None:
    uid = request.session.get("uid")
    if not uid:
        return None
    try:
        return await accounts.actor_for_session(deps, UUID(uid), request.session.get("v"))
    except ValueError:
        return None
