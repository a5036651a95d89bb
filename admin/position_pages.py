"""Positions: the list a user may see, a position's applications, concluding hiring."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from admin.panel import Panel, uuid_param
from ats.domain.actors import Actor
from ats.domain.model import Role
from ats.services import applications, positions, retention
from ats.web.rules import CANDIDATE_DATA, Rule, any_staff, staff


def routes(panel: Panel) -> list[Route]:
    deps = panel.deps

    async def home(request: Request, actor: Actor) -> Response:
        listed = await positions.list_positions(deps, actor)
        return panel.page(request, "admin_positions.html", actor=actor, positions=listed)

    async def position_page(request: Request, actor: Actor) -> Response:
        query = request.query_params
        listed = await applications.list_applications(
            deps, actor, uuid_param(request, "position_id"), after=query.get("after"), limit=query.get("limit")
        )
        return panel.page(
            request,
            "admin_position.html",
            actor=actor,
            position=listed.position,
            rows=listed.rows,
            next=listed.next,
            first_page=not query.get("after"),
            limit=query.get("limit"),
        )

    async def conclude(request: Request, actor: Actor) -> Response:
        position_id = uuid_param(request, "position_id")
        form = await request.form(max_files=0, max_fields=5)
        await retention.conclude_position(
            deps, actor, position_id, outcome=str(form.get("outcome", "")), production=panel.production
        )
        return RedirectResponse(f"/admin/positions/{position_id}", status_code=303)

    return [
        panel.route("/", home, rule=any_staff("the positions each role may see")),
        panel.route(
            "/positions/{position_id}",
            position_page,
            rule=Rule(CANDIDATE_DATA, "applications of a position in the viewer's scope"),
        ),
        panel.route(
            "/positions/{position_id}/conclude",
            conclude,
            rule=staff(Role.RECRUITER, Role.ADMIN, why="recruiters conclude their positions; admins any"),
            methods=["POST"],
        ),
    ]
