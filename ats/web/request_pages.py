"""The candidate's data-subject request pages (DESIGN §11), working without JavaScript:

- `/privacy/requests`: the form (email, the right asked for with a plain-language explanation of
  each, an optional application reference, details);
- then `/privacy/requests/{id}/verification`: "check your email" and the one-time code form. The
  submit answers the same redirect whatever the address (the service does the same work for a
  known and an unknown one), so the page tells nobody whether an address is on file;
- then the confirmation with the due date (the clock starts at verification).

Handlers parse the form, call one service (ats.services.privacy_requests) and show its errors
beside their fields with the values kept. The forms are urlencoded: asgi-csrf checks their token
(the hidden `csrftoken` field) before a handler runs. Per-client rate limits on both POSTs are
applied before any body is read (ats.web.ratelimit: `privacy_requests`, `verification_codes`).
"""

from __future__ import annotations

from uuid import UUID

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from ats.domain.errors import DomainError, NotFound, ValidationError
from ats.domain.privacy_requests import MAX_DETAILS
from ats.services import privacy_requests
from ats.services.deps import Deps
from ats.services.request_desk import TooManyRequests
from ats.web.errors import status_for
from ats.web.rules import guarded, public

FIELDS = ("email", "kind", "reference", "details")
NOT_FOUND = "There is no such request. Make a new one."


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def routes(deps: Deps, templates: Jinja2Templates) -> list[Route]:
    def page(request: Request, name: str, status: int = 200, **context: object) -> Response:
        context.setdefault("csrftoken", request.scope["csrftoken"]())
        context.setdefault("errors", {})
        context.setdefault("values", {})
        context.setdefault("details_max", MAX_DETAILS)
        response = templates.TemplateResponse(request, name, context, status_code=status)
        # What a person typed about their data: kept out of shared and browser caches.
        response.headers["Cache-Control"] = "no-store"
        return response

    def closed(request: Request, exc: DomainError) -> Response:
        title = "Request not found" if isinstance(exc, NotFound) else "This request cannot continue"
        return page(request, "privacy_request_closed.html", status_for(exc), title=title, message=exc.message)

    def request_id(request: Request) -> UUID:
        try:
            return UUID(request.path_params["request_id"])
        except ValueError:
            raise NotFound(NOT_FOUND) from None

    async def form_page(request: Request) -> Response:
        return page(request, "privacy_request.html")

    async def submit(request: Request) -> Response:
        form = await request.form(max_files=0, max_fields=len(FIELDS) + 1)
        values = {name: _text(form, name) for name in FIELDS}
        try:
            created = await privacy_requests.submit(
                deps,
                email=values["email"],
                kind=values["kind"],
                reference=values["reference"] or None,
                details=values["details"] or None,
            )
        except ValidationError as exc:
            field = exc.field if exc.field in FIELDS else "email"
            return page(request, "privacy_request.html", status_for(exc), errors={field: exc.message}, values=values)
        except TooManyRequests as exc:  # per address, whoever asks (ats.services.request_desk)
            response = page(request, "privacy_request.html", 429, errors={"email": exc.message}, values=values)
            response.headers["Retry-After"] = str(exc.retry_after)
            return response
        # Post/Redirect/Get: a reload does not send a second code.
        return RedirectResponse(f"/privacy/requests/{created.id}/verification", status_code=303)

    async def code_page(request: Request) -> Response:
        try:
            rid = request_id(request)
        except NotFound as exc:
            return closed(request, exc)
        # Nothing is read here: the page is the same for every id, known or not.
        return page(request, "privacy_request_code.html", request_id=rid)

    async def verify(request: Request) -> Response:
        form = await request.form(max_files=0, max_fields=2)
        code = _text(form, "code")
        try:
            rid = request_id(request)
            verified = await privacy_requests.verify(deps, rid, code)
        except ValidationError as exc:
            return page(
                request,
                "privacy_request_code.html",
                status_for(exc),
                request_id=request.path_params["request_id"],
                errors={"code": exc.message},
                values={"code": code},
            )
        except TooManyRequests as exc:
            response = page(
                request,
                "privacy_request_code.html",
                429,
                request_id=request.path_params["request_id"],
                errors={"code": exc.message},
                values={"code": code},
            )
            response.headers["Retry-After"] = str(exc.retry_after)
            return response
        except DomainError as exc:
            return closed(request, exc)
        due_on = verified.due_on if verified.status == "open" else None
        return page(request, "privacy_request_done.html", request_id=rid, due_on=due_on)

    why = "a person asking about their data: identity is proven by the mailed code"
    return [
        guarded("/privacy/requests", form_page, rule=public("the data-subject request form"), methods=["GET"]),
        guarded("/privacy/requests", submit, rule=public(why), methods=["POST"]),
        guarded("/privacy/requests/{request_id}/verification", code_page, rule=public(why), methods=["GET"]),
        guarded("/privacy/requests/{request_id}/verification", verify, rule=public(why), methods=["POST"]),
    ]
