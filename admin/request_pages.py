"""The privacy officer's data-subject requests (DESIGN §11): the queue ordered by due date with
overdue cases marked, and a case's page with its applications, the extension form (months,
reason) and the decision form for its kind (fulfil or refuse with a reason; rectification: the
corrected contact fields and an optional replacement CV; objection: a compelling ground;
withdrawal: which consent). Privacy officers only (DESIGN §8).

Each form calls the service the API calls (ats.services.privacy_requests), which checks the law's
limits and runs the fulfilment. A refused form re-renders the case with its status (4xx), the
error beside the form and the values as typed (Jinja escapes them).

The decision form is multipart (the replacement CV). asgi-csrf cannot parse multipart bodies
(simonw/asgi-csrf#38), so ats.web.csrf lets this one path through and the handler checks the
form's token itself after the in-memory parse (ats.web.forms.parse_multipart), as the candidate
application form does; sent urlencoded, asgi-csrf has checked it already.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from admin.panel import Panel, uuid_param
from ats.domain.actors import Actor
from ats.domain.errors import DomainError, Forbidden, NotFound, ValidationError
from ats.domain.model import Role
from ats.domain.privacy_requests import RequestStatus
from ats.services import privacy_requests
from ats.web.csrf import form_token_ok, is_multipart
from ats.web.errors import status_for
from ats.web.forms import parse_multipart, text_fields, upload_from
from ats.web.rules import staff

OFFICERS = staff(Role.PRIVACY_OFFICER, why="data-subject requests: the privacy officer's cases (DESIGN §8, §11)")
DECISION_FIELDS = (
    "decision",
    "reason",
    "full_name",
    "email",
    "phone",
    "country",
    "compelling_ground",
    "which",
)
CONTACT = ("full_name", "email", "phone", "country")


@dataclass
class CaseForm:
    """A refused form: which one (`extension` or `decision`), its error, the values to show again."""

    form: str
    error: str = ""
    values: dict[str, object] = field(default_factory=dict)


def decision_inputs(kind: str, values: dict[str, object], cv: object) -> dict[str, object]:
    """The kind-specific inputs of a decision, as the service takes them (empty fields left out)."""
    if kind == "rectification":
        changes = {k: values[k] for k in CONTACT if values.get(k)}
        return {"changes": {**changes, "cv": cv} if cv is not None else changes}
    if kind == "objection":
        return {"compelling_ground": values.get("compelling_ground") or None}
    if kind == "withdraw_consent":
        return {"which": values.get("which") or None}
    return {}


def routes(panel: Panel) -> list[Route]:
    deps = panel.deps

    async def render(request: Request, actor: Actor, rid: UUID, status: int = 200, state: CaseForm | None = None) -> Response:
        case = await privacy_requests.get(deps, actor, rid)
        today = deps.clock.now().date()
        return panel.page(request, "admin_request.html", status, actor=actor, case=case, st=state, today=today)

    async def refused(request: Request, actor: Actor, rid: UUID, exc: DomainError, state: CaseForm) -> Response:
        if isinstance(exc, NotFound | Forbidden):
            raise exc
        state.error = exc.message
        return await render(request, actor, rid, status_for(exc), state)

    async def queue(request: Request, actor: Actor) -> Response:
        """Open cases by default (unverified ones are nobody's case yet); `?status=` another
        status, or `all`. A bad status is shown beside the filter over the open cases (422)."""
        asked = request.query_params.get("status", "open")
        problem, status = None, 200
        try:
            cases = await privacy_requests.queue(deps, actor, status=None if asked == "all" else asked)
        except ValidationError as exc:
            problem, status = exc.message, 422
            cases = await privacy_requests.queue(deps, actor, status="open")
        response = panel.page(
            request,
            "admin_requests.html",
            status,
            actor=actor,
            cases=cases,
            today=deps.clock.now().date(),
            asked=asked,
            statuses=[*(s.value for s in RequestStatus), "all"],
            problem=problem,
        )
        response.headers["Cache-Control"] = "no-store"
        return response

    async def case_page(request: Request, actor: Actor) -> Response:
        response = await render(request, actor, uuid_param(request, "request_id"))
        response.headers["Cache-Control"] = "no-store"
        return response

    async def extend(request: Request, actor: Actor) -> Response:
        rid = uuid_param(request, "request_id")
        form = await request.form(max_files=0, max_fields=4)
        values = text_fields(form, ("months", "reason"))
        state = CaseForm("extension", values={k: v for k, v in values.items() if isinstance(v, str)})
        try:
            await privacy_requests.extend(deps, actor, rid, months=values["months"], reason=values["reason"])
        except DomainError as exc:
            return await refused(request, actor, rid, exc, state)
        return RedirectResponse(f"/admin/requests/{rid}", status_code=303)

    async def decide(request: Request, actor: Actor) -> Response:
        rid = uuid_param(request, "request_id")
        state = CaseForm("decision")
        try:
            if is_multipart(request.scope):
                form = await parse_multipart(request, max_files=1, max_fields=len(DECISION_FIELDS) + 2)
            else:  # no file: an ordinary form, whose token asgi-csrf has checked
                form = await request.form(max_files=0, max_fields=len(DECISION_FIELDS) + 2)
            if not form_token_ok(request, form):
                return panel.page(
                    request,
                    "admin_error.html",
                    403,
                    actor=actor,
                    message="This form has expired or was sent from another site. Reload the page and send it again.",
                )
            values = text_fields(form, DECISION_FIELDS)
            state.values = {k: v for k, v in values.items() if isinstance(v, str)}
            cv = await upload_from(form, "cv")
            case = await privacy_requests.get(deps, actor, rid)
            await privacy_requests.decide(
                deps,
                actor,
                rid,
                decision=values["decision"],
                reason=values["reason"],
                **decision_inputs(case.kind, state.values, cv),
            )
        except DomainError as exc:
            return await refused(request, actor, rid, exc, state)
        return RedirectResponse(f"/admin/requests/{rid}", status_code=303)

    case = "/requests/{request_id}"
    return [
        panel.route("/requests", queue, rule=OFFICERS),
        panel.route(case, case_page, rule=OFFICERS),
        panel.route(f"{case}/extension", extend, rule=OFFICERS, methods=["POST"]),
        panel.route(f"{case}/decision", decide, rule=OFFICERS, methods=["POST"]),
    ]
