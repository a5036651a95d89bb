"""CSRF for multipart forms.

asgi-csrf (the double-submit-cookie middleware used for every other form) cannot read
multipart bodies with python-multipart >= 0.0.26 (simonw/asgi-csrf#38: it passes the removed
`FileClass` argument and answers 500). So multipart requests bypass it and:
- only the candidate application form and the panel's check-result form may receive them
  (others answer 415 before any handler);
- that handler, after its own in-memory parse, checks the form's `csrftoken` against the token
  asgi-csrf derived from the signed cookie, with the same rules as asgi-csrf itself
  (OWASP CSRF Prevention Cheat Sheet, "Signed Double-Submit Cookie").
"""

from __future__ import annotations

import re
import secrets

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

# The candidate application form, the panel's background-check result (its report document) and
# a data-subject request's decision (a rectification's replacement CV: admin/request_pages.py).
MULTIPART_FORMS = re.compile(
    r"^(/positions/[^/]+/apply|/admin/applications/[^/]+/checks/[^/]+/result|/admin/requests/[^/]+/decision)$"
)


def is_multipart(scope: Scope) -> bool:
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            return value.split(b";", 1)[0].strip().lower() == b"multipart/form-data"
    return False


def skip_middleware_check(scope: Scope) -> bool:
    """asgi-csrf skips multipart bodies (see above). The API never reaches it: ats.web.app
    routes /api/ around it (bearer tokens, no cookies)."""
    return is_multipart(scope)


def form_token_ok(request: Request, form: FormData) -> bool:
    if "cookie" not in request.headers:
        return True  # no ambient credentials to abuse; asgi-csrf lets such requests through too
    submitted = form.get("csrftoken")
    expected = request.scope["csrftoken"]()  # the verified cookie token, or a fresh one
    return isinstance(submitted, str) and secrets.compare_digest(submitted, expected)


class MultipartOnlyWhereExpected:
    """Multipart bodies reach only the handlers that check their CSRF token themselves."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] not in {"GET", "HEAD", "OPTIONS"}
            and not scope["path"].startswith("/api/")
            and is_multipart(scope)
            and not MULTIPART_FORMS.match(scope["path"])
        ):
            body = b"<!doctype html><title>Unsupported form</title><p>This form cannot be sent as multipart.</p>"
            await send(
                {
                    "type": "http.response.start",
                    "status": 415,
                    "headers": [(b"content-type", b"text/html; charset=utf-8")],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)
