"""The candidate's export download (DESIGN §11): a page for the signed single-use link, whose
form downloads the ZIP. The GET only shows the page: mail scanners and link previews fetch
links on their own, and must not use the one download (the POST, CSRF-checked, does)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from ats.domain.errors import DomainError
from ats.domain.exports import EXPORT_LIFETIME
from ats.services import exports
from ats.services.deps import Deps
from ats.web.errors import status_for
from ats.web.rules import guarded, public

# The token is the credential, checked by the service (signature, age, single use).
EXPORT_LINK = public("a candidate's signed single-use export link")


def routes(deps: Deps, templates: Jinja2Templates) -> list[Route]:
    def page(request: Request, name: str, status: int = 200, **context: object) -> Response:
        context.setdefault("csrftoken", request.scope["csrftoken"]())
        response = templates.TemplateResponse(request, name, context, status_code=status)
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"  # the token is in the path
        return response

    def error(request: Request, exc: DomainError) -> Response:
        return page(request, "error.html", status_for(exc), title="This link cannot be used", message=exc.message)

    async def export_page(request: Request) -> Response:
        try:
            link, record = await exports.check_link(deps, request.path_params["token"])
        except DomainError as exc:
            return error(request, exc)
        until = (link.created_at + EXPORT_LIFETIME).strftime("%d %B %Y, %H:%M UTC")
        return page(request, "export_download.html", available_until=until, size_kb=max(1, record.size // 1024))

    async def export_download(request: Request) -> Response:
        try:
            record, content = await exports.download(deps, request.path_params["token"])
        except DomainError as exc:
            return error(request, exc)
        headers = {
            "Content-Disposition": f'attachment; filename="{record.filename}"',
            "Cache-Control": "no-store",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Referrer-Policy": "no-referrer",
        }
        return Response(content, media_type="application/zip", headers=headers)

    return [
        guarded(exports.EXPORT_PATH + "{token}", export_page, rule=EXPORT_LINK, methods=["GET"], name="export_page"),
        guarded(exports.EXPORT_PATH + "{token}", export_download, rule=EXPORT_LINK, methods=["POST"]),
    ]
