"""What every panel page module shares: templates, the signed-in gate with its access rule,
error pages, path parameters. Page modules (admin/*_pages.py) take a `Panel` and return their
routes, each declared with its rule (ats.web.rules)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import quote
from uuid import UUID

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from admin.auth import current_actor
from ats.domain.actors import Actor
from ats.domain.errors import DomainError, NotFound
from ats.services.deps import Deps
from ats.web.errors import status_for
from ats.web.rules import Rule, guarded

Page = Callable[[Request, Actor], Awaitable[Response]]


@dataclass
class Panel:
    deps: Deps
    templates: Jinja2Templates
    production: bool = False

    def page(self, request: Request, name: str, status: int = 200, **context: object) -> Response:
        context.setdefault("csrftoken", request.scope["csrftoken"]())
        return self.templates.TemplateResponse(request, name, context, status_code=status)

    def route(self, path: str, handler: Page, *, rule: Rule, methods: list[str] | None = None) -> Route:
        """A signed-in page: no session → the sign-in page; a role the rule does not admit →
        404 (as an out-of-scope id would); a domain error → the error page with its status."""
        assert not rule.public, "public panel routes are built with ats.web.rules.guarded"

        async def endpoint(request: Request) -> Response:
            actor = await current_actor(self.deps, request)
            if actor is None:
                return RedirectResponse("/admin/login", status_code=303)
            try:
                if not rule.admits(actor.role):
                    raise NotFound("This page does not exist.")
                return await handler(request, actor)
            except DomainError as exc:
                return self.page(request, "admin_error.html", status_for(exc), actor=actor, message=exc.message)

        return guarded(path, endpoint, rule=rule, methods=methods)


def uuid_param(request: Request, name: str) -> UUID:
    try:
        return UUID(request.path_params[name])
    except ValueError:
        raise NotFound("There is no such item.") from None


def download_headers(filename: str) -> dict[str, str]:
    # RFC 6266 / RFC 5987: an ASCII fallback plus the UTF-8 name, never raw header text.
    ascii_name = filename.encode("ascii", "ignore").decode().replace('"', "") or "document"
    return {
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}",
        "Cache-Control": "no-store",
        "Content-Security-Policy": "default-src 'none'; sandbox",
    }
