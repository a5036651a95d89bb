"""Background checks in the panel, over HTTP on SQLite and PostgreSQL, with the mail a real SMTP
server receives and a clock the test moves: consent requested (only the allowed types offered),
the link mailed and answered, a check started, a 'consider' result uploaded, the generated
pre-adverse notice mailed with the summary of rights and the report's link, no decision before
`respond_by`, an adverse decision after it (notice mailed, application rejected); France without
a document; hiring managers get 404; hostile forms change nothing."""

from __future__ import annotations

import asyncio
import html
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from ats.bootstrap import build
from storage.memory import FixedClock
from storage.smtp_server import SmtpServer
from tests.conftest import Live, LiveServer, S3Env, free_port, make_settings
from tests.e2e.support import (
    Staff,
    add_position,
    add_staff,
    admin_login,
    api_apply,
    applicant,
    bearer,
    csrf_field,
    post_multipart,
    sql_all,
    sql_exec,
)
from tests.helpers import pdf

API = "/api/v1"
EMAIL = "grace@example.org"
REPORT = pdf("Consumer report: one conviction, 2009")


@pytest.fixture
def world(database_url: str, s3env: S3Env) -> Iterator[tuple[Live, SmtpServer, FixedClock]]:
    from ats.web.app import create_app
    from storage.migrate import migrate

    clock = FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))  # a Monday
    port = free_port()
    with SmtpServer() as smtp:
        settings = make_settings(
            database_url, s3env, ats_smtp_url=smtp.url, ats_public_url=f"http://127.0.0.1:{port}"
        )
        c = build(settings, clock=clock)
        if database_url.startswith("sqlite"):
            asyncio.run(migrate())
        with LiveServer(create_app(c), port=port) as server:
            yield Live(server.url, c, s3env, database_url), smtp, clock


def assign(live: Live, position_id: uuid.UUID, staff: Staff) -> None:
    sql_exec(
        live.database_url,
        "INSERT INTO position_assignments (id, position_id, user_id, assigned_at) VALUES ($1, $2, $3, $4)",
        uuid.uuid4(),
        position_id,
        staff.id,
        datetime.now(UTC),
    )


def mails_to(smtp: SmtpServer, address: str) -> list[Any]:
    return [m for m in smtp.inbox.messages() if address in m.recipients]


def link_in(body: str, path: str) -> str:
    found = re.search(rf"https?://\S+{path}\S+", body)
    assert found, body
    return found.group(0)


def accepted(live: Live, client: httpx.Client, recruiter: Staff, jurisdiction: str) -> tuple[uuid.UUID, str]:
    position_id = add_position(live, title=f"Analyst ({jurisdiction})", jurisdiction=jurisdiction)
    assign(live, position_id, recruiter)
    created = api_apply(client, position_id, data=applicant(full_name="Grace Hopper", email=EMAIL))
    assert created.status_code == 201, created.text
    application_id = created.json()["id"]
    for to in ("screening", "interview", "reference_check", "offer_extended"):
        moved = client.post(
            f"{API}/applications/{application_id}/transitions", json={"to": to}, headers=bearer(recruiter)
        )
        assert moved.status_code == 200, moved.text
    offer = moved.json()["offer_link"]
    page = client.get(offer)
    assert client.post(offer, data={"csrftoken": csrf_field(page.text), "decision": "accept"}).status_code == 200
    return position_id, application_id


def page_of(client: httpx.Client, application_id: str) -> str:
    page = client.get(f"/admin/applications/{application_id}")
    assert page.status_code == 200, page.text[:500]
    return page.text


def post_form(client: httpx.Client, application_id: str, path: str, data: dict[str, Any]) -> httpx.Response:
    token = csrf_field(page_of(client, application_id))
    return client.post(f"/admin/applications/{application_id}{path}", data={"csrftoken": token, **data})


def checks(live: Live, application_id: str) -> list[tuple]:
    return sql_all(
        live.database_url,
        "SELECT id, status, respond_by FROM background_checks WHERE application_id = $1",
        uuid.UUID(application_id),
    )


def status_of(live: Live, application_id: str) -> str:
    return sql_all(live.database_url, "SELECT status FROM applications WHERE id = $1", uuid.UUID(application_id))[0][0]


def counts(live: Live) -> tuple:
    tables = ("consent_requests", "background_checks", "records", "outbox")
    rows = [sql_all(live.database_url, f"SELECT COUNT(*) FROM {t}")[0][0] for t in tables]
    statuses = sql_all(live.database_url, "SELECT status, respond_by FROM background_checks ORDER BY id")
    consents = sql_all(live.database_url, "SELECT status FROM consent_requests ORDER BY id")
    return (*rows, tuple(statuses), tuple(consents))


def consent_link(smtp: SmtpServer) -> str:
    [mail] = [m for m in mails_to(smtp, EMAIL) if "authorisation" in m.subject]
    return html.unescape(link_in(mail.body, "/consent/"))


