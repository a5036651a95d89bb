"""Browser fixtures: Debian's Chromium driven by Playwright's sync API, seeding by raw SQL.

Chromium comes from the system (`playwright install` is not used). Without it these tests skip
locally, and fail when ATS_REQUIRE_BROWSER=1 (CI sets it).

Ordering matters: Playwright's sync API keeps an event loop marked as running on this thread
while it is active, so `asyncio.run` (used by the `live` and `database_url` fixtures) would fail
under it. The `browser` fixture therefore depends on `live`: it starts after the server is up
and is stopped before the server and the database are torn down.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import secrets
import shutil
import sqlite3
from collections.abc import Collection, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from uuid import UUID, uuid4

import asyncpg
import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Request, sync_playwright

if TYPE_CHECKING:
    from tests.conftest import Live

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REQUIRE_BROWSER = os.environ.get("ATS_REQUIRE_BROWSER") == "1"
SCREENSHOT_DIR = "/tmp/ats-browser-screenshots"  # never inside the repository


def chromium_path() -> str:
    path = shutil.which("chromium")
    if path is None:
        if REQUIRE_BROWSER:
            pytest.fail("ATS_REQUIRE_BROWSER=1 but no `chromium` executable is on PATH")
        pytest.skip("Chromium not installed (apt-get install chromium)")
    return path


@contextlib.contextmanager
def launch_chromium() -> Iterator[Browser]:
    executable = chromium_path()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browser(live: Live) -> Iterator[Browser]:
    """A fresh Chromium per test, started after `live` (see the module docstring)."""
    with launch_chromium() as b:
        yield b


# --- watching what pages do -------------------------------------------------------------------


_FAILED_LOAD = re.compile(r"^Failed to load resource: the server responded with a status of (\d{3})\b")


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@dataclass
class Watch:
    """Every request and console message of one browser context."""

    requests: list[str] = field(default_factory=list)
    console: list[tuple[str, str, str]] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def attach(self, context: BrowserContext) -> Watch:
        def on_request(request: Request) -> None:
            self.requests.append(request.url)

        def on_console(message: ConsoleMessage) -> None:
            # The location is the resource a message is about (a stylesheet, /favicon.ico...).
            self.console.append((message.type, message.text, message.location.get("url", "")))

        context.on("request", on_request)
        context.on("console", on_console)
        context.on("weberror", lambda error: self.page_errors.append(str(error.error)))
        return self

    def foreign_requests(self, app_url: str) -> list[str]:
        return [u for u in self.requests if origin(u) != origin(app_url)]

    def favicon_failures(self) -> list[tuple[str, str, str]]:
        return [m for m in self.console if _FAILED_LOAD.match(m[1]) and urlsplit(m[2]).path == "/favicon.ico"]

    def problems(self, allow_status: Collection[int] = ()) -> list[tuple[str, str, str]]:
        """Console errors and warnings (CSP violations are reported as errors).

        Chromium also logs "Failed to load resource: ... status of N" for any 4xx/5xx page;
        a test that expects such a status (422 for a form with errors) passes it here."""
        found = []
        for message in self.console:
            kind, text, _ = message
            status = _FAILED_LOAD.match(text)
            if kind not in {"error", "warning", "assert"}:
                continue
            if status and int(status.group(1)) in allow_status:
                continue
            found.append(message)
        return found

    def assert_clean(self, app_url: str, *, allow_status: Collection[int] = ()) -> None:
        """No foreign request, no console error (the browser's own /favicon.ico fetch
        included), no CSP violation."""
        assert self.requests, "no request was recorded: the watcher is not attached"
        assert self.foreign_requests(app_url) == []
        assert self.problems(allow_status) == []
        assert self.page_errors == []


def new_context(browser: Browser, *, javascript: bool = False, **kwargs: Any) -> tuple[BrowserContext, Watch]:
    context = browser.new_context(java_script_enabled=javascript, accept_downloads=True, **kwargs)
    context.set_default_timeout(15_000)
    return context, Watch().attach(context)


# --- seeding the database on an independent connection ----------------------------------------


def _sqlite_value(value: Any) -> Any:
    # How piccolo's SQLite engine stores these types (piccolo/engine/sqlite.py adapters).
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        return str(value.astimezone(UTC) if value.tzinfo else value)
    if isinstance(value, bool):
        return int(value)
    return value


def sql_exec(database_url: str, query: str, *args: Any) -> None:
    """Run one writing statement on its own connection, committed (SQLite file or PostgreSQL).

    Never through the app's piccolo engine: it is global, and on PostgreSQL its pool belongs to
    the server thread's event loop."""
    if database_url.startswith("sqlite:///"):
        path = database_url[len("sqlite:///") :]
        with contextlib.closing(sqlite3.connect(path, timeout=30)) as conn, conn:
            sql = query
            for n in range(len(args), 0, -1):
                sql = sql.replace(f"${n}", "?")
            conn.execute(sql, tuple(_sqlite_value(a) for a in args))
        return

    async def run() -> None:
        conn = await asyncpg.connect(database_url)
        try:
            await conn.execute(query, *args)
        finally:
            await conn.close()

    # Its own thread and loop: safe while Playwright's loop is active on this thread.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, run()).result()


