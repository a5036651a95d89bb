"""The development mailbox (DESIGN §10): what the embedded SMTP server received, for signed-in
staff, in development only. In production the route does not exist (404 for everyone)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from admin.panel import Panel
from ats.domain.actors import Actor
from ats.domain.model import Role
from ats.services import mail
from ats.web.rules import staff


def routes(panel: Panel) -> list[Route]:
    if panel.production:
        return []

    async def mailbox(request: Request, actor: Actor) -> Response:
        messages = mail.development_mailbox(panel.deps, actor, production=panel.production)
        response = panel.page(request, "admin_mailbox.html", actor=actor, messages=messages)
        response.headers["Cache-Control"] = "no-store"  # codes and links: keep them out of caches
        return response

    return [panel.route("/dev/mailbox", mailbox, rule=staff(
                Role.PRIVACY_OFFICER,
                why="development mailbox: every candidate's mail, so only the role that sees everything",
            ),)]
