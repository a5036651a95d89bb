"""The admin's pages over HTTP (issue 8, item 3), on SQLite and PostgreSQL: users, tokens,
positions and assignments, each a CSRF-protected form that the service audits; other roles get
404; hostile input answers 4xx with the values kept and nothing changed."""

from __future__ import annotations

import asyncio
import re
import uuid
from typing import Any

import httpx
import pytest

from tests.e2e.support import Staff, add_position, add_staff, admin_login, api_apply, csrf_field, sql_all

PROBE = f"/api/v1/applications/{uuid.uuid4()}"  # 404 with a working token, 401 without
ADMIN_PAGES = ["/admin/manage/users", "/admin/manage/positions"]


def _signed_in(live: Any, role: str, email: str | None = None) -> tuple[httpx.Client, Staff]:
    staff = add_staff(live, email=email or f"{role}@example.com", role=role)
    client = live.client()
    assert admin_login(client, staff).status_code == 303
    return client, staff


def _users(live: Any) -> list[tuple]:
    return sql_all(live.database_url, "SELECT email, role, active FROM users ORDER BY email")


def _audit(live: Any, action: str) -> list[str]:
    return [r[0] for r in sql_all(live.database_url, "SELECT actor FROM audit_events WHERE action = $1", action)]


def _post(client: httpx.Client, page: str, action: str, **data: str) -> httpx.Response:
    token = csrf_field(client.get(page).text)
    return client.post(action, data={"csrftoken": token, **data})


def test_admin_creates_a_user_issues_and_revokes_a_token_and_deactivates_them(live: Any) -> None:
    admin, me = _signed_in(live, "admin")
    made = _post(admin, "/admin/manage/users", "/admin/manage/users", email="New.Recruiter@example.com", role="recruiter")
    assert made.status_code == 201, made.text[:500]
    assert made.headers["cache-control"] == "no-store"
    password = re.search(r'<code id="new-password">([^<]+)</code>', made.text).group(1)
    assert ("new.recruiter@example.com", "recruiter", True) in [(e, r, bool(a)) for e, r, a in _users(live)]
    (user_id, stored) = sql_all(live.database_url, "SELECT id, password_hash FROM users WHERE email = $1", "new.recruiter@example.com")[0]
    assert stored.startswith("$argon2") and password not in stored
    assert _audit(live, "user.created")[-1] == f"user:{me.id}"
    page = f"/admin/manage/users/{user_id}"
    assert password not in admin.get(page).text  # shown once

    # The new user signs in with the password shown once.
    newcomer = live.client()
    assert admin_login(newcomer, Staff(uuid.UUID(str(user_id)), "new.recruiter@example.com", password, "")).status_code == 303

    issued = _post(admin, page, f"{page}/tokens", days="7")
    assert issued.status_code == 201 and issued.headers["cache-control"] == "no-store"
    secret = re.search(r'<code id="new-token">([^<]+)</code>', issued.text).group(1)
    api = live.client(headers={"Authorization": f"Bearer {secret}"})
    assert api.get(PROBE).status_code == 404  # a working token: an unknown application
    listing = admin.get(page).text
    assert secret not in listing and f"…{secret[-4:]}" in listing and "active" in listing
    (token_id,) = sql_all(live.database_url, "SELECT token_id FROM api_tokens WHERE user_id = $1", user_id)[0]
    (expires, created) = sql_all(live.database_url, "SELECT expires_at, created_at FROM api_tokens WHERE token_id = $1", token_id)[0]
    assert str(expires)[:10] != str(created)[:10]

    revoked = _post(admin, page, f"{page}/tokens/{token_id}/revoke")
    assert revoked.status_code == 303
    assert api.get(PROBE).status_code == 401
    assert "revoked" in admin.get(page).text
    assert _audit(live, "user.token_revoked") == [f"user:{me.id}"]

    second = re.search(r'<code id="new-token">([^<]+)</code>', _post(admin, page, f"{page}/tokens", days="").text).group(1)
    unconfirmed = _post(admin, page, f"{page}/deactivate")
    assert unconfirmed.status_code == 422 and "Tick the box" in unconfirmed.text
    assert newcomer.get("/admin/").status_code == 200
    gone = _post(admin, page, f"{page}/deactivate", confirm="yes")
    assert gone.status_code == 303
    assert newcomer.get("/admin/", follow_redirects=False).headers["location"] == "/admin/login"
    assert live.client(headers={"Authorization": f"Bearer {second}"}).get(PROBE).status_code == 401
    assert _audit(live, "user.deactivated") == [f"user:{me.id}"]
    assert "no (deactivated)" in admin.get("/admin/manage/users").text


