"""The retention dashboard (issue 11 items 2, 4, 6; DESIGN §8: privacy officers only, anyone
else 404): the erasure forecast as a server-drawn SVG with a table beside it for screen readers
(no script: the CSP in ats/web/security.py is unchanged), overdue items with why, holds with
their history, each job's last runs, erasure receipts by reference, stale positions and the form
asking a stale position's recruiters to conclude it.

The chart is drawn by the template from ats.domain.oversight.chart, not by pygal: pygal always
writes an inline configuration <script> and an inline <style> into its SVG (pygal/svg.py,
add_scripts and add_styles, whatever `js=[]` says), which the CSP's script-src/style-src
'self' would block on this page."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from admin.panel import Panel, uuid_param
from ats.domain.actors import Actor
from ats.domain.errors import Conflict, ValidationError
from ats.domain.model import Role
from ats.domain.oversight import chart
from ats.services import dashboard, stale
from ats.web.rules import staff

OFFICERS = staff(Role.PRIVACY_OFFICER, why="the retention dashboard: the privacy officer's console (DESIGN §8, issue 11)")


def routes(panel: Panel) -> list[Route]:
    deps = panel.deps

    async def show(request: Request, actor: Actor, status: int = 200, **extra: object) -> Response:
        asked = request.query_params.get("reference", "")
        problem = None
        try:
            board = await dashboard.dashboard(deps, actor, reference=asked)
        except ValidationError as exc:
            problem, status = exc.message, 422
            board = await dashboard.dashboard(deps, actor)
        response = panel.page(
            request, "admin_dashboard.html", status, actor=actor, board=board, chart=chart([(m.month, m.total) for m in board.months]),
            asked=asked, problem=problem, **extra,
        )
        response.headers["Cache-Control"] = "no-store"
        return response

    async def page(request: Request, actor: Actor) -> Response:
        return await show(request, actor)

    async def ask(request: Request, actor: Actor) -> Response:
        position_id = uuid_param(request, "position_id")
        await request.form(max_files=0, max_fields=2)
        try:
            asked = await stale.ask_to_conclude(deps, actor, position_id)
        except Conflict as exc:
            return await show(request, actor, 409, stale_error=(str(position_id), exc.message))
        return RedirectResponse(f"/admin/oversight?asked={position_id}&recipients={asked}#stale", status_code=303)

    return [
        panel.route("/oversight", page, rule=OFFICERS),
        panel.route("/oversight/positions/{position_id}/conclusion-request", ask, rule=OFFICERS, methods=["POST"]),
    ]
