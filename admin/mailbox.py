"""The development mailbox (DESIGN §10): what the embedded SMTP server received, for signed-in
staff, in development only. In production the route does not exist (404 for everyone)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ats.domain.actors import Actor
from ats.services import mail
from ats.services.deps import Deps

Page = Callable[..., Response]
Guard = Callable[[Callable[[Request, Actor], Awaitable[Response]]], Callable[[Request], Awaitable[Response]]]


def routes(deps: Deps, page: Page, signed_in: Guard, *, production: bool) -> list[Route]:
    if production:
        return []

    async def mailbox(request: Request, actor: Actor) -> Response:
        messages = mail.development_mailbox(deps, actor, production=production)
        response = page(request, "admin_mailbox.html", actor=actor, messages=messages)
        response.headers["Cache-Control"] = "no-store"  # codes and links: keep them out of caches
        return response

    return [Route("/dev/mailbox", signed_in(mailbox))]
