"""Session sign-in for the panel. The session cookie (Starlette's SessionMiddleware, signed
with itsdangerous) holds only the user id, a session version, the sign-in time and the time of
the last request; the role is re-read each request.

The cookie is a browser-session cookie (no Max-Age/Expires: SessionMiddleware's max_age=None);
its lifetime is enforced here, from the signed times, with deps.clock (ats.domain.sessions)."""

from __future__ import annotations

from uuid import UUID

from starlette.requests import Request

from ats.domain.actors import Actor
from ats.domain.sessions import SEEN_RESOLUTION, parse_time, session_live
from ats.services import accounts
from ats.services.deps import Deps


async def sign_in(deps: Deps, request: Request, actor: Actor) -> None:
    request.session.clear()  # a fresh session at sign-in (no fixation)
    assert actor.user_id is not None
    now = deps.clock.now().isoformat()
    request.session["uid"] = str(actor.user_id)
    request.session["v"] = await accounts.session_version(deps, actor.user_id)
    request.session["at"] = now
    request.session["seen"] = now


async def sign_out(deps: Deps, request: Request) -> None:
    actor = await current_actor(deps, request)
    if actor is not None:
        await accounts.sign_out(deps, actor)
    request.session.clear()


async def current_actor(deps: Deps, request: Request) -> Actor | None:
    """The signed-in staff member, or None (and the session cleared) when there is none, it
    timed out, the user signed out everywhere or was deactivated."""
    uid = request.session.get("uid")
    if not uid:
        return None
    now = deps.clock.now()
    signed_in_at = parse_time(request.session.get("at"))
    last_seen = parse_time(request.session.get("seen"))
    if signed_in_at is None or last_seen is None or not session_live(signed_in_at, last_seen, now):
        request.session.clear()
        return None
    try:
        actor = await accounts.actor_for_session(deps, UUID(uid), request.session.get("v"))
    except ValueError:
        actor = None
    if actor is None:
        request.session.clear()
        return None
    if now - last_seen >= SEEN_RESOLUTION:
        request.session["seen"] = now.isoformat()
    return actor
