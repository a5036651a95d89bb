"""Data-subject requests over HTTP with a real SMTP server (DESIGN §9, §11): the same answer for
a known and an unknown address, the code on a line of its own, verification, the officer's
queue, extension and refusal, and hostile fields refused with nothing stored."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator

import pytest

from ats.bootstrap import build
from ats.web.app import create_app
from storage.smtp_server import SmtpServer
from tests.conftest import Live, LiveServer, S3Env, make_settings
from tests.e2e.support import (
    add_position,
    add_staff,
    api_apply,
    applicant,
    assert_error_shape,
    bearer,
    sql_all,
)

KNOWN, UNKNOWN = "known.request@example.com", "unknown.request@example.com"
URL = "/api/v1/privacy-requests"


@pytest.fixture
def site(database_url: str, s3env: S3Env) -> Iterator[tuple[Live, SmtpServer]]:
    from storage.migrate import migrate

    with SmtpServer() as smtp:
        c = build(make_settings(database_url, s3env, ats_smtp_url=smtp.url))
        if database_url.startswith("sqlite"):
            asyncio.run(migrate())
        with LiveServer(create_app(c)) as server:
            yield Live(server.url, c, s3env, database_url), smtp


def _last_to(smtp: SmtpServer, address: str) -> str:
    found = [m for m in smtp.inbox.messages() if address in m.recipients]
    assert found, "no mail to the address"
    return found[0].body


def _code(body: str) -> str:
    codes = re.findall(r"^(\d{6})$", body, re.MULTILINE)
    assert len(codes) == 1
    return codes[0]


def test_known_and_unknown_addresses_then_verification_and_the_queue(site: tuple[Live, SmtpServer]) -> None:
    live, smtp = site
    position = add_position(live, jurisdiction="GB")
    officer = add_staff(live, email="po@example.com", role="privacy_officer")
    with live.client() as client:
        assert api_apply(client, position, data=applicant(email=KNOWN)).status_code == 201
        a = client.post(URL, json={"email": KNOWN, "kind": "access"})
        b = client.post(URL, json={"email": UNKNOWN, "kind": "access"})
        assert a.status_code == b.status_code == 202
        ida, idb = a.json()["id"], b.json()["id"]
        # Byte-identical apart from the id (DESIGN §11: no enumeration of addresses).
        assert a.content.replace(ida.encode(), b"ID") == b.content.replace(idb.encode(), b"ID")
        # The same headers too, apart from the ones that differ per request whatever the address
        # (the date and the random request id of the logs, issue 12).
        per_request = ("date", "content-length", "x-request-id")
        assert {k: v for k, v in a.headers.items() if k not in per_request} == {
            k: v for k, v in b.headers.items() if k not in per_request
        }
        assert a.headers["x-request-id"] != b.headers["x-request-id"]
        known_body, unknown_body = _last_to(smtp, KNOWN), _last_to(smtp, UNKNOWN)
        # The mail to an unknown address reveals nothing: the same text as a known one's.
        assert known_body.replace(_code(known_body), "") == unknown_body.replace(_code(unknown_body), "")

        wrong = client.post(f"{URL}/{ida}/verification", json={"code": "000000" if _code(known_body) != "000000" else "111111"})
        assert wrong.status_code == 422 and assert_error_shape(wrong)["field"] == "code"
        opened = client.post(f"{URL}/{ida}/verification", json={"code": _code(known_body)})
        assert opened.status_code == 200 and opened.json()["status"] == "open" and opened.json()["due_on"]
        closed = client.post(f"{URL}/{idb}/verification", json={"code": _code(unknown_body)})
        assert closed.json()["status"] == "closed"
        assert "We hold no data about you" in _last_to(smtp, UNKNOWN)

        assert client.get(URL).status_code == 401
        queue = client.get(URL, headers=bearer(officer), params={"status": "open"}).json()["requests"]
        assert [r["id"] for r in queue] == [ida] and len(queue[0]["applications"]) == 1
        too_far = client.post(f"{URL}/{ida}/extension", headers=bearer(officer), json={"months": 3, "reason": "Complex"})
        assert too_far.status_code == 422
        extended = client.post(f"{URL}/{ida}/extension", headers=bearer(officer), json={"months": 2, "reason": "Complex"})
        assert extended.status_code == 200 and extended.json()["extended_due_on"] > extended.json()["due_on"]
        refused = client.post(f"{URL}/{ida}/decision", headers=bearer(officer), json={"decision": "refuse", "reason": "Manifestly unfounded"})
        assert refused.status_code == 200 and refused.json()["status"] == "refused"
        assert "Manifestly unfounded" in _last_to(smtp, KNOWN)
        assert client.get(f"{URL}/{ida}", headers=bearer(officer)).json()["decision"] == "refuse"
    rows = sql_all(live.database_url, "SELECT code_hash FROM privacy_requests")
    assert all(h is None or not re.fullmatch(r"\d{6}", h) for (h,) in rows)  # hashed at rest


def test_a_sixth_try_is_refused_even_with_the_right_code(site: tuple[Live, SmtpServer]) -> None:
    live, smtp = site
    with live.client() as client:
        rid = client.post(URL, json={"email": UNKNOWN, "kind": "erasure"}).json()["id"]
        right = _code(_last_to(smtp, UNKNOWN))
        wrong = f"{(int(right) + 1) % 10**6:06d}"
        statuses = [client.post(f"{URL}/{rid}/verification", json={"code": wrong}).status_code for _ in range(5)]
        assert statuses == [422, 422, 422, 422, 409]
        assert client.post(f"{URL}/{rid}/verification", json={"code": right}).status_code == 409


@pytest.mark.parametrize(
    "body",
    [
        {"email": KNOWN, "kind": "access", "details": "x" * 5000},
        {"email": KNOWN, "kind": "access", "details": "<img src=x onerror=alert(1)>"},
        {"email": KNOWN, "kind": "access", "details": "bidi \u202e text"},
        {"email": "<script>@example.com", "kind": "access"},
        {"email": KNOWN, "kind": "delete-everything"},
        {"email": KNOWN, "kind": "access", "reference": "\u0000REF"},
        {"email": 42, "kind": "access"},
    ],
)
def test_hostile_fields_are_refused_and_nothing_is_stored(site: tuple[Live, SmtpServer], body: dict) -> None:
    live, smtp = site
    with live.client() as client:
        answer = client.post(URL, json=body)
    assert 400 <= answer.status_code < 500
    assert_error_shape(answer)
    assert sql_all(live.database_url, "SELECT id FROM privacy_requests") == []
    assert smtp.inbox.messages() == []


