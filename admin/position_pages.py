"""Positions: the list a user may see, a position's applications, concluding hiring."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from admin.panel import Panel, uuid_param
from ats.domain.actors import Actor
from ats.domain.errors import ArchivedPosition, ValidationError
from ats.domain.model import ApplicationStatus, Role
from ats.services import pipeline, positions, retention
from ats.web.rules import CANDIDATE_DATA, Rule, any_staff, staff

STATES = [s.value for s in ApplicationStatus]  # the archive's counts in the workflow's order


def _keep(page: pipeline.PipelinePage, limit: str | None) -> str:
    """The query string that keeps the current filter and page size across keyset links."""
    kept = {"status": page.status.value if page.status else None, "reference": page.reference, "limit": limit}
    return urlencode({k: v for k, v in kept.items() if v})


def routes(panel: Panel) -> list[Route]:
    deps = panel.deps

    async def home(request: Request, actor: Actor) -> Response:
        listed = await positions.list_positions(deps, actor)
        return panel.page(request, "admin_positions.html", actor=actor, positions=listed)

    async def position_page(request: Request, actor: Actor) -> Response:
        """The pipeline: counts per state, one keyset page of cards, a state filter and a
        reference search (GET forms). A bad filter or search value is shown beside its form,
        the value kept, over the unfiltered page (422); a concluded position shows the hiring
        team its archive summary only."""
        query = request.query_params
        position_id = uuid_param(request, "position_id")
        asked = {name: query.get(name) for name in ("status", "reference", "after", "limit")}
        problem: ValidationError | None = None
        try:
            try:
                page = await pipeline.pipeline_page(deps, actor, position_id, **asked)
            except ValidationError as exc:
                if exc.field not in ("status", "reference"):
                    raise
                problem = exc
                page = await pipeline.pipeline_page(deps, actor, position_id, limit=asked["limit"])
        except ArchivedPosition as archived:
            return panel.page(
                request, "admin_position_archived.html", actor=actor, summary=archived.summary, states=STATES
            )
        return panel.page(
            request,
            "admin_position.html",
            422 if problem else 200,
            actor=actor,
            position=page.position,
            page=page,
            problem=problem,
            typed={k: (v or "") for k, v in asked.items()},
            first_page=problem is not None or not asked["after"],
            keep=_keep(page, asked["limit"]),
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
