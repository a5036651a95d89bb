"""A request id per HTTP request, and one log line per request (ats.logs).

The id is the client's X-Request-ID when it is a short safe token (a load balancer's or
proxy's, so their logs and ours join up), else a new one; it is echoed in the response's
X-Request-ID and carried by every log line written while the request is served.

The line names the route by its template (`/offer/{token}`, `/api/v1/applications/{id}`),
never the path as sent: paths carry single-use tokens and ids, and query strings anything.
"""

from __future__ import annotations

import logging
import re
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ats.logs import REQUEST_ID, request_id

log = logging.getLogger("ats.http")
# A segment kept as sent when the route is unknown (404s, refusals before routing): plain words.
_WORD = re.compile(r"[a-z][a-z-]{0,31}|v[0-9]")


def route_template(scope: Scope) -> str:
    """The matched route's template, rebuilt from the path and its parameters; for a request
    no route took, the path with every segment that is not a plain word replaced by `{}`."""
    path: str = scope.get("path", "")
    params = scope.get("path_params") or {}
    if params:
        segments = path.split("/")
        by_value = {str(v): k for k, v in params.items()}
        return "/".join(f"{{{by_value[s]}}}" if s in by_value else s for s in segments)
    return "/".join(s if not s or _WORD.fullmatch(s) else "{}" for s in path.split("/"))


class RequestLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = [v for k, v in scope.get("headers", []) if k == b"x-request-id"]
        rid = request_id(given[0].decode("latin-1") if len(given) == 1 else None)
        token = REQUEST_ID.set(rid)
        started = time.perf_counter()
        status = 500
        logged = False

        def log_once() -> None:
            nonlocal logged
            if logged:
                return
            logged = True
            # Probes and scrapes every few seconds would drown the rest: logged at DEBUG.
            quiet = scope.get("path") in ("/healthz", "/readyz", "/metrics") and status < 400
            level = logging.DEBUG if quiet else logging.INFO
            # Below the configured level a request costs this check only: no route template,
            # no `extra` dict, no LogRecord (the download path runs through here; bench/download.py).
            if not log.isEnabledFor(level):
                return
            log.log(
                level,
                "request",
                extra={
                    "method": scope.get("method"),
                    "route": route_template(scope),
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"]
                message["headers"] = [*headers, (b"x-request-id", rid.encode())]
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                # Before the last byte goes out: the line is written by the time the client has
                # the answer (background tasks run after it, outside the duration).
                log_once()
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            log_once()  # no complete response: an error, or the client went away
            REQUEST_ID.reset(token)
