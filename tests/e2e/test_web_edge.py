"""The web edge over real HTTP (issue 9, items 4, 5 and 7): inputs that once answered 500,
bodies refused before anything parses them, per-client rate limits on public intake, and links
and hosts tied to ATS_PUBLIC_URL. Every refusal is a 4xx that changes nothing."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx

from tests.e2e.support import (
    Staff,
    api_apply,
    assert_error_shape,
    bearer,
    csrf_field,
    form_apply,
    multipart,
    parse_http,
    raw_http,
    sql_all,
)
from tests.e2e.test_workflow_api import accept_offer, request_consent
from tests.helpers import state

API = "/api/v1"


def everything(live: Any) -> dict[str, Any]:
    """state() plus the audit trail: a refused request must not even be audited as a change."""
    snapshot = state(live.database_url, live.s3env.s3, live.s3env.bucket)
    snapshot["audit"] = sql_all(live.database_url, "SELECT COUNT(*) FROM audit_events")[0][0]
    return snapshot


def raw(live: Any, method: str, path: str, headers: list[tuple[str, str]], body: bytes = b"") -> tuple:
    host = live.url.removeprefix("http://")
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", *(f"{k}: {v}" for k, v in headers)]
    if not any(k.lower() in ("content-length", "transfer-encoding") for k, _ in headers):
        lines.append(f"Content-Length: {len(body)}")
    lines.append("Connection: close")
    request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
    return parse_http(raw_http(live.url, request))


def move(
    client: httpx.Client, staff: Staff, application_id: str, to: str, host: str | None = None
) -> httpx.Response:
    headers = {**bearer(staff), **({"Host": host} if host else {})}
    return client.post(f"{API}/applications/{application_id}/transitions", json={"to": to}, headers=headers)


# ---------------------------------------------------------------- item 4: inputs that answered 500


def test_consent_answer_with_an_unknown_action_and_no_cookies_is_a_4xx(
    live: Any, client: httpx.Client
) -> None:
    before = everything(live)
    response = client.post("/consent/x", data={"action": "bogus"})
    assert response.status_code == 400, response.text[:300]
    assert "not valid" in response.text
    assert everything(live) == before


def test_a_non_utf8_form_body_is_a_4xx(live: Any, client: httpx.Client, recruiter: Staff) -> None:
    page = client.get("/admin/login")
    token = csrf_field(page.text)
    before = everything(live)
    body = (
        b"csrftoken="
        + token.encode()
        + b"&email="
        + recruiter.email.encode()
        + b"\xff\xfe&password=\xe9t\xe9"
    )
    for cookies in (True, False):  # /admin/login is always checked, cookie or not
        if not cookies:
            client.cookies.clear()
        response = client.post(
            "/admin/login", content=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
        assert response.status_code == 400, (cookies, response.status_code, response.text[:300])
        assert "UTF-8" in response.text
    assert everything(live) == before


def test_two_content_type_headers_are_a_4xx_on_forms_and_the_api(live: Any, position: uuid.UUID) -> None:
    body, multipart_type = multipart(
        [("csrftoken", "x"), ("full_name", "Ada"), ("cv", ("cv.pdf", b"%PDF-1.4", "application/pdf"))]
    )
    two = [
        ("Content-Type", "application/x-www-form-urlencoded"),
        ("Content-Type", multipart_type),
        ("Cookie", "csrftoken=x"),
    ]
    before = everything(live)
    for path in ("/admin/login", f"/positions/{position}/apply", "/consent/x"):
        status, _, answer = raw(live, "POST", path, two, body)
        assert status == 400, (path, status, answer[:300])
        assert b"Content-Type" in answer
    status, headers, answer = raw(live, "POST", f"{API}/positions/{position}/applications", two, body)
    assert status == 400, answer[:300]
    assert headers["content-type"].startswith("application/json")
    assert json.loads(answer)["error"]["code"] == "ambiguous_content_type"
    assert everything(live) == before


def test_json_nested_100000_deep_is_a_4xx(live: Any, client: httpx.Client, recruiter: Staff) -> None:
    before = everything(live)
    for deep in ("[" * 100_000 + "]" * 100_000, '{"a":' * 100_000 + "1" + "}" * 100_000):
        response = client.post(
            f"{API}/applications/{uuid.uuid4()}/transitions",
            content=deep.encode(),
            headers={**bearer(recruiter), "Content-Type": "application/json"},
        )
        error = assert_error_shape(response)
        assert error["code"] == "malformed_json"
    assert everything(live) == before


def test_json_bodies_of_the_wrong_shape_are_4xx(
    live: Any, client: httpx.Client, recruiter: Staff, position: uuid.UUID
) -> None:
    application_id = api_apply(client, position).json()["id"]
    before = everything(live)
    bodies: list[tuple[str, str, Any]] = [
        ("PUT", f"/applications/{application_id}/legal-hold", {"reason": ["a", "list"]}),
        ("POST", f"/positions/{position}/conclusion", {"outcome": "filled", "at": "2020-01-01T00:00:00"}),
        ("POST", f"/positions/{position}/conclusion", {"outcome": ["filled"]}),
        ("POST", f"/positions/{position}/conclusion", '{"outcome": "filled", "at": ' + "1" * 5000 + "}"),
        ("POST", f"/applications/{application_id}/transitions", {"to": {"x": 1}}),
        ("POST", f"/applications/{application_id}/transitions", {"to": "screening", "reason": 5}),
        (
            "POST",
            f"/applications/{application_id}/referees",
            {"referees": [{"full_name": 1, "email": [], "relationship": None}]},
        ),
        (
            "POST",
            f"/applications/{application_id}/background-check/consent-requests",
            {"check_types": "criminal"},
        ),
        (
            "POST",
            f"/applications/{application_id}/background-check/consent-requests",
            {"check_types": [1, None]},
        ),
        (
            "POST",
            f"/applications/{application_id}/background-check/checks",
            {"consent_request_id": 7, "check_type": []},
        ),
    ]
    failures = []
    for method, path, body in bodies:
        content = json.dumps(body) if not isinstance(body, str) else body
        response = client.request(
            method,
            f"{API}{path}",
            content=content,
            headers={**bearer(recruiter), "Content-Type": "application/json"},
        )
        failures.extend([(path, str(body)[:80], response.status_code)] if response.status_code >= 500 else [])
        if response.status_code < 500:
            assert_error_shape(response)
    assert failures == []
    after = everything(live)
    assert after["rows"] == before["rows"] and after["objects"] == before["objects"]


# ---------------------------------------------------------------- item 5: bodies and rates


def test_a_20_mb_urlencoded_body_is_refused_before_any_parse(live: Any, client: httpx.Client) -> None:
    token = csrf_field(client.get("/admin/login").text)
    cookie = f"csrftoken={client.cookies['csrftoken']}"
    form = [("Content-Type", "application/x-www-form-urlencoded"), ("Cookie", cookie)]
    # Announced by Content-Length: refused without reading the body (none is sent).
    status, _, answer = raw(live, "POST", "/admin/login", [*form, ("Content-Length", str(20 * 1024 * 1024))])
    assert status == 413, answer[:300]
    assert b"64 KB" in answer
    # Streamed without a length: refused once the stream passes the cap.
    chunk = b"csrftoken=" + token.encode() + b"&email=" + b"x" * 100_000
    chunked = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n0\r\n\r\n"
    status, _, answer = raw(live, "POST", "/admin/login", [*form, ("Transfer-Encoding", "chunked")], chunked)
    assert status == 413, answer[:300]


def test_a_small_urlencoded_body_with_thousands_of_fields_is_refused(live: Any, client: httpx.Client) -> None:
    token = csrf_field(client.get("/admin/login").text)
    body = f"csrftoken={token}&".encode() + b"a=1&" * 5000
    assert len(body) < 64 * 1024
    response = client.post(
        "/admin/login", content=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 413, response.text[:300]
    assert "fields" in response.text


def test_public_intake_is_rate_limited_per_client(live_with: Any) -> None:
    with live_with(ats_rate_limits="applications=2/minute") as live:
        from tests.e2e.support import add_position

        position = add_position(live)
        with live.client() as client:
            for n in range(2):
                created = api_apply(client, position, data={**_applicant(n)})
                assert created.status_code == 201, created.text
            before = everything(live)
            refused = api_apply(client, position, data=_applicant(3))
            assert refused.status_code == 429, refused.text[:300]
            assert int(refused.headers["retry-after"]) > 0
            assert assert_error_shape(refused)["code"] == "rate_limited"
            # The form shares the applications limit with the API: same client, same budget.
            page = form_apply(client, position, data=_applicant(4))
            assert page.status_code == 429, page.text[:300]
            assert page.headers["content-type"].startswith("text/html")
            assert int(page.headers["retry-after"]) > 0
            assert "Try again" in page.text
            assert everything(live) == before
            # Other pages are not limited.
            assert client.get(f"{API}/positions").status_code == 200


def _applicant(n: int) -> dict[str, str]:
    from tests.e2e.support import applicant

    return applicant(email=f"applicant{n}@example.com")


# ---------------------------------------------------------------- item 7: links and hosts


def test_an_unknown_host_is_refused_and_links_use_the_public_url(
    live: Any, client: httpx.Client, recruiter: Staff, position: uuid.UUID
) -> None:
    application_id = api_apply(client, position).json()["id"]
    for to in ("screening", "interview", "reference_check"):
        assert move(client, recruiter, application_id, to).status_code == 200
    before = everything(live)
    evil = move(client, recruiter, application_id, "offer_extended", host="evil.example")
    assert evil.status_code == 400, evil.text[:300]
    assert "evil.example" not in evil.text
    assert everything(live) == before
    # A loopback name the development server also answers to: the link still names the public URL.
    port = live.url.rsplit(":", 1)[1]
    offered = move(client, recruiter, application_id, "offer_extended", host=f"localhost:{port}")
    assert offered.status_code == 200, offered.text
    assert offered.json()["offer_link"].startswith(f"{live.url}/offer/")
    # Liveness probes come by pod IP or any name: /healthz answers whatever the Host.
    assert client.get("/healthz", headers={"Host": "10.1.2.3:8000"}).status_code == 200


def test_links_follow_ats_public_url_not_the_server_address(live_with: Any) -> None:
    with live_with(ats_public_url="https://jobs.example.com") as live:
        from tests.e2e.support import add_position, add_staff, assign

        position = add_position(live)
        staff = add_staff(live)
        assign(live, position, staff)
        with live.client() as client:
            application_id = api_apply(client, position).json()["id"]
            for to in ("screening", "interview", "reference_check"):
                assert move(client, staff, application_id, to).status_code == 200
            # The server's own address (127.0.0.1) is loopback, allowed in development.
            offered = move(client, staff, application_id, "offer_extended")
            assert offered.status_code == 200, offered.text
            offer_link = offered.json()["offer_link"]
            assert offer_link.startswith("https://jobs.example.com/offer/")
            accepted = accept_offer(client, offer_link.replace("https://jobs.example.com", live.url))
            assert accepted.status_code == 200, accepted.text
            consent = request_consent(client, staff, application_id, ["criminal"])
            assert consent.status_code == 201, consent.text
            assert consent.json()["link"].startswith("https://jobs.example.com/consent/")
            assert client.get("/", headers={"Host": "jobs.example.com"}).status_code == 200
            assert client.get("/", headers={"Host": "jobs.example.com.evil.example"}).status_code == 400


def test_text_with_nul_or_a_lone_surrogate_is_a_4xx(
    live: Any, client: httpx.Client, position: uuid.UUID
) -> None:
    """PostgreSQL refuses NUL in text and Python cannot encode a lone surrogate to UTF-8: both
    once reached the database from a legal-hold reason and answered 500."""
    from tests.e2e.support import add_staff, admin_login

    application_id = api_apply(client, position).json()["id"]
    officer = add_staff(live, email="officer@example.com", role="privacy_officer")
    before = everything(live)
    for reason in ('"\\ud800"', '"a\\u0000b"'):
        response = client.put(
            f"{API}/applications/{application_id}/legal-hold",
            content=b'{"reason": ' + reason.encode() + b"}",
            headers={**bearer(officer), "Content-Type": "application/json"},
        )
        assert response.status_code == 422, (reason, response.status_code, response.text[:300])
        assert assert_error_shape(response)["code"] == "invalid_text"
    with live.client() as panel:
        assert admin_login(panel, officer).status_code == 303
        token = csrf_field(panel.get(f"/admin/applications/{application_id}").text)
        after_login = everything(live)
        response = panel.post(
            f"/admin/applications/{application_id}/legal-hold",
            content=f"csrftoken={token}&action=set&reason=a%00b".encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert response.status_code == 400, (response.status_code, response.text[:300])
        assert everything(live) == after_login
    assert everything(live)["rows"] == before["rows"]
    held = sql_all(
        live.database_url,
        "SELECT legal_hold_reason FROM applications WHERE id = $1",
        uuid.UUID(application_id),
    )
    assert held == [(None,)]
