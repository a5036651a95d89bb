"""Per-client rate limits on public endpoints (DESIGN §8), with the `limits` library.

- Moving window (https://limits.readthedocs.io/en/stable/strategies.html#moving-window): no
  burst at a window's edge, unlike a fixed window.
- Memory storage, per process: each server process counts on its own, so N processes (or
  replicas) let a client through up to N times the limit. A shared storage (`limits` supports
  Redis and Memcached) would make it global; one process per replica is the documented set-up.
- The client is the ASGI client address. uvicorn rewrites it from X-Forwarded-For only when the
  connecting peer is listed in FORWARDED_ALLOW_IPS (default 127.0.0.1 and ::1; uvicorn's
  proxy_headers is on by default), so behind a reverse proxy set FORWARDED_ALLOW_IPS to the
  proxy's address; otherwise every client shares the proxy's budget. The app itself never reads
  X-Forwarded-For.

Limits are looked up by name (`applications`, `privacy_requests`, `verification_codes`,
`login`) from ATS_RATE_LIMITS; `RateLimiter.hit` is also what the login throttle can use.
"""

from __future__ import annotations

import html
import json
import math
import re
import time
from collections.abc import Mapping

from limits import RateLimitItem
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.types import ASGIApp, Receive, Scope, Send

# (method, path, limit name). Privacy requests and their verification codes are listed ahead
# of their routes (DESIGN §9, §11): the page form and the API share one budget per client.
LIMITED: list[tuple[str, re.Pattern[str], str]] = [
    ("POST", re.compile(r"^/positions/[^/]+/apply$"), "applications"),
    ("POST", re.compile(r"^/api/v1/positions/[^/]+/applications$"), "applications"),
    ("POST", re.compile(r"^(/api/v1/privacy-requests|/privacy/requests)/?$"), "privacy_requests"),
    ("POST", re.compile(r"^(/api/v1/privacy-requests|/privacy/requests)/[^/]+/verification/?$"), "verification_codes"),
]


class RateLimiter:
    """Named per-client limits over one in-memory moving-window store (this process only)."""

    def __init__(self, limits: Mapping[str, RateLimitItem]) -> None:
        self.limits = dict(limits)
        self._strategy = MovingWindowRateLimiter(MemoryStorage())

    def hit(self, name: str, *key: str) -> int | None:
        """Count one request under `name` for `key` (e.g. the client address). None when it is
        allowed; otherwise the whole seconds until the window lets the next one through."""
        item = self.limits[name]
        if self._strategy.hit(item, name, *key):
            return None
        reset = self._strategy.get_window_stats(item, name, *key).reset_time
        return max(1, math.ceil(reset - time.time()))


def client_address(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def limit_name(scope: Scope) -> str | None:
    for method, pattern, name in LIMITED:
        if scope["method"] == method and pattern.match(scope["path"]):
            return name
    return None


def too_many_message(retry_after: int) -> str:
    wait = f"{retry_after} seconds" if retry_after < 120 else f"{math.ceil(retry_after / 60)} minutes"
    return f"Too many requests from your network address. Try again in {wait}; nothing was saved."


class RateLimit:
    """429 with Retry-After before a limited request's body is read (nothing is stored)."""

    def __init__(self, app: ASGIApp, limiter: RateLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        name = limit_name(scope) if scope["type"] == "http" else None
        retry_after = self.limiter.hit(name, client_address(scope)) if name else None
        if retry_after is None:
            await self.app(scope, receive, send)
            return
        message = too_many_message(retry_after)
        if scope["path"].startswith("/api/"):
            body = json.dumps({"error": {"code": "rate_limited", "message": message, "field": None}}).encode()
            ctype = b"application/json"
        else:
            body = f"<!doctype html><title>Too many requests</title><p>{html.escape(message)}</p>".encode()
            ctype = b"text/html; charset=utf-8"
        headers = [(b"content-type", ctype), (b"retry-after", str(retry_after).encode())]
        # The body is left unread: close the connection rather than drain it.
        headers.append((b"connection", b"close"))
        await send({"type": "http.response.start", "status": 429, "headers": headers})
        await send({"type": "http.response.body", "body": body})