@dataclass(frozen=True)
class Position:
    id: UUID
    title: str
    jurisdiction: str


@dataclass(frozen=True)
class Staff:
    id: UUID
    email: str
    password: str
    role: str


def create_position(live: Live, title: str, jurisdiction: str = "GB") -> Position:
    position = Position(uuid4(), title, jurisdiction)
    sql_exec(
        live.database_url,
        "INSERT INTO positions (id, title, jurisdiction, status, created_at, concluded_at) "
        "VALUES ($1, $2, $3, $4, $5, NULL)",
        position.id,
        title,
        jurisdiction,
        "open",
        datetime.now(UTC),
    )
    return position


def create_staff(live: Live, role: str = "recruiter") -> Staff:
    from ats.services.passwords import DEFAULT_HASHER as _hasher

    user = Staff(uuid4(), f"{role}-{uuid4().hex[:8]}@example.com", secrets.token_urlsafe(18), role)
    sql_exec(
        live.database_url,
        "INSERT INTO users (id, email, role, password_hash, created_at, active) "
        "VALUES ($1, $2, $3, $4, $5, $6)",
        user.id,
        user.email,
        role,
        _hasher.hash(user.password),
        datetime.now(UTC),
        True,
    )
    return user


def assign(live: Live, position: Position, staff: Staff) -> None:
    """DESIGN §8: recruiters and hiring managers see only the positions assigned to them."""
    sql_exec(
        live.database_url,
        "INSERT INTO position_assignments (id, position_id, user_id, assigned_at) VALUES ($1, $2, $3, $4)",
        uuid4(),
        position.id,
        staff.id,
        datetime.now(UTC),
    )


def screenshot_path(name: str, live: Live) -> str:
    os.makedirs(SCREENSHOT_DIR, exist_ok=True)
    kind = "sqlite" if live.database_url.startswith("sqlite") else "postgresql"
    return os.path.join(SCREENSHOT_DIR, f"{name}-{kind}.png")


# --- accessibility: axe-core in the page -------------------------------------------------------

# axe-core's rules for WCAG 2.0, 2.1 and 2.2 at levels A and AA and its best practices: every rule
# axe runs by default, plus `target-size` (WCAG 2.2 AA), which is off by default. Experimental
# rules and AAA are left out (https://github.com/dequelabs/axe-core/blob/develop/doc/API.md).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now (axe-playwright-python injects the axe-core
    it bundles through Playwright's evaluate, which the CSP does not govern).

    The page's context must have JavaScript enabled: with it off, axe.run's promise never settles
    and evaluate waits for ever. The app's CSP (default-src 'none') lets no page script run, so
    such a context renders the same pages as the script-less ones of the other tests."""
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    return list(Axe().run(page, options=options).response["violations"])


def describe_violations(violations: list[dict[str, Any]]) -> str:
    """One line per rule (id, impact, help), then each offending element's selector and why."""
    lines = []
    for violation in violations:
        lines.append(
            f"{violation['id']} ({violation['impact']}): {violation['help']} [{violation['helpUrl']}]"
        )
        for node in violation["nodes"]:
            target = " >> ".join(str(t) for t in node["target"])
            why = " ".join(str(node.get("failureSummary", "")).split())
            lines.append(f"    {target}: {why} | {node.get('html', '')[:160]}")
    return "\n".join(lines)


def assert_accessible(page: Page, what: str = "") -> None:
    violations = axe_violations(page)
    assert violations == [], (
        f"axe-core found {len(violations)} rule(s) violated on {what or page.url}:\n{describe_violations(violations)}"
    )
