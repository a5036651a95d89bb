"""The candidate's request pages (/privacy/requests) and the privacy officer's queue in the panel,
over HTTP with a real SMTP server (aiosmtpd) and a clock the test moves (DESIGN §11).

Hostile cases: wrong and expired codes, the sixth try, a reference that belongs to someone else,
oversize and markup fields, an unknown address (the same answer, and a mail that reveals
nothing); the officer's forms refused with their errors beside them and nothing changed;
everyone but privacy officers 404 on the queue."""

from __future__ import annotations

import asyncio
import hashlib
import re
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from ats.bootstrap import build
from storage.emulator import free_port
from storage.memory import FixedClock
from storage.smtp_server import SmtpServer
from tests.conftest import Live, LiveServer, S3Env, make_settings
from tests.e2e.support import (
    Part,
    add_position,
    add_staff,
    admin_login,
    api_apply,
    applicant,
    csrf_field,
    post_multipart,
    sql_all,
)
from tests.helpers import pdf

KNOWN = "ada.requests@example.org"
UNKNOWN = "nobody.here@example.org"
FORM = "/privacy/requests"
CODE_LINE = re.compile(r"^\s*([A-Z0-9]{6,12})\s*$", re.MULTILINE)
LOCATION = re.compile(r"^/privacy/requests/([0-9a-f-]{36})/verification$")


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


def mails_to(smtp: SmtpServer, address: str, *, at_least: int = 0) -> list[Any]:
    """Newest first. Mail goes out after the commit: wait (at most 20 s, a bound, not a timing)
    until `at_least` messages to the address are there."""
    deadline = time.monotonic() + 20
    while True:
        found = [m for m in smtp.inbox.messages() if address in m.recipients]
        if len(found) >= at_least or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def latest_code(smtp: SmtpServer, address: str, count: int = 1) -> str:
    """The code of the newest message to `address`, once `count` have arrived."""
    return code_from(mails_to(smtp, address, at_least=count)[0])


def code_from(mail: Any) -> str:
    found = CODE_LINE.findall(mail.body)
    assert len(found) == 1, mail.body  # the code, on a line of its own, once
    return found[0]


def ask(client: httpx.Client, **fields: str) -> httpx.Response:
    """Load the form, then post it as a browser without JavaScript does."""
    form = client.get(FORM)
    assert form.status_code == 200, form.text[:300]
    data = {"email": KNOWN, "kind": "access", "reference": "", "details": "", **fields}
    return client.post(FORM, data={"csrftoken": csrf_field(form.text), **data})


def request_id(answer: httpx.Response) -> str:
    assert answer.status_code == 303, (answer.status_code, answer.text[:500])
    found = LOCATION.match(answer.headers["location"])
    assert found, answer.headers["location"]
    return found.group(1)


def send_code(client: httpx.Client, rid: str, code: str) -> httpx.Response:
    page = client.get(f"/privacy/requests/{rid}/verification")
    assert page.status_code == 200
    return client.post(f"/privacy/requests/{rid}/verification", data={"csrftoken": csrf_field(page.text), "code": code})


def applied(live: Live, email: str = KNOWN, jurisdiction: str = "GB") -> dict[str, Any]:
    position = add_position(live, title="Data Engineer", jurisdiction=jurisdiction)
    with live.client() as client:
        created = api_apply(client, position, data=applicant(email=email, full_name="Ada Requests"))
    assert created.status_code == 201, created.text
    return created.json()


def rows(live: Live) -> list[tuple]:
    return sql_all(live.database_url, "SELECT id, status FROM privacy_requests ORDER BY received_at")


