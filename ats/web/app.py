"""The application factory: one Starlette app from one container."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from asgi_csrf import asgi_csrf
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Receive, Scope, Send

from ats.bootstrap import Container
from ats.web import api, candidate, candidate_links, export_pages, health, request_pages
from ats.web.csrf import MultipartOnlyWhereExpected, skip_middleware_check
from ats.web.ratelimit import RateLimit, RateLimiter
from ats.web.request_log import RequestLog
from ats.web.rules import enforce, guarded, public
from ats.web.security import LOOPBACK_HOSTS, BodyLimit, FormGuard, HostCheck, SecurityHeaders

HERE = Path(__file__).parent
ADMIN_TEMPLATES = HERE.parent.parent / "admin" / "templates"
SESSION_HOURS = 8


async def _csrf_failed(scope: Scope, send, message_id) -> None:  # type: ignore[no-untyped-def]
    body = (
        b"<!doctype html><title>Form expired</title><p>This form has expired or was sent from "
        b"another site. Go back, reload the page and send it again.</p>"
    )
    await send(
        {
            "type": "http.response.start",
            "status": 403,
            "headers": [(b"content-type", b"text/html; charset=utf-8")],
        }
    )
    await send({"type": "http.response.body", "body": body})


def create_app(container: Container, *, run_jobs: bool = False) -> ASGIApp:
    from admin.app import routes as admin_routes
    from ats.services.ropa import load_processing

    deps = container.deps
    settings = container.settings
    templates = Jinja2Templates(directory=[HERE / "templates", ADMIN_TEMPLATES])
    # The privacy notice names the controller and where to exercise rights (GDPR Art. 13(1)(a)).
    templates.env.globals["controller_name"] = settings.ats_controller_name
    templates.env.globals["privacy_contact"] = settings.ats_privacy_contact
    # Where data is processed (GDPR Art. 13(1)(f)): the same policy data as the ROPA (ats.services.ropa).
    templates.env.globals["processing_locations"] = load_processing().location_names()
    # `ats serve --embedded` seeds made-up people (ats/services/demo.py): every panel page says so.
    templates.env.globals["demo_data"] = bool(container.extras.get("demo_data"))

    async def favicon(request: Request) -> Response:
        # Browsers ask for /favicon.ico on their own; answer with the app's icon, not a 404.
        return FileResponse(HERE / "static" / "favicon.svg", media_type="image/svg+xml")

    async def not_found(request: Request, exc: Exception) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": {"code": "not_found", "message": "Not found.", "field": None}}, 404)
        return HTMLResponse("<!doctype html><title>Not found</title><p>This page does not exist.</p>", 404)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await container.startup()
        metrics_port = health.metrics_port(container)  # ATS_METRICS_PORT, when set
        await metrics_port.__aenter__()
        stop = asyncio.Event()
        task = None
        if run_jobs:
            # The embedded server runs the same schedule as `ats jobs run`, in-process.
            from jobs.scheduler import default_schedule, run_schedule

            task = asyncio.create_task(run_schedule(deps, default_schedule(production=False), stop=stop))
        try:
            yield
        finally:
            stop.set()
            if task is not None:
                await task
            from ats.services.audit import checkpoint_at_shutdown

            await checkpoint_at_shutdown(deps)  # the audit chain's head, signed, at shutdown
            await metrics_port.__aexit__(None, None, None)
            await container.shutdown()

    app = Starlette(
        # Deny by default: any route without a declared access rule answers 404 (ats.web.rules).
        routes=enforce(
            [
                *health.routes(container),  # /healthz, /readyz, /metrics (with ATS_METRICS_TOKEN)
                guarded("/favicon.ico", favicon, rule=public("the site icon")),
                Mount("/api/v1", routes=api.routes(deps, production=settings.production)),
                Mount("/admin", routes=admin_routes(deps, templates, production=settings.production)),
                Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
                *candidate.routes(deps, templates),
                *candidate_links.routes(deps, templates),
                *export_pages.routes(deps, templates),
                *request_pages.routes(deps, templates),
            ]
        ),
        middleware=[
            Middleware(
                SessionMiddleware,
                secret_key=settings.ats_secret_key.get_secret_value(),
                session_cookie="ats_session",
                # A browser-session cookie (no Max-Age/Expires); idle and absolute timeouts
                # are enforced on the server (admin/auth.py, ats/domain/sessions.py).
                max_age=None,
                same_site="strict",
                https_only=settings.production,
            ),
        ],
        exception_handlers={404: not_found},
        lifespan=lifespan,
    )
    app.state.container = container
    # CSRF: double-submit cookie signed with the secret key (asgi-csrf, OWASP CSRF cheat sheet).
    protected = asgi_csrf(
        app,
        signing_secret=settings.ats_secret_key.get_secret_value(),
        skip_if_scope=skip_middleware_check,
        always_protect={"/admin/login"},
        cookie_secure=settings.production,
        cookie_samesite="Lax",
        send_csrf_failed=_csrf_failed,
    )

    async def csrf_unless_api(scope: Scope, receive: Receive, send: Send) -> None:
        # The JSON API authenticates by bearer token, never by cookie, so asgi-csrf (which skips
        # it anyway) is left out of its path: it would sign a fresh token on every request.
        if scope["type"] == "http" and scope["path"].startswith("/api/"):
            await app(scope, receive, send)
        else:
            await protected(scope, receive, send)

    # The body caps sit outside CSRF, which buffers a form's body while it looks for the token:
    # BodyLimit caps by media type, then FormGuard checks an urlencoded body's fields and encoding.
    limited = BodyLimit(
        FormGuard(MultipartOnlyWhereExpected(csrf_unless_api)),
        # Two files at the upload limit, plus room for the text fields and boundaries.
        max_bytes=2 * settings.max_upload_bytes + 256 * 1024,
        max_upload_mb=settings.ats_max_upload_mb,
    )
    # Rate limits before any body is read: a refused request costs no parsing and stores nothing.
    limiter = RateLimiter({name: settings.rate_limit(name) for name in settings.ats_rate_limits})
    app.state.rate_limiter = limiter  # the login throttle uses the same limiter (its `login` limit)
    throttled = RateLimit(limited, limiter)
    # Only our own host names; loopback too in development (local runs and tests).
    hosts = [
        settings.public_host,
        *settings.ats_allowed_hosts,
        *([] if settings.production else LOOPBACK_HOSTS),
    ]
    # Outermost: every request, refused ones too, gets its id and one log line (ats.web.request_log).
    secured = RequestLog(SecurityHeaders(HostCheck(throttled, hosts), hsts=settings.production))
    secured.routes = app.routes  # type: ignore[attr-defined]  # see route_table
    return secured  # type: ignore[return-value]


def route_table(app: ASGIApp) -> list[BaseRoute]:
    """The routes of an app built by create_app (under its middleware), for
    ats.web.rules.walk: the access-matrix test checks every one has a rule
    (tests/e2e/test_access_matrix.py)."""
    return app.routes  # type: ignore[attr-defined]
