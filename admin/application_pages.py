"""One application: its page, moving it, legal holds, lifting a restriction, downloading a record."""

from __future__ import annotations

from uuid import UUID

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from admin.panel import Panel, download_headers, uuid_param
from ats.domain.access import Action
from ats.domain.actors import Actor
from ats.domain.errors import Conflict, ValidationError
from ats.domain.model import Role
from ats.domain.records import tags_for
from ats.services import applications, restrictions, retention, workflow
from ats.web.errors import status_for
from ats.web.rules import CANDIDATE_DATA, HIRING, Rule, staff


async def render_application(
    panel: Panel, request: Request, actor: Actor, application_id: UUID, *, status: int = 200, **extra: object
) -> Response:
    """The application page; other page modules re-render it with a form's errors and values
    (`extra`) and a 4xx `status` (admin/workflow_pages.py)."""
    # One service call, the same as the API's (ats.services.applications.application_detail):
    # the scope and the role's filtering are the service's, never the page's (DESIGN §8).
    detail = await applications.application_detail(panel.deps, actor, application_id)
    view = detail.view
    return panel.page(
        request,
        "admin_application.html",
        status,
        actor=actor,
        detail=detail,
        view=view,
        records=[(r, tags_for(r)) for r in view.records],
        referees=detail.referees or [],
        consents=detail.consents or [],
        checks=detail.checks or [],
        moves=[s.value for s in detail.moves],
        may_hold=Action.HOLD in detail.actions,
        **extra,
    )


def routes(panel: Panel) -> list[Route]:
    deps = panel.deps

    async def application_page(request: Request, actor: Actor) -> Response:
        return await render_application(panel, request, actor, uuid_param(request, "application_id"))

    async def transition(request: Request, actor: Actor) -> Response:
        application_id = uuid_param(request, "application_id")
        form = await request.form(max_files=0, max_fields=5)
        await workflow.transition(deps, actor, application_id, to=form.get("to"), reason=form.get("reason") or None)
        return RedirectResponse(f"/admin/applications/{application_id}", status_code=303)

    async def legal_hold(request: Request, actor: Actor) -> Response:
        application_id = uuid_param(request, "application_id")
        form = await request.form(max_files=0, max_fields=5)
        await retention.set_legal_hold(
            deps, actor, application_id, reason=form.get("reason"), hold=form.get("action") == "set"
        )
        return RedirectResponse(f"/admin/applications/{application_id}", status_code=303)

    async def lift_restriction(request: Request, actor: Actor) -> Response:
        # GDPR Art. 18(3): the candidate is mailed the reason before the restriction goes. A
        # refusal shows the page again with the message beside the form and the reason typed.
        application_id = uuid_param(request, "application_id")
        form = await request.form(max_files=0, max_fields=3)
        reason = form.get("reason")
        try:
            await restrictions.lift(deps, actor, application_id, reason=reason)
        except (ValidationError, Conflict) as exc:
            errors = {"restriction-reason": exc.message}
            values = {"reason": reason if isinstance(reason, str) else ""}
            return await render_application(
                panel, request, actor, application_id, status=status_for(exc), lift_errors=errors, lift_values=values
            )
        return RedirectResponse(f"/admin/applications/{application_id}", status_code=303)

    async def download(request: Request, actor: Actor) -> Response:
        record, content = await applications.read_document(deps, actor, uuid_param(request, "record_id"))
        return Response(content, media_type=record.content_type, headers=download_headers(record.filename))

    return [
        panel.route(
            "/applications/{application_id}",
            application_page,
            rule=Rule(CANDIDATE_DATA, "an application in the viewer's scope"),
        ),
        panel.route(
            "/records/{record_id}/download",
            download,
            rule=Rule(CANDIDATE_DATA, "a record the viewer's role and scope allow (audited)"),
        ),
        panel.route(
            "/applications/{application_id}/transition",
            transition,
            rule=Rule(HIRING, "the hiring workflow (hiring managers: early stages only)"),
            methods=["POST"],
        ),
        panel.route(
            "/applications/{application_id}/legal-hold",
            legal_hold,
            rule=staff(Role.PRIVACY_OFFICER, why="legal holds (GDPR Art. 17(3)(e))"),
            methods=["POST"],
        ),
        panel.route(
            "/applications/{application_id}/restriction",
            lift_restriction,
            rule=staff(Role.PRIVACY_OFFICER, why="lifting a restriction (GDPR Art. 18(3))"),
            methods=["POST"],
        ),
    ]