def test_the_pages_take_a_request_mail_a_code_and_show_the_due_date(
    world: tuple[Live, SmtpServer, FixedClock],
) -> None:
    live, smtp, _ = world
    created = applied(live)
    with live.client() as client:
        form = client.get(FORM)
        for kind in ("access", "portability", "rectification", "erasure", "restriction", "objection", "withdraw_consent"):
            assert f'value="{kind}"' in form.text
        assert "<script" not in form.text and form.headers["cache-control"] == "no-store"
        # Linked from the privacy notice and from the application form's notice.
        assert 'href="/privacy/requests"' in client.get("/privacy").text
        [(position_id,)] = sql_all(live.database_url, "SELECT position_id FROM applications WHERE id = $1", uuid.UUID(created["id"]))
        assert 'href="/privacy/requests"' in client.get(f"/positions/{position_id}").text

        answer = ask(client, kind="erasure")
        rid = request_id(answer)
        [mail] = mails_to(smtp, KNOWN, at_least=1)
        code = code_from(mail)
        page = client.get(answer.headers["location"])
        assert "Check your email" in page.text and 'autocomplete="one-time-code"' in page.text

        wrong = send_code(client, rid, "000000" if code != "000000" else "111111")
        assert wrong.status_code == 422
        assert 'id="code-error"' in wrong.text and 'aria-invalid="true"' in wrong.text

        done = send_code(client, rid, code)
    assert done.status_code == 200, done.text[:500]
    # Verified on Monday 2 March 2026: one month on is Thursday 2 April 2026 (ICO's rule).
    assert '<time datetime="2026-04-02">' in done.text
    assert [str(r[1]) for r in rows(live)] == ["open"]


def test_a_known_and_an_unknown_address_get_the_same_pages_and_mail(
    world: tuple[Live, SmtpServer, FixedClock],
) -> None:
    live, smtp, _ = world
    applied(live)
    with live.client() as client:
        known, unknown = ask(client, email=KNOWN), ask(client, email=UNKNOWN)
        ids = request_id(known), request_id(unknown)
        pages = [client.get(a.headers["location"]) for a in (known, unknown)]
    assert [p.status_code for p in pages] == [200, 200]
    assert pages[0].text.replace(ids[0], "ID") == pages[1].text.replace(ids[1], "ID")
    [to_known], [to_unknown] = mails_to(smtp, KNOWN, at_least=1), mails_to(smtp, UNKNOWN, at_least=1)
    assert to_known.subject == to_unknown.subject
    # The code mail says nothing of what is held: only the code (and the id) differ.
    normalise = [m.body.replace(code_from(m), "CODE").replace(i, "ID") for m, i in ((to_known, ids[0]), (to_unknown, ids[1]))]
    assert normalise[0] == normalise[1]


def test_wrong_codes_five_times_close_the_request_and_the_sixth_try_is_refused(
    world: tuple[Live, SmtpServer, FixedClock],
) -> None:
    live, smtp, _ = world
    with live.client() as client:
        rid = request_id(ask(client, email=UNKNOWN))
        code = latest_code(smtp, UNKNOWN)
        bad = "999999" if code != "999999" else "888888"
        answers = [send_code(client, rid, bad) for _ in range(5)]
        sixth = send_code(client, rid, code)  # even the right code, now
    assert [a.status_code for a in answers[:4]] == [422] * 4
    assert answers[4].status_code in (409, 422)
    assert sixth.status_code == 409, sixth.text[:300]
    assert "Make a new request" in sixth.text
    assert [str(r[1]) for r in rows(live)] == ["closed"]


def test_an_expired_code_is_refused(world: tuple[Live, SmtpServer, FixedClock]) -> None:
    live, smtp, clock = world
    with live.client() as client:
        rid = request_id(ask(client, email=UNKNOWN))
        code = latest_code(smtp, UNKNOWN)
        clock.advance(minutes=31)
        late = send_code(client, rid, code)
    assert late.status_code in (409, 410, 422), late.text[:300]
    assert "2026-04" not in late.text
    assert [str(r[1]) for r in rows(live)] != ["open"]


