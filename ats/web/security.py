"""Security middleware: response headers (strict CSP, no third parties), the Host check, and
request-body caps applied before anything parses a body.

Header choices follow the OWASP Secure Headers Project recommendations.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

KB = 1024
# Urlencoded forms are short text (sign-in, consent, panel actions): 64 KB and 100 fields is far
# above any of them, and asgi-csrf reads the whole body with parse_qsl (no field limit) before
# any handler's own limit applies (issue 9 item 5).
FORM_MAX_BYTES = 64 * KB
FORM_MAX_FIELDS = 100
# JSON API bodies (referees, reports, moves); multipart uploads get their own, larger cap.
JSON_MAX_BYTES = 1024 * KB

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
]


class SecurityHeaders:
    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self.headers = [*HEADERS, *([(b"strict-transport-security", b"max-age=31536000")] if hsts else [])]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in self.headers if k not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimit:
    """Refuse request bodies over `max_bytes`, by Content-Length and by counting the stream
    (Starlette's multipart parser has no overall size cap of its own)."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, max_upload_mb: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.upload_message = (
            f"The request is too large. Each file may be at most {max_upload_mb} MB; "
            "choose a smaller file and try again."
        )

    def _cap(self, scope: Scope) -> tuple[int, str]:
        """The cap for this body's media type, and what to tell the sender when it is passed."""
        ctype = media_type(scope)
        if ctype == b"multipart/form-data":
            return self.max_bytes, self.upload_message
        if ctype == b"application/x-www-form-urlencoded":
            return FORM_MAX_BYTES, (
                f"The form is too large: at most {FORM_MAX_BYTES // KB} KB of text. "
                "Shorten what you typed and send it again."
            )
        return JSON_MAX_BYTES, f"The request body is too large: at most {JSON_MAX_BYTES // KB} KB."

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in {"GET", "HEAD", "OPTIONS"}:
            await self.app(scope, receive, send)
            return
        if len(header_values(scope, b"content-type")) > 1:
            # Parsers disagree on which one counts (asgi-csrf takes the last, Starlette the first).
            await refuse(scope, send, 400, "ambiguous_content_type", "Send exactly one Content-Type header.")
            return
        max_bytes, too_large = self._cap(scope)
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > max_bytes:
                await refuse(scope, send, 413, "too_large", too_large)
                return
        seen = 0
        started = False
        refused = False

        async def counting_receive() -> Message:
            nonlocal seen, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > max_bytes:
                    # Answer 413 here, before the app can turn an exception into a 500, and
                    # tell the app the client went away so it stops reading.
                    refused = True
                    if not started:
                        await refuse(scope, send, 413, "too_large", too_large)
                    return {"type": "http.disconnect"}
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if refused:
                return  # the 413 has been sent; whatever the app says now is dropped
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except Exception:
            if not refused:
                raise
            # The app failed reading a body we cut off; the client already has its 413.


def header_values(scope: Scope, name: bytes) -> list[bytes]:
    return [v for k, v in scope.get("headers", []) if k == name]


def media_type(scope: Scope) -> bytes:
    values = header_values(scope, b"content-type")
    return values[0].split(b";", 1)[0].strip().lower() if values else b""


async def refuse(scope: Scope, send: Send, status: int, code: str, message: str) -> None:
    """A short answer before the app runs: the API's JSON error shape, a page elsewhere. The
    connection is closed, since the request body may be left unread."""
    if scope["path"].startswith("/api/"):
        body = json.dumps({"error": {"code": code, "message": message, "field": None}}).encode()
        ctype = b"application/json"
    else:
        title = {400: "Bad request", 413: "Too large"}.get(status, "Refused")
        body = f"<!doctype html><title>{title}</title><p>{html.escape(message)}</p>".encode()
        ctype = b"text/html; charset=utf-8"
    headers = [(b"content-type", ctype), (b"connection", b"close")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class FormGuard:
    """Reads an urlencoded body (already capped by BodyLimit) before anything parses it, and
    refuses one with too many fields (413) or that is not UTF-8 (400: asgi-csrf decodes it as
    UTF-8 and fails with a 500). The body is then replayed to the app unchanged."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] in {"GET", "HEAD", "OPTIONS"}
            or media_type(scope) != b"application/x-www-form-urlencoded"
        ):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away (or BodyLimit cut the body off and answered)
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if body.count(b"&") + 1 > FORM_MAX_FIELDS:
            message = f"The form has too many fields (at most {FORM_MAX_FIELDS}). Reload the page and send it again."
            await refuse(scope, send, 413, "too_many_fields", message)
            return
        # NUL, raw or percent-encoded, is no character a person types, and PostgreSQL refuses it
        # in text columns (it once answered 500 from a panel form).
        if b"\x00" in body or b"%00" in body:
            message = (
                "The form contains a NUL character, which no field accepts. Remove it and send it again."
            )
            await refuse(scope, send, 400, "invalid_text", message)
            return
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            message = "The form must be sent as UTF-8 text. Reload the page and send it again from the form."
            await refuse(scope, send, 400, "not_utf8", message)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()  # after the body: wait for the disconnect, as a server does
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
# Probes and the metrics scraper reach these by pod IP or any internal name; they answer with no
# link and no personal data (/metrics only to its bearer token: ats.web.health).
HOST_EXEMPT_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


def host_name(value: bytes) -> str:
    """The name of a Host header without its port: `[::1]:8000` -> `::1`, `A.example:80` -> `a.example`."""
    text = value.decode("latin-1").strip().lower()
    if text.startswith("["):
        return text[1:].partition("]")[0]
    return text.rpartition(":")[0] if text.count(":") == 1 else text


class HostCheck:
    """Requests must name one of our own hosts (as Starlette's TrustedHostMiddleware and
    Django's ALLOWED_HOSTS do): the Host header then cannot steer anything the app derives from
    it. Links to people never use it anyway (they come from ATS_PUBLIC_URL). `*.example.com`
    allows subdomains. A missing or repeated Host header is refused as well."""

    def __init__(self, app: ASGIApp, hosts: Iterable[str]) -> None:
        self.app = app
        names = {h.strip().lower().strip("[]") for h in hosts if h.strip()}
        self.exact = {n for n in names if not n.startswith("*.")}
        self.suffixes = tuple(n[1:] for n in names if n.startswith("*."))

    def allowed(self, scope: Scope) -> bool:
        values = header_values(scope, b"host")
        if len(values) != 1:
            return False
        name = host_name(values[0])
        return name in self.exact or (bool(self.suffixes) and name.endswith(self.suffixes))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] not in HOST_EXEMPT_PATHS and not self.allowed(scope):
            message = "This server does not answer to that host name. Use the site's own address."
            await refuse(scope, send, 400, "unknown_host", message)
            return
        await self.app(scope, receive, send)