def test_admin_creates_and_closes_a_position_and_assigns_staff(live: Any) -> None:
    admin, me = _signed_in(live, "admin")
    recruiter = add_staff(live, email="rec@example.com", role="recruiter")
    manager = add_staff(live, email="hm@example.com", role="hiring_manager")
    add_staff(live, email="po@example.com", role="privacy_officer")
    created = _post(admin, "/admin/manage/positions", "/admin/manage/positions", title="Demo Engineer", jurisdiction="FR")
    assert created.status_code == 303
    page = created.headers["location"]
    position_id = uuid.UUID(page.rsplit("/", 1)[1])
    assert sql_all(live.database_url, "SELECT title, jurisdiction, status FROM positions WHERE id = $1", position_id) == [
        ("Demo Engineer", "FR", "open")
    ]
    with live.client() as public:
        api_apply(public, position_id)
    shown = admin.get(page).text
    assert "1 application" in shown and "Ada" not in shown and "ada@example.com" not in shown
    listing = admin.get("/admin/manage/positions").text
    assert "Demo Engineer" in listing and "Ada" not in listing
    # The select offers recruiters and hiring managers, not privacy officers or admins.
    assert "rec@example.com" in shown and "hm@example.com" in shown and "po@example.com" not in shown

    rec_client = live.client()
    assert admin_login(rec_client, recruiter).status_code == 303
    assert rec_client.get(f"/admin/positions/{position_id}").status_code == 404
    assert _post(admin, page, f"{page}/assign", email="rec@example.com").status_code == 303
    assert _post(admin, page, f"{page}/assign", email="hm@example.com").status_code == 303
    assert rec_client.get(f"/admin/positions/{position_id}").status_code == 200
    again = _post(admin, page, f"{page}/assign", email="po@example.com")
    assert again.status_code == 422 and "Only recruiters and hiring managers" in again.text
    assert _post(admin, page, f"{page}/unassign", email="rec@example.com").status_code == 303
    assert rec_client.get(f"/admin/positions/{position_id}").status_code == 404
    assigned = sql_all(live.database_url, "SELECT user_id FROM position_assignments WHERE position_id = $1", position_id)
    assert [str(r[0]) for r in assigned] == [str(manager.id)]
    assert _audit(live, "assignment.added") == [f"user:{me.id}"] * 2

    filled = _post(admin, page, f"{page}/close", outcome="filled", confirm="yes")
    assert filled.status_code == 422
    closed = _post(admin, page, f"{page}/close", outcome="cancelled", confirm="yes")
    assert closed.status_code == 303
    assert sql_all(live.database_url, "SELECT status FROM positions WHERE id = $1", position_id) == [("cancelled",)]
    assert _audit(live, "position.concluded") == [f"user:{me.id}"]


@pytest.mark.parametrize("role", ["recruiter", "hiring_manager", "privacy_officer"])
def test_other_roles_get_404_on_every_admin_page(live: Any, role: str) -> None:
    admin = add_staff(live, email="admin@example.com", role="admin")
    position = add_position(live)
    client, me = _signed_in(live, role)
    own = client.get("/admin/").text
    assert "/admin/manage/users" not in own
    token = csrf_field(own)
    for path in [*ADMIN_PAGES, f"/admin/manage/users/{admin.id}", f"/admin/manage/positions/{position}"]:
        assert client.get(path).status_code == 404, path
    for path, data in [
        ("/admin/manage/users", {"email": "x@example.com", "role": "admin"}),
        (f"/admin/manage/users/{admin.id}/tokens", {"days": "30"}),
        (f"/admin/manage/users/{admin.id}/deactivate", {"confirm": "yes"}),
        ("/admin/manage/positions", {"title": "T", "jurisdiction": "GB"}),
        (f"/admin/manage/positions/{position}/assign", {"email": me.email}),
        (f"/admin/manage/positions/{position}/close", {"outcome": "closed", "confirm": "yes"}),
    ]:
        assert client.post(path, data={"csrftoken": token, **data}).status_code == 404, path
    assert len(_users(live)) == 2
    assert sql_all(live.database_url, "SELECT status FROM positions") == [("open",)]
    assert sql_all(live.database_url, "SELECT count(*) FROM api_tokens") == [(2,)]


HOSTILE_USERS = [
    ({"role": "recruiter"}, "email", 422),
    ({"email": "x@example.com"}, "role", 422),
    ({"email": "x@example.com", "role": "root"}, "role", 422),
    ({"email": "<script>alert(1)</script>@example.com", "role": "admin"}, "email", 422),
    ({"email": "a" * 300 + "@example.com", "role": "admin"}, "email", 422),
    ({"email": "x@example.com", "role": "admin", "password": "short"}, "password", 422),
    ({"email": "x@example.com", "role": "admin", "password": "p" * 5000}, "password", 422),
    ({"email": "ADMIN@example.com", "role": "recruiter"}, "email", 409),
]


