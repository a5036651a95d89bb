"""Access rules declared next to each route (DESIGN §8: deny by default).

Every route of the panel, the API and the candidate site carries a `Rule`: who may reach it at
all. The rule is the coarse gate (role); the service behind it applies the fine one (assigned
positions, the archive phase, record types) and answers 404 for what is out of scope. A route
built without a rule is refused for everyone (`enforce`), and a test walks the app's routes and
fails on any route without one (tests/e2e/test_access_matrix.py), so a new route cannot slip
through unguarded.

A role that may not use a route at all gets 404, like an out-of-scope id: the answer does not
tell which routes or ids exist (OWASP ASVS 4.0.3 V4.1.5, "fail securely"; DESIGN §8).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from ats.domain.model import Role


@dataclass(frozen=True)
class Rule:
    """`roles` None: anyone, signed in or not (public pages, candidate links, sign-in)."""

    roles: frozenset[Role] | None
    why: str

    @property
    def public(self) -> bool:
        return self.roles is None

    def admits(self, role: Role | None) -> bool:
        return self.roles is None or (role is not None and role in self.roles)


def public(why: str) -> Rule:
    return Rule(None, why)


def staff(*roles: Role, why: str) -> Rule:
    return Rule(frozenset(roles), why)


ANY_STAFF = frozenset(Role)
HIRING = frozenset({Role.RECRUITER, Role.HIRING_MANAGER})
CANDIDATE_DATA = frozenset({Role.RECRUITER, Role.HIRING_MANAGER, Role.PRIVACY_OFFICER})


def any_staff(why: str) -> Rule:
    return Rule(ANY_STAFF, why)


def guarded(
    path: str, endpoint: object, *, rule: Rule, methods: list[str] | None = None, name: str | None = None
) -> Route:
    """A Route with its rule attached; the endpoint must itself apply `rule` (the panel's and the
    API's route builders do) or be public."""
    route = Route(path, endpoint, methods=methods, name=name)  # type: ignore[arg-type]
    route.access_rule = rule  # type: ignore[attr-defined]
    return route


def rule_of(route: BaseRoute) -> Rule | None:
    return getattr(route, "access_rule", None)


def walk(routes: Iterable[BaseRoute], prefix: str = "") -> Iterable[tuple[str, BaseRoute]]:
    """Every leaf route with its full path (Mounts flattened)."""
    for route in routes:
        if isinstance(route, Mount):
            yield from walk(route.routes, prefix + route.path)
        elif isinstance(route, Route):
            yield prefix + route.path, route


async def _refused(request: Request) -> Response:
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": {"code": "not_found", "message": "Not found.", "field": None}}, 404)
    return HTMLResponse("<!doctype html><title>Not found</title><p>This page does not exist.</p>", 404)


def enforce(routes: list[BaseRoute]) -> list[BaseRoute]:
    """Deny by default: a route without a declared rule answers 404 to everyone."""
    for _, route in walk(routes):
        if isinstance(route, Route) and rule_of(route) is None:
            route.app = _refused_app
    return routes


async def _refused_app(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
    await (await _refused(Request(scope, receive)))(scope, receive, send)
