"""Helpers for the end-to-end tests: fixture rows written with raw SQL, and HTTP helpers.

Why raw SQL and not the services: `ats.bootstrap.build` calls `storage.engine.bind`, which
re-points every piccolo table of the process at the new engine. The live server's container
was built the same way, so building a second container in a test would silently move the
server's queries onto an engine whose transactions its unit of work never opens (and, on
PostgreSQL, onto an engine without the server's pool). Raw SQL on an independent connection
leaves the server untouched, and also does not depend on the code under test.
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import re
import secrets
import socket
import sqlite3
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx

from ats.services.accounts import _hasher
from tests.helpers import pdf

_PLACEHOLDER = re.compile(r"\$\d+")
REFERENCE = re.compile(r"^APP-[A-Z0-9]{10}$")
ERROR_KEYS = {"code", "message", "field"}


def _sqlite_path(database_url: str) -> str:
    return database_url[len("sqlite:///") :]


def sql_exec(database_url: str, query: str, *args: Any) -> None:
    """Run one writing statement on its own connection ($1, $2 ... placeholders on both)."""
    if database_url.startswith("sqlite:///"):
        with sqlite3.connect(_sqlite_path(database_url), timeout=30) as conn:
            conn.execute(_PLACEHOLDER.sub("?", query), [_sqlite_value(a) for a in args])
        return

    async def run() -> None:
        conn = await asyncpg.connect(database_url)
        try:
            await conn.execute(query, *args)
        finally:
            await conn.close()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, run()).result()


def sql_all(database_url: str, query: str, *args: Any) -> list[tuple]:
    """Like tests.helpers.sql_rows, but with any number of placeholders."""
    if database_url.startswith("sqlite:///"):
        with sqlite3.connect(_sqlite_path(database_url), timeout=30) as conn:
            rows = conn.execute(_PLACEHOLDER.sub("?", query), [_sqlite_value(a) for a in args])
            return [tuple(r) for r in rows.fetchall()]

    async def run() -> list[tuple]:
        conn = await asyncpg.connect(database_url)
        try:
            return [tuple(r) for r in await conn.fetch(query, *args)]
        finally:
            await conn.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result()


def _sqlite_value(value: Any) -> Any:
    # The same text forms piccolo's SQLite adapters write (UUID as text, UTC datetimes via str()).
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return str(value.astimezone(UTC))
    if isinstance(value, bool):
        return int(value)
    return value


def add_position(live: Any, *, title: str = "Backend Engineer", jurisdiction: str = "GB") -> uuid.UUID:
    position_id = uuid.uuid4()
    sql_exec(
        live.database_url,
        "INSERT INTO positions (id, title, jurisdiction, status, created_at, concluded_at) "
        "VALUES ($1, $2, $3, 'open', $4, NULL)",
        position_id,
        title,
        jurisdiction,
        datetime.now(UTC),
    )
    return position_id


def close_position(live: Any, position_id: uuid.UUID) -> None:
    sql_exec(live.database_url, "UPDATE positions SET status = 'closed' WHERE id = $1", position_id)


@dataclass(frozen=True)
class Staff:
    id: uuid.UUID
    email: str
    password: str
    token: str


def add_staff(live: Any, *, email: str = "recruiter@example.com", role: str = "recruiter") -> Staff:
    """A user with an argon2 password hash (the app's own hasher) and one API token."""
    user_id = uuid.uuid4()
    password = secrets.token_urlsafe(18)
    now = datetime.now(UTC)
    sql_exec(
        live.database_url,
        "INSERT INTO users (id, email, role, password_hash, created_at, active) "
        "VALUES ($1, $2, $3, $4, $5, $6)",
        user_id,
        email,
        role,
        _hasher.hash(password),
        now,
        True,
    )
    token = "ats_" + secrets.token_urlsafe(32)
    sql_exec(
        live.database_url,
        "INSERT INTO api_tokens (token_hash, user_id, created_at) VALUES ($1, $2, $3)",
        hashlib.sha256(token.encode()).hexdigest(),
        user_id,
        now,
    )
    return Staff(user_id, email, password, token)


# ---------------------------------------------------------------- the JSON API


def applicant(**overrides: Any) -> dict[str, str]:
    fields = {
        "full_name": "Ada Lovelace",
        "email": "ada@example.com",
        "phone": "+44 20 7946 0000",
        "country": "GB",
        "privacy_notice_acknowledged": "true",
    }
    fields.update(overrides)
    return {k: v for k, v in fields.items() if v is not None}


def api_apply(
    client: httpx.Client,
    position_id: Any,
    *,
    data: dict[str, str] | None = None,
    files: dict[str, Any] | None = None,
    cv: bytes | None = None,
) -> httpx.Response:
    if files is None:
        files = {"cv": ("cv.pdf", cv if cv is not None else pdf(), "application/pdf")}
    return client.post(
        f"/api/v1/positions/{position_id}/applications",
        data=applicant() if data is None else data,
        files=files,
    )


def assert_error_shape(response: httpx.Response) -> dict[str, Any]:
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:500])
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) >= ERROR_KEYS, error
    assert isinstance(error["code"], str) and error["code"]
    # A message a person can act on: a sentence, not a stack trace or an exception name.
    assert isinstance(error["message"], str) and len(error["message"]) > 10
    assert "Traceback" not in error["message"]
    assert error["field"] is None or isinstance(error["field"], str)
    return error


def bearer(staff: Staff) -> dict[str, str]:
    return {"Authorization": f"Bearer {staff.token}"}


# ---------------------------------------------------------------- HTML pages

_CSRF_FIELD = re.compile(r'<input type="hidden" name="csrftoken" value="([^"]+)">')


def csrf_field(page: str) -> str:
    found = _CSRF_FIELD.search(page)
    assert found, "the page has no csrftoken hidden field"
    return html.unescape(found.group(1))


def form_apply(
    client: httpx.Client,
    position_id: Any,
    *,
    data: dict[str, str] | None = None,
    files: dict[str, Any] | None = None,
    token: str | None = None,
) -> httpx.Response:
    """Do what a browser without JavaScript does: load the form, then post it, the hidden
    csrftoken field first (asgi-csrf reads the body only up to the first file)."""
    form = client.get(f"/positions/{position_id}")
    assert form.status_code == 200, form.text[:500]
    token = csrf_field(form.text) if token is None else token
    body = {"csrftoken": token, **(applicant() if data is None else data)}
    if files is None:
        files = {"cv": ("cv.pdf", pdf(), "application/pdf")}
    return client.post(f"/positions/{position_id}/apply", data=body, files=files)


def admin_login(client: httpx.Client, staff: Staff) -> httpx.Response:
    page = client.get("/admin/login")
    assert page.status_code == 200
    return client.post(
        "/admin/login",
        data={"csrftoken": csrf_field(page.text), "email": staff.email, "password": staff.password},
    )


def raw_http(url: str, request: bytes, timeout: float = 15) -> bytes:
    """Send bytes as they are (for headers httpx would correct) and read the whole answer."""
    parsed = httpx.URL(url)
    with socket.create_connection((parsed.host, parsed.port), timeout=timeout) as sock:
        sock.sendall(request)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not chunk:
                break
            chunks.append(chunk)
            head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
            length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
            if length and len(body) >= int(length.group(1)):
                break
        return b"".join(chunks)