def test_someone_elses_reference_gives_no_access_to_their_application(
    world: tuple[Live, SmtpServer, FixedClock],
) -> None:
    live, smtp, _ = world
    victim = applied(live, email="victim@example.org")
    officer = add_staff(live, email="dpo@example.com", role="privacy_officer")
    with live.client() as client:
        rid = request_id(ask(client, email=UNKNOWN, kind="access", reference=victim["reference"]))
        done = send_code(client, rid, latest_code(smtp, UNKNOWN))
        assert admin_login(client, officer).status_code == 303
        case = client.get(f"/admin/requests/{rid}")
    assert done.status_code == 200 and "We will answer by" not in done.text
    assert case.status_code == 200 and victim["id"] not in case.text
    assert "No application is held for this address." in case.text
    assert [str(r[1]) for r in rows(live)] == ["closed"]  # answered "we hold no data about you"
    assert mails_to(smtp, "victim@example.org") == []  # the victim's address is never mailed


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"details": "x" * 100_000}, "details"),
        ({"details": "<script>alert(1)</script>"}, "details"),
        ({"email": "<script>alert(1)</script>@example.org"}, "email"),
        ({"kind": "<b>everything</b>"}, "kind"),
        ({"reference": "APP-<img src=x>"}, "reference"),
        ({"email": ""}, "email"),
    ],
)
def test_bad_fields_are_refused_beside_the_field_with_the_value_kept_and_nothing_stored(
    world: tuple[Live, SmtpServer, FixedClock], fields: dict[str, str], field: str
) -> None:
    live, smtp, _ = world
    with live.client() as client:
        answer = ask(client, **fields)
    assert 400 <= answer.status_code < 500, answer.status_code
    if answer.status_code == 422:
        assert f'id="{field}-error"' in answer.text
        typed = next(iter(fields.values()))
        if 0 < len(typed) < 1000:
            assert "<script>" not in answer.text and "<img" not in answer.text and "<b>everything" not in answer.text
    assert rows(live) == [] and smtp.inbox.messages() == []


def test_details_are_shown_to_the_officer_as_text(world: tuple[Live, SmtpServer, FixedClock]) -> None:
    live, smtp, _ = world
    applied(live)
    officer = add_staff(live, email="dpo@example.com", role="privacy_officer")
    with live.client() as client:
        rid = request_id(ask(client, kind="rectification", details='My phone is wrong & "Ada" is right'))
        assert send_code(client, rid, latest_code(smtp, KNOWN)).status_code == 200
        assert admin_login(client, officer).status_code == 303
        page = client.get(f"/admin/requests/{rid}")
    assert page.status_code == 200
    assert "My phone is wrong &amp; &#34;Ada&#34; is right" in page.text


def test_the_queue_is_the_privacy_officers_alone_by_due_date_with_overdue_marked(
    world: tuple[Live, SmtpServer, FixedClock],
) -> None:
    live, smtp, clock = world
    applied(live)
    officer = add_staff(live, email="dpo@example.com", role="privacy_officer")
    with live.client() as client:
        first = request_id(ask(client, kind="access"))
        assert send_code(client, first, latest_code(smtp, KNOWN, 1)).status_code == 200
        clock.advance(days=20)
        second = request_id(ask(client, kind="erasure"))
        assert send_code(client, second, latest_code(smtp, KNOWN, 2)).status_code == 200
        clock.advance(days=15)  # the first is due 2 April: now 6 April
        for role in ("recruiter", "hiring_manager", "admin"):
            with live.client() as other:
                assert admin_login(other, add_staff(live, email=f"{role}@example.com", role=role)).status_code == 303
                assert other.get("/admin/requests").status_code == 404
                assert other.get(f"/admin/requests/{first}").status_code == 404
                assert "/admin/requests" not in other.get("/admin/").text
        assert admin_login(client, officer).status_code == 303
        assert 'href="/admin/requests"' in client.get("/admin/").text
        queue = client.get("/admin/requests")
    assert queue.status_code == 200
    assert queue.text.index(first) < queue.text.index(second)
    [overdue_row] = [r for r in queue.text.split("<tr") if first in r]
    assert "Overdue" in overdue_row
    assert "Overdue" not in next(r for r in queue.text.split("<tr") if second in r)


def test_refused_officer_forms_show_the_error_beside_the_form_and_keep_the_values(
    world: tuple[Live, SmtpServer, FixedClock],
) -> None:
    live, smtp, _ = world
    applied(live)
    officer = add_staff(live, email="dpo@example.com", role="privacy_officer")
    with live.client() as client:
        rid = request_id(ask(client, kind="objection"))
        assert send_code(client, rid, latest_code(smtp, KNOWN, 1)).status_code == 200
        assert admin_login(client, officer).status_code == 303
        page = client.get(f"/admin/requests/{rid}")
        token = csrf_field(page.text)
        too_long = client.post(
            f"/admin/requests/{rid}/extension", data={"csrftoken": token, "months": "9", "reason": "Busy <b>season</b>"}
        )
        no_decision = client.post(
            f"/admin/requests/{rid}/decision",
            data={"csrftoken": token, "decision": "", "reason": "kept", "compelling_ground": "Ongoing <i>claim</i>"},
        )
        after = client.get(f"/admin/requests/{rid}")
    assert too_long.status_code == 422 and 'id="extension-error"' in too_long.text
    assert "Busy &lt;b&gt;season&lt;/b&gt;" in too_long.text
    assert no_decision.status_code == 422 and 'id="decision-error"' in no_decision.text
    assert "Ongoing &lt;i&gt;claim&lt;/i&gt;" in no_decision.text
    assert "extended to" not in after.text
    assert [str(r[1]) for r in rows(live)] == ["open"]


