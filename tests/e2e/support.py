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
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx

from ats.services.passwords import DEFAULT_HASHER as _hasher
from tests.helpers import pdf

# Found by these tests (and tests/browser); strict, so an XPASS fails once it is fixed.
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
        "INSERT INTO api_tokens (token_hash, user_id, created_at, token_id, expires_at, hint) "
        "VALUES ($1, $2, $3, $4, $5, $6)",
        hashlib.sha256(token.encode()).hexdigest(),
        user_id,
        now,
        uuid.uuid4(),
        now + timedelta(days=90),
        token[-4:],
    )
    return Staff(user_id, email, password, token)


def assign(live: Any, position_id: uuid.UUID, *staff: Staff) -> None:
    """Assign staff to a position (DESIGN §8: recruiters and hiring managers see only the
    positions assigned to them), as `ats positions assign` would, without a second process."""
    for person in staff:
        sql_exec(
            live.database_url,
            "INSERT INTO position_assignments (id, position_id, user_id, assigned_at) VALUES ($1, $2, $3, $4) "
            "ON CONFLICT (position_id, user_id) DO NOTHING",  # assigned already: nothing to do
            uuid.uuid4(),
            position_id,
            person.id,
            datetime.now(UTC),
        )


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


Part = str | tuple[str, bytes, str]


def multipart(parts: list[tuple[str, Part]], boundary: str = "e2e-7d1f0c9a") -> tuple[bytes, str]:
    """Encode parts in exactly the given order (httpx puts files last, and sends an urlencoded
    body when there is no file at all)."""
    out = bytearray()
    for name, value in parts:
        out += f"--{boundary}\r\n".encode()
        if isinstance(value, str):
            out += f'Content-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            out += value.encode()
        else:
            filename, data, ctype = value
            quoted = filename.replace("\\", "\\\\").replace('"', '\\"')
            out += f'Content-Disposition: form-data; name="{name}"; filename="{quoted}"\r\n'.encode()
            out += f"Content-Type: {ctype}\r\n\r\n".encode()
            out += data
        out += b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


def cv_part(
    data: bytes | None = None, filename: str = "cv.pdf", ctype: str = "application/pdf"
) -> dict[str, Part]:
    return {"cv": (filename, pdf() if data is None else data, ctype)}


def post_multipart(
    client: httpx.Client, path: str, parts: list[tuple[str, Part]], **kwargs: Any
) -> httpx.Response:
    body, content_type = multipart(parts)
    headers = {"Content-Type": content_type, **kwargs.pop("headers", {})}
    return client.post(path, content=body, headers=headers, **kwargs)


def api_apply(
    client: httpx.Client,
    position_id: Any,
    *,
    data: dict[str, str] | None = None,
    files: dict[str, Part] | None = None,
    cv: bytes | None = None,
) -> httpx.Response:
    fields = applicant() if data is None else data
    files = cv_part(cv) if files is None else files
    return post_multipart(
        client, f"/api/v1/positions/{position_id}/applications", [*fields.items(), *files.items()]
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
    files: dict[str, Part] | None = None,
    token: str | None = None,
    cookies: bool = True,
) -> httpx.Response:
    """Do what a browser without JavaScript does: load the form, then post it with the hidden
    csrftoken field first (asgi-csrf reads the body only up to the first file).

    `cookies=False` posts the same body without any cookie, which asgi-csrf lets through
    unchecked (no ambient credentials, no CSRF): it reaches the form handler even while the
    multipart CSRF check was once broken (asgi-csrf vs python-multipart)."""
    form = client.get(f"/positions/{position_id}")
    assert form.status_code == 200, form.text[:500]
    token = csrf_field(form.text) if token is None else token
    fields = applicant() if data is None else data
    files = cv_part() if files is None else files
    parts: list[tuple[str, Part]] = [("csrftoken", token), *fields.items(), *files.items()]
    if not cookies:
        client.cookies.clear()
    return post_multipart(client, f"/positions/{position_id}/apply", parts)


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


def parse_http(answer: bytes) -> tuple[int, dict[str, str], bytes]:
    """Status, headers (lower-case names) and body of one raw HTTP/1.1 answer."""
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    if headers.get("transfer-encoding", "").lower() == "chunked":
        decoded = bytearray()
        while body:
            size_line, _, body = body.partition(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            if size == 0:
                break
            decoded += body[:size]
            body = body[size + 2 :]
        body = bytes(decoded)
    return int(status_line.split()[1]), headers, body
