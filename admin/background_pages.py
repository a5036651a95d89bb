"""The application page's background-check forms: request consent (only the check types the
position's jurisdiction allows are offered; the link is mailed to the candidate), start a check
under a given consent, record its result, send the pre-adverse notice, record the decision.

Each form calls the service the API calls (ats.services.background), which re-checks scope,
order and law. A refused form re-renders the application page with its status (4xx), the error
beside the form and the values as typed (Jinja escapes them). Recruiters only (DESIGN §8: the
hiring workflow; criminal-offence data); privacy officers see the section read-only.

The result form is multipart (the report document). asgi-csrf cannot parse multipart bodies
(simonw/asgi-csrf#38), so ats.web.csrf lets this one path through and the handler checks the
form's token itself after the in-memory parse (ats.web.forms.parse_multipart), as the candidate
application form does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from admin.application_pages import render_application
from admin.panel import Panel, uuid_param
from ats.domain.actors import Actor
from ats.domain.errors import DomainError, Forbidden, NotFound
from ats.domain.model import Role
from ats.services import background, consents
from ats.web.csrf import form_token_ok, is_multipart
from ats.web.errors import status_for
from ats.web.forms import parse_multipart, text_fields, upload_from
from ats.web.rules import staff

RECRUITERS = staff(
    Role.RECRUITER,
    why="the background-check workflow (criminal-offence data): assigned recruiters only; privacy officers read it",
)


@dataclass
class BgForm:
    """A refused form: its id (the element the error sits beside) and the values to show again."""

    form: str
    error: str = ""
    values: dict[str, object] = field(default_factory=dict)


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def routes(panel: Panel) -> list[Route]:
    deps = panel.deps
    # Static policy data for the section (which types to offer, which notice needs an analysis).
    panel.templates.env.globals.update(bg_policy=deps.policy, bg_notices=deps.notices)

    async def refused(request: Request, actor: Actor, application_id: UUID, exc: DomainError, state: BgForm) -> Response:
        if isinstance(exc, NotFound | Forbidden):
            raise exc  # out of scope: the 404 page, as for any unknown id
        state.error = exc.message
        return await render_application(panel, request, actor, application_id, status=status_for(exc), bg=state)

    def back(application_id: UUID) -> Response:
        return RedirectResponse(f"/admin/applications/{application_id}#background", status_code=303)

    async def request_consent(request: Request, actor: Actor) -> Response:
        application_id = uuid_param(request, "application_id")
        form = await request.form(max_files=0, max_fields=10)
        types = [t for t in form.getlist("check_types") if isinstance(t, str)]
        state = BgForm("bg-consent", values={"check_types": types})
        try:
            await consents.request_consent(deps, actor, application_id, types)
        except DomainError as exc:
            return await refused(request, actor, application_id, exc, state)
        return back(application_id)

    async def start_check(request: Request, actor: Actor) -> Response:
        application_id = uuid_param(request, "application_id")
        form = await request.form(max_files=0, max_fields=4)
        consent_id, check_type = _text(form, "consent_request_id"), _text(form, "check_type")
        state = BgForm(f"bg-start-{consent_id}", values={"check_type": check_type})
        try:
            await background.start_check(deps, actor, application_id, consent_id=consent_id, check_type=check_type)
        except DomainError as exc:
            return await refused(request, actor, application_id, exc, state)
        return back(application_id)

    async def record_result(request: Request, actor: Actor) -> Response:
        application_id, check_id = uuid_param(request, "application_id"), uuid_param(request, "check_id")
        state = BgForm(f"bg-result-{check_id}")
        try:
            if is_multipart(request.scope):
                form = await parse_multipart(request, max_files=1, max_fields=6)
            else:  # no document (France): an ordinary form, whose token asgi-csrf has checked
                form = await request.form(max_files=0, max_fields=6)
            if not form_token_ok(request, form):
                return panel.page(
                    request,
                    "admin_error.html",
                    403,
                    actor=actor,
                    message="This form has expired or was sent from another site. Reload the page and send it again.",
                )
            fields = text_fields(form, ("result", "seen", "satisfactory"))
            state.values = {k: v for k, v in fields.items() if isinstance(v, str)}
            upload = await upload_from(form, "document")
            await background.record_result(
                deps,
                actor,
                check_id,
                result=fields["result"],
                document=(upload.filename, upload.data) if upload else None,
                seen=fields["seen"] or None,
                satisfactory=fields["satisfactory"] or None,
            )
        except DomainError as exc:
            return await refused(request, actor, application_id, exc, state)
        return back(application_id)

    async def pre_adverse(request: Request, actor: Actor) -> Response:
        application_id, check_id = uuid_param(request, "application_id"), uuid_param(request, "check_id")
        form = await request.form(max_files=0, max_fields=3)
        assessment = _text(form, "assessment")
        state = BgForm(f"bg-notice-{check_id}", values={"assessment": assessment})
        try:
            await background.send_pre_adverse_notice(deps, actor, check_id, assessment=assessment or None)
        except DomainError as exc:
            return await refused(request, actor, application_id, exc, state)
        return back(application_id)

    async def decide(request: Request, actor: Actor) -> Response:
        application_id, check_id = uuid_param(request, "application_id"), uuid_param(request, "check_id")
        form = await request.form(max_files=0, max_fields=3)
        decision = _text(form, "decision")
        state = BgForm(f"bg-decide-{check_id}", values={"decision": decision})
        try:
            await background.decide(deps, actor, check_id, decision=decision)
        except DomainError as exc:
            return await refused(request, actor, application_id, exc, state)
        return back(application_id)

    base = "/applications/{application_id}/background"
    check = "/applications/{application_id}/checks/{check_id}"
    return [
        panel.route(f"{base}/consent", request_consent, rule=RECRUITERS, methods=["POST"]),
        panel.route(f"{base}/checks", start_check, rule=RECRUITERS, methods=["POST"]),
        panel.route(f"{check}/result", record_result, rule=RECRUITERS, methods=["POST"]),
        panel.route(f"{check}/pre-adverse-notice", pre_adverse, rule=RECRUITERS, methods=["POST"]),
        panel.route(f"{check}/decision", decide, rule=RECRUITERS, methods=["POST"]),
    ]
