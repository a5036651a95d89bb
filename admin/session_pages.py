"""Sign-in and sign-out (public routes: they establish or end the session)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from admin.auth import sign_in, sign_out
from admin.panel import Panel
from ats.domain.errors import Unauthorized
from ats.services import accounts
from ats.services.throttle import LoginLocked
from ats.web.rules import guarded, public


def routes(panel: Panel) -> list[Route]:
    deps = panel.deps

    async def login_form(request: Request) -> Response:
        return panel.page(request, "admin_login.html", error=None, email="")

    async def login(request: Request) -> Response:
        form = await request.form(max_files=0, max_fields=5)
        email, password = str(form.get("email", "")), str(form.get("password", ""))
        # The peer address; behind a reverse proxy uvicorn's --proxy-headers (trusting only
        # --forwarded-allow-ips) puts the client's address here.
        client = request.client.host if request.client else "unknown"
        try:
            actor = await accounts.sign_in(deps, email=email, password=password, client=client)
        except LoginLocked as exc:
            response = panel.page(request, "admin_login.html", 429, error=exc.message, email=email)
            response.headers["Retry-After"] = str(exc.retry_after)  # RFC 9110 §10.2.3
            return response
        except Unauthorized as exc:
            return panel.page(request, "admin_login.html", 401, error=exc.message, email=email)
        await sign_in(deps, request, actor)
        return RedirectResponse("/admin", status_code=303)

    async def logout(request: Request) -> Response:
        await sign_out(deps, request)
        return RedirectResponse("/admin/login", status_code=303)

    return [
        guarded("/login", login_form, rule=public("the sign-in form"), methods=["GET"]),
        guarded("/login", login, rule=public("signing in (throttled)"), methods=["POST"]),
        guarded("/logout", logout, rule=public("signing out ends the caller's own session"), methods=["POST"]),
    ]