def give_consent(client: httpx.Client, link: str) -> None:
    page = client.get(link)
    assert page.status_code == 200, page.text[:300]
    answered = client.post(
        link,
        data={"csrftoken": csrf_field(page.text), "typed_name": "Grace Hopper", "confirmed": "true", "action": "authorise"},
    )
    assert answered.status_code == 200, answered.text[:300]


def test_a_recruiter_runs_a_background_check_to_an_adverse_decision_in_the_panel(world: Any) -> None:
    live, smtp, clock = world
    recruiter = add_staff(live, email="rec@example.com", role="recruiter")
    with live.client() as client:
        _, application_id = accepted(live, client, recruiter, "US-CA")
        assert admin_login(client, recruiter).status_code == 303
        page = page_of(client, application_id)
        # Only the check types California allows are offered: no credit report (Labor Code 1024.5).
        offered = set(re.findall(r'name="check_types" type="checkbox" value="([a-z]+)"', page))
        assert offered == {"criminal", "employment", "education", "identity", "driving"}

        before = counts(live)
        forbidden = post_form(client, application_id, "/background/consent", {"check_types": ["criminal", "credit"]})
        assert forbidden.status_code == 422
        assert 'id="bg-consent-error"' in forbidden.text and "credit" in forbidden.text
        assert 'value="criminal" checked' in forbidden.text  # the values are kept
        assert counts(live) == before

        requested = post_form(client, application_id, "/background/consent", {"check_types": ["criminal"]})
        assert requested.status_code == 303, requested.text[:500]
        link = consent_link(smtp)
        assert link.startswith(live.url + "/consent/")
        give_consent(client, link)
        assert ">given" in page_of(client, application_id)

        consent_id = sql_all(live.database_url, "SELECT id FROM consent_requests")[0][0]
        started = post_form(
            client, application_id, "/background/checks", {"consent_request_id": str(consent_id), "check_type": "criminal"}
        )
        assert started.status_code == 303, started.text[:500]
        [(check_id, status, _)] = checks(live, application_id)
        assert status == "in_progress" and status_of(live, application_id) == "background_check"

        token = csrf_field(page_of(client, application_id))
        uploaded = post_multipart(
            client,
            f"/admin/applications/{application_id}/checks/{check_id}/result",
            [("csrftoken", token), ("result", "consider"), ("document", ("report.pdf", REPORT, "application/pdf"))],
        )
        assert uploaded.status_code == 303, uploaded.text[:500]
        assert checks(live, application_id)[0][1] == "consider"

        noticed = post_form(client, application_id, f"/checks/{check_id}/pre-adverse-notice", {})
        assert noticed.status_code == 303, noticed.text[:500]
        [(_, status, respond_by)] = checks(live, application_id)
        assert status == "pre_adverse" and str(respond_by).startswith("2026-03-09")
        [notice] = [m for m in mails_to(smtp, EMAIL) if "preliminary decision" in m.subject]
        assert "A Summary of Your Rights Under the Fair Credit Reporting Act" in notice.body
        assert "https://www.consumerfinance.gov/learnmore" in notice.body
        assert "individualized assessment" in notice.body and "2026-03-09" in notice.body
        report_link = link_in(notice.body, "/report/")
        copy = client.get(report_link)
        assert copy.status_code == 200 and copy.content == REPORT
        assert copy.headers["cache-control"] == "no-store"

        before = counts(live)
        early = post_form(client, application_id, f"/checks/{check_id}/decision", {"decision": "adverse"})
        assert early.status_code == 409
        assert f'id="bg-decide-{check_id}-error"' in early.text and "2026-03-09" in early.text
        assert 'value="adverse" checked' in early.text
        assert counts(live) == before and status_of(live, application_id) == "background_check"

        clock.advance(days=8)  # past respond_by; the session's idle limit has passed too
        assert admin_login(client, recruiter).status_code == 303
        decided = post_form(client, application_id, f"/checks/{check_id}/decision", {"decision": "adverse"})
        assert decided.status_code == 303, decided.text[:500]
        assert checks(live, application_id)[0][1] == "adverse"
        assert status_of(live, application_id) == "rejected"
        [adverse] = [m for m in mails_to(smtp, EMAIL) if "final decision" in m.subject]
        assert "60 days" in adverse.body and "dispute" in adverse.body and "did not make this decision" in adverse.body

    # No check result next to an application id in the audit trail.
    trail = sql_all(live.database_url, "SELECT action, details FROM audit_events")
    assert not [row for row in trail if re.search(r"consider|adverse", f"{row[0]} {row[1]}")]


