"""Panel sessions over HTTP (issue 9, item 6): a browser-session cookie (no Max-Age/Expires) and
idle and absolute timeouts enforced by the server from the sign-in and last-seen times in the
signed session, so a copied cookie stops working on time even if it is replayed."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from ats.bootstrap import build
from storage.memory import FixedClock
from tests.conftest import Live, LiveServer, S3Env, make_settings
from tests.e2e.support import Staff, add_staff, admin_login

SESSION = "ats_session"


@pytest.fixture
def clocked(database_url: str, s3env: S3Env) -> Iterator[tuple[Live, FixedClock]]:
    """The whole app over HTTP with a clock the test moves (deps.clock)."""
    from ats.web.app import create_app
    from storage.migrate import migrate

    clock = FixedClock(datetime.now(UTC))
    c = build(make_settings(database_url, s3env), clock=clock)
    if database_url.startswith("sqlite"):
        asyncio.run(migrate())
    with LiveServer(create_app(c)) as server:
        yield Live(server.url, c, s3env, database_url), clock


def _session_cookie(response: httpx.Response) -> str:
    for header in response.headers.get_list("set-cookie"):
        if header.startswith(f"{SESSION}="):
            return header
    raise AssertionError(f"no {SESSION} cookie in {response.headers.get_list('set-cookie')}")


def _value(response: httpx.Response) -> str:
    return _session_cookie(response).split(";", 1)[0].split("=", 1)[1]


def _home(live: Live, cookie: str) -> httpx.Response:
    """GET /admin/ with exactly this session cookie (a replay: nothing else from the jar)."""
    with live.client() as fresh:
        fresh.cookies.set(SESSION, cookie)
        return fresh.get("/admin/")


def _sign_in(live: Live) -> tuple[Staff, str]:
    staff = add_staff(live, email="session.user@example.com", role="recruiter")
    with live.client() as client:
        response = admin_login(client, staff)
        assert response.status_code == 303, response.text[:300]
        return staff, _value(response)


def test_the_session_cookie_lives_only_as_long_as_the_browser(live: Any) -> None:
    staff = add_staff(live, email="cookie.user@example.com", role="recruiter")
    with live.client() as client:
        response = admin_login(client, staff)
        assert response.status_code == 303
        cookie = _session_cookie(response)
        attributes = {a.strip().split("=", 1)[0].lower() for a in cookie.split(";")[1:]}
        assert "max-age" not in attributes and "expires" not in attributes, cookie
        assert "httponly" in attributes
        home = client.get("/admin/")
        assert home.status_code == 200
        # Pages re-issue the cookie (last seen): still a session cookie.
        for header in home.headers.get_list("set-cookie"):
            if header.startswith(f"{SESSION}="):
                assert "max-age" not in header.lower() and "expires" not in header.lower(), header


def test_an_idle_session_is_refused_even_when_its_cookie_is_replayed(clocked: Any) -> None:
    live, clock = clocked
    _, first = _sign_in(live)
    clock.advance(minutes=20)
    seen = _home(live, first)
    assert seen.status_code == 200
    refreshed = _value(seen)  # carries the new last-seen time
    clock.advance(minutes=15)  # 35 minutes after sign-in, 15 after the last request
    assert _home(live, refreshed).status_code == 200
    # The cookie from sign-in, replayed: idle since then for 35 minutes > 30.
    stale = _home(live, first)
    assert stale.status_code == 303 and stale.headers["location"] == "/admin/login"
    clock.advance(minutes=31)
    idle = _home(live, refreshed)
    assert idle.status_code == 303 and idle.headers["location"] == "/admin/login"


def test_a_session_ends_eight_hours_after_sign_in_however_active(clocked: Any) -> None:
    live, clock = clocked
    _, cookie = _sign_in(live)
    for _ in range(16):  # every 29 minutes for 7 h 44 min: never idle
        clock.advance(minutes=29)
        response = _home(live, cookie)
        assert response.status_code == 200
        cookie = _value(response)
    clock.advance(minutes=17)  # 8 h 01 min after sign-in
    ended = _home(live, cookie)
    assert ended.status_code == 303 and ended.headers["location"] == "/admin/login"
