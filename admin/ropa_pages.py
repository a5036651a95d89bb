"""The record of processing activities (GDPR Art. 30), generated from the live policy tables and
data on each visit (ats.services.ropa; the same record as `ats ropa --json`). Privacy officers
only (DESIGN §8); anyone else 404."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from admin.panel import Panel
from ats.domain.actors import Actor
from ats.domain.model import Role
from ats.services import ropa
from ats.web.rules import staff

OFFICERS = staff(Role.PRIVACY_OFFICER, why="the record of processing activities (GDPR Art. 30; DESIGN §8)")


def routes(panel: Panel) -> list[Route]:
    async def page(request: Request, actor: Actor) -> Response:
        record = await ropa.record_of_processing(panel.deps, actor)
        return panel.page(request, "admin_ropa.html", actor=actor, ropa=record)

    return [panel.route("/ropa", page, rule=OFFICERS)]