def test_in_france_the_extract_is_seen_and_no_document_is_kept(world: Any) -> None:
    live, smtp, _ = world
    recruiter = add_staff(live, email="rec@example.com", role="recruiter")
    with live.client() as client:
        _, application_id = accepted(live, client, recruiter, "FR")
        assert admin_login(client, recruiter).status_code == 303
        assert post_form(client, application_id, "/background/consent", {"check_types": ["criminal"]}).status_code == 303
        give_consent(client, consent_link(smtp))
        consent_id = sql_all(live.database_url, "SELECT id FROM consent_requests")[0][0]
        post_form(client, application_id, "/background/checks", {"consent_request_id": str(consent_id), "check_type": "criminal"})
        [(check_id, _, _)] = checks(live, application_id)
        page = page_of(client, application_id)
        assert 'name="seen"' in page and 'name="document"' not in page

        before = counts(live)
        path = f"/admin/applications/{application_id}/checks/{check_id}/result"
        token = csrf_field(page)
        with_copy = post_multipart(
            client, path, [("csrftoken", token), ("seen", "true"), ("satisfactory", "true"),
                           ("document", ("b3.pdf", pdf("B3"), "application/pdf"))],
        )
        assert with_copy.status_code == 422 and "no copy" in with_copy.text
        assert 'value="true" checked' in with_copy.text
        assert counts(live) == before

        recorded = post_multipart(client, path, [("csrftoken", token), ("seen", "true"), ("satisfactory", "true")])
        assert recorded.status_code == 303, recorded.text[:500]
        assert checks(live, application_id)[0][1] == "clear"
        assert sql_all(live.database_url, "SELECT COUNT(*) FROM records WHERE record_type = 'background-check-report'") == [(0,)]


def test_hiring_managers_and_hostile_forms_change_nothing(world: Any) -> None:
    live, smtp, _ = world
    recruiter = add_staff(live, email="rec@example.com", role="recruiter")
    manager = add_staff(live, email="hm@example.com", role="hiring_manager")
    officer = add_staff(live, email="po@example.com", role="privacy_officer")
    with live.client() as client:
        position_id, application_id = accepted(live, client, recruiter, "US-NY-NYC")
        assign(live, position_id, manager)
        assert admin_login(client, recruiter).status_code == 303
        assert post_form(client, application_id, "/background/consent", {"check_types": ["criminal"]}).status_code == 303
        give_consent(client, consent_link(smtp))
        consent_id = sql_all(live.database_url, "SELECT id FROM consent_requests")[0][0]
        post_form(client, application_id, "/background/checks", {"consent_request_id": str(consent_id), "check_type": "criminal"})
        [(check_id, _, _)] = checks(live, application_id)
        token = csrf_field(page_of(client, application_id))
        path = f"/admin/applications/{application_id}/checks/{check_id}/result"
        before = counts(live)

        # Hostile inputs: no CSRF token on the multipart form, markup, wrong types, no document.
        assert post_multipart(client, path, [("result", "consider")]).status_code == 403
        markup = post_form(client, application_id, "/background/consent", {"check_types": ["<script>alert(1)</script>"]})
        assert markup.status_code == 422 and "<script>alert(1)</script>" not in markup.text
        wrong = post_form(
            client, application_id, "/background/checks", {"consent_request_id": "not-a-uuid", "check_type": "criminal"}
        )
        assert wrong.status_code == 422
        no_doc = post_multipart(client, path, [("csrftoken", token), ("result", "consider")])
        assert no_doc.status_code == 422 and f'id="bg-result-{check_id}-error"' in no_doc.text
        bad = post_multipart(
            client, path, [("csrftoken", token), ("result", "<b>x</b>"), ("document", ("r.pdf", REPORT, "application/pdf"))]
        )
        assert bad.status_code == 422 and "<b>x</b>" not in bad.text
        assert counts(live) == before

        # New York City: the Fair Chance Notice needs the Article 23-A analysis.
        ok = post_multipart(
            client, path, [("csrftoken", token), ("result", "consider"), ("document", ("r.pdf", REPORT, "application/pdf"))]
        )
        assert ok.status_code == 303
        before = counts(live)
        missing = post_form(client, application_id, f"/checks/{check_id}/pre-adverse-notice", {"assessment": "  "})
        assert missing.status_code == 422 and "Article 23-A" in missing.text
        assert counts(live) == before

    routes = [
        ("/background/consent", {"check_types": "criminal"}),
        ("/background/checks", {"consent_request_id": str(consent_id), "check_type": "criminal"}),
        (f"/checks/{check_id}/result", {"result": "clear"}),
        (f"/checks/{check_id}/pre-adverse-notice", {"assessment": "x"}),
        (f"/checks/{check_id}/decision", {"decision": "proceed"}),
    ]
    for who in (manager, officer):
        with live.client() as client:
            assert admin_login(client, who).status_code == 303
            page = client.get(f"/admin/applications/{application_id}")
            assert page.status_code == 200
            assert "/background/consent" not in page.text and "pre-adverse-notice" not in page.text
            if who is manager:
                assert "Background checks" not in page.text  # no background-check material at all
            else:
                assert "Background checks" in page.text  # read-only status
            token = csrf_field(page.text)
            for path, data in routes:
                answer = client.post(f"/admin/applications/{application_id}{path}", data={"csrftoken": token, **data})
                assert answer.status_code == 404, (who.email, path, answer.status_code)
    assert counts(live) == before
