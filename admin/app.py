"""Panel routes: sign-in, positions, applications per position, application detail, download."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import quote
from uuid import UUID

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from admin import mailbox
from admin.auth import current_actor, sign_in, sign_out
from ats.domain.actors import Actor
from ats.domain.errors import DomainError, Unauthorized
from ats.domain.records import tags_for
from ats.domain.workflow import TRANSITIONS
from ats.services import accounts, applications, positions, retention, workflow
from ats.services.deps import Deps
from ats.services.throttle import LoginLocked
from ats.web.errors import status_for

Page = Callable[[Request, Actor], Awaitable[Response]]


def _download_headers(filename: str) -> dict[str, str]:
    # RFC 6266 / RFC 5987: an ASCII fallback plus the UTF-8 name, never raw header text.
    ascii_name = filename.encode("ascii", "ignore").decode().replace('"', "") or "document"
    return {
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}",
        "Cache-Control": "no-store",
        "Content-Security-Policy": "default-src 'none'; sandbox",
    }


def routes(deps: Deps, templates: Jinja2Templates, *, production: bool = False) -> list[Route]:
    def page(request: Request, name: str, status: int = 200, **context: object) -> Response:
        context.setdefault("csrftoken", request.scope["csrftoken"]())
        return templates.TemplateResponse(request, name, context, status_code=status)

    def signed_in(handler: Page) -> Callable[[Request], Awaitable[Response]]:
        async def wrapper(request: Request) -> Response:
            actor = await current_actor(deps, request)
            if actor is None:
                return RedirectResponse("/admin/login", status_code=303)
            try:
                return await handler(request, actor)
            except DomainError as exc:
                return page(
                    request, "admin_error.html", status_for(exc), actor=actor, message=exc.message
                )

        return wrapper

    def uuid_param(request: Request, name: str) -> UUID:
        from ats.domain.errors import NotFound

        try:
            return UUID(request.path_params[name])
        except ValueError:
            raise NotFound("There is no such item.") from None

    async def login_form(request: Request) -> Response:
        return page(request, "admin_login.html", error=None, email="")

    async def login(request: Request) -> Response:
        form = await request.form(max_files=0, max_fields=5)
        email, password = str(form.get("email", "")), str(form.get("password", ""))
        # The peer address; behind a reverse proxy uvicorn's --proxy-headers (trusting only
        # --forwarded-allow-ips) puts the client's address here.
        client = request.client.host if request.client else "unknown"
        try:
            actor = await accounts.sign_in(deps, email=email, password=password, client=client)
        except LoginLocked as exc:
            response = page(request, "admin_login.html", 429, error=exc.message, email=email)
            response.headers["Retry-After"] = str(exc.retry_after)  # RFC 9110 §10.2.3
            return response
        except Unauthorized as exc:
            return page(request, "admin_login.html", 401, error=exc.message, email=email)
        await sign_in(deps, request, actor)
        return RedirectResponse("/admin", status_code=303)

    async def logout(request: Request) -> Response:
        await sign_out(deps, request)
        return RedirectResponse("/admin/login", status_code=303)

    async def home(request: Request, actor: Actor) -> Response:
        return page(request, "admin_positions.html", actor=actor, positions=await positions.list_positions(deps, actor))

    async def position_page(request: Request, actor: Actor) -> Response:
        query = request.query_params
        listed = await applications.list_applications(
            deps, actor, uuid_param(request, "position_id"), after=query.get("after"), limit=query.get("limit")
        )
        return page(
            request,
            "admin_position.html",
            actor=actor,
            position=listed.position,
            rows=listed.rows,
            next=listed.next,
            first_page=not query.get("after"),
            limit=query.get("limit"),
        )

    async def application_page(request: Request, actor: Actor) -> Response:
        view = await applications.view_application(deps, actor, uuid_param(request, "application_id"))
        records = [(r, tags_for(r)) for r in view.records]
        referees = await deps.uow.repo.list_referees(view.application.id)
        consents = await deps.uow.repo.list_consents(view.application.id)
        checks = await deps.uow.repo.list_checks(view.application.id)
        return page(
            request,
            "admin_application.html",
            actor=actor,
            view=view,
            records=records,
            referees=referees,
            consents=consents,
            checks=checks,
            moves=sorted(s.value for s in TRANSITIONS[view.application.status]),
        )

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

    async def conclude(request: Request, actor: Actor) -> Response:
        position_id = uuid_param(request, "position_id")
        form = await request.form(max_files=0, max_fields=5)
        await retention.conclude_position(
            deps, actor, position_id, outcome=str(form.get("outcome", "")), production=production
        )
        return RedirectResponse(f"/admin/positions/{position_id}", status_code=303)

    async def download(request: Request, actor: Actor) -> Response:
        record, content = await applications.read_document(deps, actor, uuid_param(request, "record_id"))
        return Response(content, media_type=record.content_type, headers=_download_headers(record.filename))

    return [
        Route("/", signed_in(home)),
        Route("/login", login_form, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/positions/{position_id}", signed_in(position_page)),
        Route("/applications/{application_id}", signed_in(application_page)),
        Route("/records/{record_id}/download", signed_in(download)),
        Route("/applications/{application_id}/transition", signed_in(transition), methods=["POST"]),
        Route("/applications/{application_id}/legal-hold", signed_in(legal_hold), methods=["POST"]),
        Route("/positions/{position_id}/conclude", signed_in(conclude), methods=["POST"]),
        *mailbox.routes(deps, page, signed_in, production=production),  # development only
    ]
