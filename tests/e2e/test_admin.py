"""The recruiter panel (/admin) over real HTTP: sign-in with CSRF, the session cookie, the pages,
the audited download, sign-out."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from markupsafe import escape

from tests.e2e.support import (
    Staff,
    admin_login,
    api_apply,
    applicant,
    csrf_field,
    sql_all,
    sql_exec,
)
from tests.helpers import pdf

NAME = "<b>Zoë</b> O'Brien-Ōtsuka"
EMAIL = "zoe.obrien@example.org"
PHONE = "+44 20 7946 0123"
SESSION = "ats_session"


def _set_cookie(response: httpx.Response, name: str) -> str | None:
    for header in response.headers.get_list("set-cookie"):
        if header.startswith(f"{name}="):
            return header
    return None


def _audit_actions(live: Any) -> list[str]:
    return [r[0] for r in sql_all(live.database_url, "SELECT action FROM audit_events ORDER BY seq")]


@pytest.fixture
def application(live: Any, client: httpx.Client, position: uuid.UUID) -> dict[str, Any]:
    """One application, through the public API, with a CV and a talent-pool consent."""
    cv = pdf("Curriculum vitae of Zoe, distributed systems engineer " * 50)
    response = api_apply(
        client,
        position,
        data=applicant(full_name=NAME, email=EMAIL, phone=PHONE, talent_pool_consent="true"),
        cv=cv,
    )
    assert response.status_code == 201, response.text
    return {**response.json(), "cv": cv}


@pytest.fixture
def signed_in(live: Any, client: httpx.Client, recruiter: Staff, position: uuid.UUID) -> httpx.Client:
    # Need to know (DESIGN §8): a recruiter sees the applications of the positions assigned to them.
    sql_exec(
        live.database_url,
        "INSERT INTO position_assignments (id, position_id, user_id, assigned_at) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT (position_id, user_id) DO NOTHING",  # the fixtures may have assigned them already
        uuid.uuid4(), position, recruiter.id, datetime.now(UTC),
    )
    response = admin_login(client, recruiter)
    assert response.status_code == 303, response.text[:300]
    return client


# ---------------------------------------------------------------- sign-in


def test_admin_redirects_to_the_login_page(client: httpx.Client) -> None:
    for path in (
        "/admin",
        "/admin/",
        f"/admin/positions/{uuid.uuid4()}",
        f"/admin/records/{uuid.uuid4()}/download",
    ):
        response = client.get(path, follow_redirects=True)

        assert response.url.path == "/admin/login", path
        assert response.status_code == 200
        assert all(300 <= r.status_code < 400 for r in response.history) and response.history
        assert 'name="password"' in response.text
        assert 'type="password"' in response.text


def test_login_without_the_csrf_token_is_refused(live: Any, client: httpx.Client, recruiter: Staff) -> None:
    credentials = {"email": recruiter.email, "password": recruiter.password}
    # No cookie at all (asgi-csrf always protects the login form), then cookie but no token.
    with live.client() as fresh:
        refused = fresh.post("/admin/login", data=credentials)
        assert refused.status_code == 403
        assert _set_cookie(refused, SESSION) is None
    client.get("/admin/login")
    for data in (credentials, {**credentials, "csrftoken": "forged"}):
        response = client.post("/admin/login", data=data)

        assert response.status_code == 403, response.text[:300]
        assert _set_cookie(response, SESSION) is None
    assert client.get("/admin/").status_code == 303
    assert "user.login" not in _audit_actions(live)


@pytest.mark.parametrize(
    "credentials",
    [
        {"password": "wrong password, long enough"},
        {"email": "nobody@example.com"},
        {"password": ""},
    ],
    ids=["wrong-password", "unknown-email", "empty-password"],
)
def test_wrong_credentials_are_401_with_a_message_and_no_session(
    live: Any, client: httpx.Client, recruiter: Staff, credentials: dict[str, str]
) -> None:
    page = client.get("/admin/login")
    data = {"csrftoken": csrf_field(page.text), "email": recruiter.email, "password": recruiter.password}
    data.update(credentials)

    response = client.post("/admin/login", data=data)

    assert response.status_code == 401
    assert "The email address or password is not right." in response.text
    assert f'value="{escape(data["email"])}"' in response.text  # the address is kept, not the password
    assert recruiter.password not in response.text
    assert _set_cookie(response, SESSION) is None
    assert SESSION not in client.cookies
    assert client.get("/admin/").status_code == 303
    assert _audit_actions(live) == ["user.login_failed"]


def test_right_password_gives_an_httponly_samesite_session(
    live: Any, client: httpx.Client, recruiter: Staff, position: uuid.UUID
) -> None:
    response = admin_login(client, recruiter)

    assert response.status_code == 303
    assert response.headers["location"] in {"/admin", "/admin/"}
    cookie = _set_cookie(response, SESSION)
    assert cookie, response.headers.get_list("set-cookie")
    attributes = {a.strip().split("=", 1)[0].lower(): a.strip() for a in cookie.split(";")[1:]}
    assert "httponly" in attributes
    assert attributes.get("samesite", "").lower() in {"samesite=strict", "samesite=lax"}
    # A browser-session cookie; the server ends it (tests/e2e/test_sessions.py).
    assert "max-age" not in attributes and "expires" not in attributes
    assert attributes.get("path") == "path=/"
    # The cookie carries no personal data: not the email, not the role name in clear text.
    assert recruiter.email not in cookie
    home = client.get("/admin/")
    assert home.status_code == 200
    assert "Backend Engineer (London)" in home.text
    assert f'href="/admin/positions/{position}"' in home.text
    assert "user.login" in _audit_actions(live)


# ---------------------------------------------------------------- pages


def test_applications_of_a_position_show_the_candidate_escaped(
    signed_in: httpx.Client, position: uuid.UUID, application: dict[str, Any]
) -> None:
    page = signed_in.get(f"/admin/positions/{position}")

    assert page.status_code == 200
    assert str(escape(NAME)) in page.text
    assert "<b>Zoë</b>" not in page.text
    assert application["reference"] in page.text
    assert f'href="/admin/applications/{application["id"]}"' in page.text


def test_applications_of_a_position_come_in_pages_with_links_between_them(
    client: httpx.Client, signed_in: httpx.Client, position: uuid.UUID
) -> None:
    references = []
    for i in range(3):
        response = api_apply(client, position, data=applicant(email=f"pager{i}@example.org"))
        assert response.status_code == 201, response.text
        references.append(response.json()["reference"])
    first = signed_in.get(f"/admin/positions/{position}", params={"limit": "2"})
    assert first.status_code == 200
    assert [r for r in references if r in first.text] == references[1:]  # newest first
    older = re.search(r'href="(/admin/positions/[^"]+after=[^"]+)">Older applications<', first.text)
    assert older is not None and "Newest applications" not in first.text
    second = signed_in.get(older.group(1).replace("&amp;", "&"))
    assert second.status_code == 200
    assert [r for r in references if r in second.text] == references[:1]
    assert "Older applications" not in second.text and "Newest applications" in second.text
    bad = signed_in.get(f"/admin/positions/{position}", params={"after": "<b>forged</b>"})
    assert bad.status_code == 422
    assert "page marker" in bad.text and "<b>forged</b>" not in bad.text


def test_application_detail_shows_each_records_legal_basis_purpose_and_tags(
    live: Any, signed_in: httpx.Client, application: dict[str, Any]
) -> None:
    page = signed_in.get(f"/admin/applications/{application['id']}")

    assert page.status_code == 200
    text = page.text
    assert application["reference"] in text
    assert str(escape(NAME)) in text and "<b>Zoë</b>" not in text
    rows = sql_all(
        live.database_url,
        "SELECT id, record_type, legal_basis, purpose, jurisdiction, retention_rule, expires_on "
        "FROM records WHERE application_id = $1",
        uuid.UUID(application["id"]),
    )
    assert {r[1] for r in rows} == {"cv", "talent-pool-consent"}
    table = text[text.index('<table class="records">') :]
    for record_id, record_type, legal_basis, purpose, jurisdiction, retention, expires_on in rows:
        link = f'href="/admin/records/{record_id}/download"'
        assert link in table
        # The table row of this record: from its <tr> to its </tr>.
        row = table[table.rindex("<tr>", 0, table.index(link)) : table.index("</tr>", table.index(link))]
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        assert cells[0].startswith(record_type)
        assert cells[1] == legal_basis
        assert cells[2] == purpose
        tags = dict(t.split("=", 1) for t in cells[3].split("<br>") if t.strip())
        assert tags["legal-basis"] == legal_basis
        assert tags["purpose"] == purpose
        assert tags["record-type"] == record_type
        assert tags["jurisdiction"] == jurisdiction == "GB"
        assert tags["retention"] == str(escape(retention))
        assert tags["expires-on"] == expires_on
        assert tags["application"] == application["id"]
    consent_row = next(r for r in rows if r[1] == "talent-pool-consent")
    assert consent_row[2:4] == ("consent", "employment.recruitment.talent_pool")


def test_unknown_ids_in_the_panel_are_404(signed_in: httpx.Client) -> None:
    for path in (
        f"/admin/positions/{uuid.uuid4()}",
        "/admin/positions/not-a-uuid",
        f"/admin/applications/{uuid.uuid4()}",
        f"/admin/records/{uuid.uuid4()}/download",
    ):
        assert signed_in.get(path).status_code == 404, path


# ---------------------------------------------------------------- download and audit


def test_download_returns_the_decrypted_cv_as_an_attachment_and_is_audited(
    live: Any, signed_in: httpx.Client, recruiter: Staff, application: dict[str, Any]
) -> None:
    [(record_id,)] = sql_all(
        live.database_url,
        "SELECT id FROM records WHERE application_id = $1 AND record_type = 'cv'",
        uuid.UUID(application["id"]),
    )
    before = sql_all(
        live.database_url, "SELECT COUNT(*) FROM audit_events WHERE action = 'record.downloaded'"
    )

    response = signed_in.get(f"/admin/records/{record_id}/download")

    assert response.status_code == 200
    assert response.content == application["cv"]
    assert response.headers["content-type"].startswith("application/pdf")
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment")
    assert 'filename="cv.pdf"' in disposition
    assert "no-store" in response.headers["cache-control"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert before == [(0,)]
    audited = sql_all(
        live.database_url,
        "SELECT actor, application_id, record_id FROM audit_events WHERE action = 'record.downloaded'",
    )
    assert len(audited) == 1
    actor, application_id, audited_record = audited[0]
    assert str(application_id) == application["id"]
    assert str(audited_record) == str(record_id)
    assert str(recruiter.id) in str(actor)


def test_no_audit_event_holds_the_candidates_personal_data(
    live: Any, signed_in: httpx.Client, application: dict[str, Any]
) -> None:
    # Touch everything that audits: list, view, download every record.
    position_id = sql_all(
        live.database_url, "SELECT position_id FROM applications WHERE id = $1", uuid.UUID(application["id"])
    )[0][0]
    assert signed_in.get(f"/admin/positions/{position_id}").status_code == 200
    assert signed_in.get(f"/admin/applications/{application['id']}").status_code == 200
    for (record_id,) in sql_all(
        live.database_url, "SELECT id FROM records WHERE application_id = $1", uuid.UUID(application["id"])
    ):
        assert signed_in.get(f"/admin/records/{record_id}/download").status_code == 200

    rows = sql_all(live.database_url, "SELECT * FROM audit_events")
    actions = {a for (a,) in sql_all(live.database_url, "SELECT action FROM audit_events")}
    assert {"application.submitted", "application.viewed", "record.downloaded", "user.login"} <= actions
    dump = json.dumps([[str(v) for v in row] for row in rows], ensure_ascii=False).lower()
    for personal in (NAME, "Zoë", "O'Brien", "Ōtsuka", EMAIL, "zoe.obrien", PHONE, "7946", "cv.pdf"):
        assert personal.lower() not in dump, personal
    # The audit head (hash chain) holds only hashes.
    head = json.dumps([[str(v) for v in r] for r in sql_all(live.database_url, "SELECT * FROM audit_head")])
    assert "zoe" not in head.lower()


# ---------------------------------------------------------------- sign-out


def _logout(client: httpx.Client) -> httpx.Response:
    page = client.get("/admin/")
    assert page.status_code == 200
    return client.post("/admin/logout", data={"csrftoken": csrf_field(page.text)})


def test_logout_clears_the_session(signed_in: httpx.Client, position: uuid.UUID) -> None:
    assert signed_in.get("/admin/").status_code == 200

    response = _logout(signed_in)

    assert response.status_code == 303
    assert response.headers["location"] == "/admin/login"
    cleared = _set_cookie(response, SESSION)
    assert cleared and ("max-age=0" in cleared.lower() or "expires=thu, 01 jan 1970" in cleared.lower())
    assert SESSION not in signed_in.cookies
    for path in ("/admin/", f"/admin/positions/{position}"):
        again = signed_in.get(path)
        assert again.status_code == 303 and again.headers["location"] == "/admin/login"


def test_logout_needs_the_csrf_token(signed_in: httpx.Client) -> None:
    response = signed_in.post("/admin/logout", data={})

    assert response.status_code == 403
    assert signed_in.get("/admin/").status_code == 200  # still signed in


def test_a_session_cookie_copied_before_logout_is_dead_after_it(
    live: Any, signed_in: httpx.Client, position: uuid.UUID
) -> None:
    stolen = signed_in.cookies[SESSION]
    assert _logout(signed_in).status_code == 303

    with live.client(cookies={SESSION: stolen}) as attacker:
        response = attacker.get("/admin/")

    assert response.status_code == 303, "the old session cookie still opens the panel after sign-out"
    assert response.headers["location"] == "/admin/login"