@pytest.mark.parametrize(("data", "field", "status"), HOSTILE_USERS)
def test_hostile_user_forms_change_nothing(live: Any, data: dict, field: str, status: int) -> None:
    admin, _ = _signed_in(live, "admin")
    before = _users(live), _audit(live, "user.created")
    answer = _post(admin, "/admin/manage/users", "/admin/manage/users", **data)
    assert answer.status_code == status, answer.text[:300]
    assert f'id="{field}-error"' in answer.text
    assert "<script>alert" not in answer.text
    if data.get("email") and len(data["email"]) < 100:
        assert 'value="' + data["email"].replace("<", "&lt;").replace(">", "&gt;") in answer.text  # kept, escaped
    assert (_users(live), _audit(live, "user.created")) == before


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"jurisdiction": "GB"}, "title"),
        ({"title": "T" * 201, "jurisdiction": "GB"}, "title"),
        ({"title": "Engineer", "jurisdiction": "XX"}, "jurisdiction"),
        ({"title": "<b>Engineer</b>"}, "jurisdiction"),
    ],
)
def test_hostile_position_forms_change_nothing(live: Any, data: dict, field: str) -> None:
    admin, _ = _signed_in(live, "admin")
    answer = _post(admin, "/admin/manage/positions", "/admin/manage/positions", **data)
    assert answer.status_code == 422 and f'id="{field}-error"' in answer.text
    assert "<b>Engineer" not in answer.text
    assert sql_all(live.database_url, "SELECT count(*) FROM positions") == [(0,)]


def test_hostile_token_assignment_and_close_forms_change_nothing(live: Any) -> None:
    admin, me = _signed_in(live, "admin")
    other = add_staff(live, email="rec@example.com", role="recruiter")
    position = add_position(live)
    user_page = f"/admin/manage/users/{other.id}"
    for days in ("0", "367", "ten", "<i>9</i>"):
        answer = _post(admin, user_page, f"{user_page}/tokens", days=days)
        assert answer.status_code == 422 and 'id="days-error"' in answer.text and "<i>9" not in answer.text
    # A token id under another user, an unknown user, a malformed id: 404, nothing revoked.
    (theirs,) = sql_all(live.database_url, "SELECT token_id FROM api_tokens WHERE user_id = $1", other.id)[0]
    assert _post(admin, user_page, f"/admin/manage/users/{me.id}/tokens/{theirs}/revoke").status_code == 404
    assert _post(admin, user_page, f"/admin/manage/users/{uuid.uuid4()}/deactivate", confirm="yes").status_code == 404
    assert admin.get("/admin/manage/users/not-a-uuid").status_code == 404
    assert sql_all(live.database_url, "SELECT count(*) FROM api_tokens WHERE revoked_at IS NOT NULL") == [(0,)]
    own = _post(admin, f"/admin/manage/users/{me.id}", f"/admin/manage/users/{me.id}/deactivate", confirm="yes")
    assert own.status_code == 409
    page = f"/admin/manage/positions/{position}"
    for data, field in [
        ({"email": "nobody@example.com"}, "email"),
        ({"email": "<b>x</b>"}, "email"),
        ({}, "email"),
    ]:
        answer = _post(admin, page, f"{page}/assign", **data)
        assert 400 <= answer.status_code < 500 and f'id="{field}-error"' in answer.text and "<b>x" not in answer.text
    for data, field in [({"outcome": "closed"}, "confirm"), ({"outcome": "<b>", "confirm": "yes"}, "outcome")]:
        answer = _post(admin, page, f"{page}/close", **data)
        assert answer.status_code == 422 and f'id="{field}-error"' in answer.text
    forged = admin.post(f"{page}/close", data={"outcome": "closed", "confirm": "yes"})  # no CSRF field
    assert forged.status_code == 403
    assert sql_all(live.database_url, "SELECT count(*) FROM position_assignments") == [(0,)]
    assert sql_all(live.database_url, "SELECT status FROM positions") == [("open",)]
    assert [bool(r[2]) for r in _users(live)] == [True, True]


def test_the_demo_banner_shows_only_when_demo_data_was_seeded(database_url: str, s3env: Any) -> None:
    from ats.bootstrap import build
    from ats.web.app import create_app
    from storage.migrate import migrate
    from tests.conftest import Live, LiveServer, make_settings

    for seeded in (False, True):
        container = build(make_settings(database_url, s3env))
        if database_url.startswith("sqlite"):
            asyncio.run(migrate())
        container.extras["demo_data"] = seeded  # what `ats serve --embedded` sets after seeding
        with LiveServer(create_app(container)) as running:
            server = Live(running.url, container, s3env, database_url)
            client, _ = _signed_in(server, "admin", f"admin{int(seeded)}@example.com")
            for page in (server.client().get("/admin/login"), client.get("/admin/manage/users")):
                assert page.status_code == 200 and ("Demo data." in page.text) is seeded
