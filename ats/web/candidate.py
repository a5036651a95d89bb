"""Candidate pages: open positions, the application form, confirmation. No JavaScript needed."""

from __future__ import annotations

import re
from uuid import UUID

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from ats.domain.applicants import COUNTRIES, collect_errors
from ats.domain.errors import Conflict, DomainError, NotFound, ValidationError
from ats.domain.references import ALPHABET, PRIVACY_NOTICE_VERSION
from ats.services import applications, positions
from ats.services.deps import Deps
from ats.web.csrf import form_token_ok
from ats.web.errors import status_for
from ats.web.forms import parse_multipart, referees_from, text_fields, upload_from
from ats.web.rules import guarded, public

FIELDS = ("full_name", "email", "phone", "country", "privacy_notice_acknowledged", "talent_pool_consent")
JURISDICTION_NAMES = {
    "GB": "United Kingdom",
    "US": "United States",
    "US-CA": "California, United States",
    "US-NY-NYC": "New York City, United States",
    "FR": "France",
    "CA": "Canada",
    "IN": "India",
}
_REFERENCE = re.compile(rf"^APP-[{ALPHABET}]{{10}}$")
COUNTRY_CHOICES = sorted(COUNTRIES.items(), key=lambda item: item[1])


def routes(deps: Deps, templates: Jinja2Templates) -> list[Route]:
    def page(request: Request, name: str, status: int = 200, **context: object) -> Response:
        return templates.TemplateResponse(
            request,
            name,
            {"notice_version": PRIVACY_NOTICE_VERSION, "jurisdiction_names": JURISDICTION_NAMES, **context},
            status_code=status,
        )

    def error_page(request: Request, status: int, title: str, message: str) -> Response:
        return page(request, "error.html", status, title=title, message=message)

    async def position_or_error(request: Request) -> object:
        try:
            position_id = UUID(request.path_params["position_id"])
        except ValueError:
            return error_page(request, 404, "Position not found", "There is no such position.")
        try:
            return await positions.get_open_position(deps, position_id)
        except DomainError as exc:
            title = "Position closed" if isinstance(exc, Conflict) else "Position not found"
            return error_page(request, status_for(exc), title, exc.message)

    def form_page(request: Request, position: object, status: int = 200, **context: object) -> Response:
        return page(
            request,
            "apply.html",
            status,
            position=position,
            countries=COUNTRY_CHOICES,
            max_mb=deps.max_upload_bytes // (1024 * 1024),
            csrftoken=request.scope["csrftoken"](),
            errors=context.get("errors", {}),
            values=context.get("values", {}),
            referees=[*(context.get("referees") or []), {}, {}][:2],  # type: ignore[misc]
        )

    async def index(request: Request) -> Response:
        return page(request, "positions.html", positions=await positions.list_open_positions(deps))

    async def privacy(request: Request) -> Response:
        return page(request, "privacy.html")

    async def apply_form(request: Request) -> Response:
        position = await position_or_error(request)
        if isinstance(position, Response):
            return position
        return form_page(request, position)

    async def apply_submit(request: Request) -> Response:
        position = await position_or_error(request)
        if isinstance(position, Response):
            return position
        values: dict[str, object] = {}
        form = None
        try:
            form = await parse_multipart(request)
            if not form_token_ok(request, form):
                return page(
                    request,
                    "error.html",
                    403,
                    title="Form expired",
                    message="This form has expired or was sent from another site. "
                    "Go back, reload the page and send it again.",
                )
            values = text_fields(form, FIELDS)
            # Show every field's problem at once, next to the field (GOV.UK pattern).
            errors = collect_errors(**{k: values[k] for k in FIELDS if k != "talent_pool_consent"})
            cv = await upload_from(form, "cv")
            cover = await upload_from(form, "cover_letter")
            for name, upload in (("cv", cv), ("cover_letter", cover)):
                try:
                    await applications.check_file(deps, name, upload, required=name == "cv")
                except ValidationError as exc:
                    errors[name] = exc.message
            if errors:
                raise _FormErrors(errors)
            referees = referees_from(form)
            submitted = await applications.submit_application(
                deps, position_id=position.id, fields=values, cv=cv, cover_letter=cover, referees=referees
            )
        except _FormErrors as exc:
            return form_page(
                request, position, 422, errors=exc.errors, values=_redisplay(values), referees=_referees(form)
            )
        except (ValidationError, Conflict) as exc:
            field = exc.field or "cv"
            field = "referees" if field.startswith("referees") else field
            return form_page(
                request,
                position,
                status_for(exc),
                errors={field: exc.message},
                values=_redisplay(values),
                referees=_referees(form),
            )
        except NotFound as exc:
            return error_page(request, 404, "Position not found", exc.message)
        return RedirectResponse(
            f"/positions/{position.id}/submitted?reference={submitted.reference}", status_code=303
        )

    async def submitted(request: Request) -> Response:
        reference = request.query_params.get("reference", "")
        if not _REFERENCE.match(reference):
            return error_page(request, 404, "Not found", "This confirmation page does not exist.")
        return page(request, "submitted.html", reference=reference)

    return [
        guarded("/", index, rule=public("open positions")),
        guarded("/privacy", privacy, rule=public("the privacy notice")),
        guarded("/positions/{position_id}", apply_form, rule=public("the application form")),
        guarded("/positions/{position_id}/apply", apply_submit, rule=public("applying"), methods=["POST"]),
        guarded("/positions/{position_id}/submitted", submitted, rule=public("the confirmation page")),
    ]


class _FormErrors(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors


def _referees(form: object) -> list[dict[str, object]]:
    try:
        return referees_from(form)  # type: ignore[arg-type]
    except (ValidationError, AttributeError):
        return []


def _redisplay(values: dict[str, object]) -> dict[str, object]:
    """Keep what was typed (as text; Jinja escapes it) so the person need not type it again."""
    return {k: v for k, v in values.items() if isinstance(v, str)}