def test_an_unknown_request_id_and_a_malformed_one_answer_not_found(world: tuple[Live, SmtpServer, FixedClock]) -> None:
    live, _, _ = world
    with live.client() as client:
        page = client.get(FORM)
        token = csrf_field(page.text)
        unknown = client.post(f"/privacy/requests/{uuid.uuid4()}/verification", data={"csrftoken": token, "code": "123456"})
        malformed = client.get("/privacy/requests/not-an-id/verification")
    assert unknown.status_code == 404 and "Make a new request" in unknown.text
    assert malformed.status_code == 404


def test_a_rectification_with_a_replacement_cv_is_decided_in_the_panel(world: tuple[Live, SmtpServer, FixedClock]) -> None:
    """The decision form is multipart for a rectification (the replacement CV): its CSRF token is
    checked in the handler; without it nothing changes."""
    live, smtp, _ = world
    created = applied(live)
    officer = add_staff(live, email="dpo@example.com", role="privacy_officer")
    new_cv = pdf("Ada Requests, corrected CV")
    with live.client() as client:
        rid = request_id(ask(client, kind="rectification", details="New phone and CV"))
        assert send_code(client, rid, latest_code(smtp, KNOWN)).status_code == 200
        assert admin_login(client, officer).status_code == 303
        case = client.get(f"/admin/requests/{rid}")
        assert 'enctype="multipart/form-data"' in case.text
        parts: list[tuple[str, Part]] = [
            ("decision", "fulfil"),
            ("reason", "Corrected as asked"),
            ("phone", "+44 20 7946 0999"),
            ("cv", ("cv-2.pdf", new_cv, "application/pdf")),
        ]
        forged = post_multipart(client, f"/admin/requests/{rid}/decision", parts)
        assert forged.status_code == 403 and [str(r[1]) for r in rows(live)] == ["open"]
        done = post_multipart(client, f"/admin/requests/{rid}/decision", [("csrftoken", csrf_field(case.text)), *parts])
    assert done.status_code == 303, done.text[:500]
    assert [str(r[1]) for r in rows(live)] == ["fulfilled"]
    application = uuid.UUID(created["id"])
    digests = sql_all(live.database_url, "SELECT sha256 FROM records WHERE application_id = $1 AND record_type = 'cv'", application)
    assert digests == [(hashlib.sha256(new_cv).hexdigest(),)]


def test_the_queue_shows_open_cases_unless_another_status_is_asked_for(
    world: tuple[Live, SmtpServer, FixedClock],
) -> None:
    live, smtp, _ = world
    applied(live)
    officer = add_staff(live, email="dpo@example.com", role="privacy_officer")
    with live.client() as client:
        open_case = request_id(ask(client, kind="access"))
        assert send_code(client, open_case, latest_code(smtp, KNOWN)).status_code == 200
        unverified = request_id(ask(client, email=UNKNOWN, kind="erasure"))
        assert admin_login(client, officer).status_code == 303
        default, waiting = client.get("/admin/requests"), client.get("/admin/requests?status=awaiting_verification")
        everything, bad = client.get("/admin/requests?status=all"), client.get("/admin/requests?status=<b>x</b>")
    assert open_case in default.text and unverified not in default.text
    assert unverified in waiting.text and open_case not in waiting.text
    assert open_case in everything.text and unverified in everything.text
    assert bad.status_code == 422 and 'id="status-error"' in bad.text and "<b>x</b>" not in bad.text
    assert open_case in bad.text  # the open cases under the error
