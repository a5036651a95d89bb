"""Referees, reference reports and the offer in the panel, over HTTP on both databases: each
form calls the service the API calls; a refused form re-renders the page (4xx) with the error
beside its field and the values kept, escaped; the offer link reaches the candidate by mail
through a real SMTP server, and opens the offer page."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from ats.bootstrap import build
from ats.web.app import create_app
from storage.emulator import free_port
from storage.smtp_server import SmtpServer
from tests.conftest import Live, LiveServer, S3Env, make_settings
from tests.e2e.support import (
    Staff,
    add_position,
    add_staff,
    admin_login,
    api_apply,
    csrf_field,
    sql_all,
    sql_exec,
)
from tests.helpers import state

TITLE = "Backend Engineer (London)"
CANDIDATE = "ada@example.com"
APP = "/admin/applications/{}"


@pytest.fixture
def mailed(database_url: str, s3env: S3Env) -> Iterator[tuple[Live, SmtpServer]]:
    """The app with its mail going to a real SMTP server in the process, and its public URL its
    own, so the mailed link can be followed."""
    from storage.migrate import migrate

    port = free_port()
    with SmtpServer() as smtp:
        settings = make_settings(
            database_url, s3env, ats_smtp_url=smtp.url, ats_public_url=f"http://127.0.0.1:{port}"
        )
        c = build(settings)
        if database_url.startswith("sqlite"):
            asyncio.run(migrate())
        with LiveServer(create_app(c), port=port) as server:
            yield Live(server.url, c, s3env, database_url), smtp


def _assign(live: Live, position_id: uuid.UUID, staff: Staff) -> None:
    # DESIGN §8: recruiters and hiring managers work on the positions assigned to them.
    sql_exec(
        live.database_url,
        "INSERT INTO position_assignments (id, position_id, user_id, assigned_at) VALUES ($1, $2, $3, $4)",
        uuid.uuid4(),
        position_id,
        staff.id,
        datetime.now(UTC),
    )


def _signed_in(live: Live, position_id: uuid.UUID, role: str) -> httpx.Client:
    staff = add_staff(live, email=f"{role}.{uuid.uuid4().hex[:6]}@example.com", role=role)
    _assign(live, position_id, staff)
    client = live.client()
    assert admin_login(client, staff).status_code == 303
    return client


def _application(live: Live, client: httpx.Client) -> tuple[uuid.UUID, str]:
    """A new position and an application to it."""
    position_id = add_position(live, title=TITLE, jurisdiction="GB")
    application_id = api_apply(client, position_id).json()["id"]
    return position_id, application_id


def _move(admin: httpx.Client, application_id: str, *states: str) -> None:
    for to in states:
        page = admin.get(APP.format(application_id))
        moved = admin.post(
            f"{APP.format(application_id)}/transition", data={"csrftoken": csrf_field(page.text), "to": to}
        )
        assert moved.status_code == 303, moved.text[:500]


def _row(live: Live, query: str, *args: Any) -> list[tuple]:
    return sql_all(live.database_url, query, *args)


def _workflow_state(live: Live, application_id: str) -> dict[str, Any]:
    """What these forms may change, beyond the row counts and objects of `state`."""
    app = uuid.UUID(application_id)
    return {
        "status": _row(live, "SELECT status FROM applications WHERE id = $1", app),
        "referees": sorted(
            (str(a), str(b)) for a, b in _row(live, "SELECT id, report_record_id FROM referees WHERE application_id = $1", app)
        ),
        "outbox": _row(live, "SELECT COUNT(*) FROM outbox"),
    }


def _snapshot(live: Live, application_id: str) -> dict[str, Any]:
    return {**state(live.database_url, live.s3env.s3, live.s3env.bucket), **_workflow_state(live, application_id)}


def test_a_recruiter_adds_referees_records_a_report_and_extends_the_offer_the_candidate_accepts_by_mail(
    mailed: tuple[Live, SmtpServer],
) -> None:
    live, smtp = mailed
    with live.client() as public:
        position_id, application_id = _application(live, public)
        admin = _signed_in(live, position_id, "recruiter")
        _move(admin, application_id, "screening", "interview", "reference_check")
        path = APP.format(application_id)

        page = admin.get(path)
        assert page.status_code == 200
        assert '<legend>Referee 1</legend>' in page.text and '<label for="referee-0-email">' in page.text
        added = admin.post(
            f"{path}/referees",
            data={
                "csrftoken": csrf_field(page.text),
                "full_name": ["Charles Babbage", "Mary Somerville", ""],
                "email": ["cb@example.com", "ms@example.org", ""],
                "relationship": ["former manager", "colleague", ""],
            },
        )
        assert added.status_code == 303 and added.headers["location"].endswith("#referees")
        referees = _row(
            live, "SELECT id, full_name FROM referees WHERE application_id = $1 ORDER BY full_name", uuid.UUID(application_id)
        )
        assert [name for _, name in referees] == ["Charles Babbage", "Mary Somerville"]

        page = admin.get(path)
        referee_id = str(referees[0][0])
        assert f'id="report-{referee_id}-q1"' in page.text and "<legend>Report from Charles Babbage</legend>" in page.text
        reported = admin.post(
            f"{path}/referees/{referee_id}/report",
            data={"csrftoken": csrf_field(page.text), "q1": "Managed her for 3 years", "q2": "Difference engines", "q3": "", "q4": "Yes"},
        )
        assert reported.status_code == 303, reported.text[:500]
        [(record_id,)] = _row(live, "SELECT report_record_id FROM referees WHERE id = $1", uuid.UUID(referee_id))
        assert record_id is not None
        [(key, version, record_type)] = _row(
            live, "SELECT object_key, version_id, record_type FROM records WHERE id = $1", uuid.UUID(str(record_id))
        )
        assert record_type == "reference-report" and key.startswith(f"applications/{application_id}/")
        tagging = live.s3env.s3.get_object_tagging(Bucket=live.s3env.bucket, Key=key, VersionId=version)
        tags = {t["Key"]: t["Value"] for t in tagging["TagSet"]}
        assert tags["record-type"] == "reference-report" and tags["data-subject"] == "referee"
        assert tags["purpose"] == "employment.recruitment.reference_check" and tags["application"] == application_id
        stored = live.s3env.s3.get_object(Bucket=live.s3env.bucket, Key=key, VersionId=version)["Body"].read()
        assert b"Difference engines" not in stored and b"Charles" not in stored  # encrypted

        page = admin.get(path)
        assert "recorded" in page.text and f'id="report-{referee_id}-q1"' not in page.text  # reported once
        smtp.inbox.clear()
        extended = admin.post(f"{path}/offer", data={"csrftoken": csrf_field(page.text)})
        assert extended.status_code == 303 and extended.headers["location"].endswith("#offer")
        assert _row(live, "SELECT status FROM applications WHERE id = $1", uuid.UUID(application_id)) == [("offer_extended",)]

        [message] = smtp.inbox.messages()
        assert message.recipients == (CANDIDATE,)
        assert message.subject == f"Your job offer: {TITLE}"
        [link] = [line for line in message.body.splitlines() if line.startswith("http")]
        assert link.startswith(f"{live.url}/offer/") and link in message.body.splitlines()
        assert re.search(r"works until \d{1,2} \w+ \d{4}, \d\d:\d\d UTC", message.body)
        [(kind, status)] = _row(live, "SELECT kind, status FROM outbox WHERE application_id = $1", uuid.UUID(application_id))
        assert (kind, status) == ("offer.extended", "delivered")

        page = admin.get(path)
        assert "Record the candidate&#39;s answer" in page.text or "Record the candidate's answer" in page.text

        offer = public.get(link)
        assert offer.status_code == 200 and TITLE in offer.text
        accepted = public.post(link, data={"csrftoken": csrf_field(offer.text), "decision": "accept"})
        assert accepted.status_code == 200 and "offer accepted" in accepted.text
        assert _row(live, "SELECT status FROM applications WHERE id = $1", uuid.UUID(application_id)) == [("offer_accepted",)]
        admin.close()


def test_recording_the_answer_needs_a_note_shown_beside_the_field_with_the_values_kept(
    live: Any, client: httpx.Client
) -> None:
    position_id, application_id = _application(live, client)
    admin = _signed_in(live, position_id, "recruiter")
    _move(admin, application_id, "screening", "interview", "reference_check")
    path = APP.format(application_id)
    page = admin.get(path)
    assert admin.post(f"{path}/offer", data={"csrftoken": csrf_field(page.text)}).status_code == 303
    page = admin.get(path)
    token = csrf_field(page.text)
    assert 'name="answer" type="radio" value="accepted"' in page.text
    before = _snapshot(live, application_id)

    no_note = admin.post(f"{path}/offer/answer", data={"csrftoken": token, "answer": "declined", "note": "  "})
    assert no_note.status_code == 422
    assert 'id="offer-answer-note-error"' in no_note.text
    assert re.search(r'<textarea id="offer-answer-note"[^>]*aria-describedby="[^"]*offer-answer-note-error"', no_note.text)
    assert 'value="declined" checked' in no_note.text  # the choice kept
    assert _snapshot(live, application_id) == before

    markup = "<script>alert(1)</script>"
    no_choice = admin.post(f"{path}/offer/answer", data={"csrftoken": token, "note": markup})
    assert no_choice.status_code == 422
    assert 'id="offer-answer-choice-error"' in no_choice.text and 'aria-describedby="offer-answer-choice-error"' in no_choice.text
    assert markup not in no_choice.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in no_choice.text  # kept, escaped
    wrong = admin.post(f"{path}/offer/answer", data={"csrftoken": token, "answer": "hired", "note": "by phone"})
    assert wrong.status_code == 422
    oversize = admin.post(f"{path}/offer/answer", data={"csrftoken": token, "answer": "accepted", "note": "x" * 501})
    assert oversize.status_code == 422 and 'id="offer-answer-note-error"' in oversize.text
    assert _snapshot(live, application_id) == before

    answered = admin.post(
        f"{path}/offer/answer", data={"csrftoken": token, "answer": "accepted", "note": "Accepted by phone on 3 May"}
    )
    assert answered.status_code == 303
    assert _row(live, "SELECT status FROM applications WHERE id = $1", uuid.UUID(application_id)) == [("offer_accepted",)]
    again = admin.post(f"{path}/offer/answer", data={"csrftoken": token, "answer": "declined", "note": "changed mind"})
    assert again.status_code == 409  # answered already: the state does not move back
    admin.close()


def test_hostile_referee_and_report_values_answer_4xx_and_change_nothing(live: Any, client: httpx.Client) -> None:
    position_id, application_id = _application(live, client)
    admin = _signed_in(live, position_id, "recruiter")
    _move(admin, application_id, "screening")
    path = APP.format(application_id)
    token = csrf_field(admin.get(path).text)
    markup = '"><script>alert(1)</script>'
    before = _snapshot(live, application_id)

    def referees(**columns: list[str]) -> httpx.Response:
        return admin.post(f"{path}/referees", data={"csrftoken": token, **columns})

    cases = [
        # (response, status, the element the error is beside)
        (referees(full_name=[markup], email=[markup], relationship=["colleague"]), 422, "referee-0-email"),
        (referees(full_name=["", "A" * 201], email=["", "a@example.com"], relationship=["", "x"]), 422, "referee-1-full_name"),
        (referees(full_name=["Ann Example"], email=["ann@example.com"]), 422, "referee-0-relationship"),
        (referees(full_name=[""], email=[""], relationship=[""]), 422, "referees-form"),
    ]
    for response, status, where in cases:
        assert response.status_code == status, (where, response.text[:300])
        assert f'id="{where}-error"' in response.text, where
        assert f'aria-describedby="{where}-error"' in response.text or f'{where}-error"' in response.text
        assert "<script>alert(1)</script>" not in response.text
    first = cases[0][0].text
    assert 'value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in first  # kept, escaped
    assert 'aria-invalid="true" aria-describedby="referee-0-email-error"' in first

    too_many = referees(full_name=["A"] * 6, email=["a@example.com"] * 6, relationship=["x"] * 6)
    assert too_many.status_code == 400  # more fields than the form has: refused before any parsing of rows
    file_instead = admin.post(
        f"{path}/referees",
        data={"csrftoken": token, "relationship": "x"},
        files={"full_name": ("name.txt", b"Ann", "text/plain")},
    )
    assert 400 <= file_instead.status_code < 500
    assert _snapshot(live, application_id) == before

    added = referees(full_name=["Ann Example"], email=["ann@example.com"], relationship=["manager"])
    assert added.status_code == 303
    [(referee_id,)] = _row(live, "SELECT id FROM referees WHERE application_id = $1", uuid.UUID(application_id))
    before = _snapshot(live, application_id)
    report = f"{path}/referees/{referee_id}/report"
    empty = admin.post(report, data={"csrftoken": token, "q1": " ", "q2": ""})
    assert empty.status_code == 422 and f'id="report-{referee_id}-error"' in empty.text
    long = admin.post(report, data={"csrftoken": token, "q1": "fine", "q2": "y" * 4001})
    assert long.status_code == 422 and "y" * 4001 in long.text  # kept for correction
    escaped = admin.post(report, data={"csrftoken": token, "q1": markup, "q2": "z" * 4001})
    assert escaped.status_code == 422 and "<script>alert(1)</script>" not in escaped.text
    other = admin.post(f"{path}/referees/{uuid.uuid4()}/report", data={"csrftoken": token, "q1": "fine"})
    assert other.status_code == 404
    not_an_id = admin.post(f"{path}/referees/1/report", data={"csrftoken": token, "q1": "fine"})
    assert not_an_id.status_code == 404
    forged = admin.post(report, data={"q1": "no csrf token"})
    assert forged.status_code == 403
    early = admin.post(f"{path}/offer", data={"csrftoken": token})  # screening: no offer yet
    assert early.status_code == 409 and 'id="offer-error"' in early.text  # no offer form at screening: above it
    assert "Cannot move from screening" in early.text
    assert _snapshot(live, application_id) == before
    admin.close()


@pytest.mark.parametrize("role", ["hiring_manager", "privacy_officer"])
def test_roles_other_than_recruiter_get_404_on_these_forms(live: Any, client: httpx.Client, role: str) -> None:
    position_id, application_id = _application(live, client)
    recruiter = _signed_in(live, position_id, "recruiter")
    _move(recruiter, application_id, "screening", "interview", "reference_check")
    path = APP.format(application_id)
    token = csrf_field(recruiter.get(path).text)
    assert recruiter.post(
        f"{path}/referees",
        data={"csrftoken": token, "full_name": "Ann Example", "email": "ann@example.com", "relationship": "manager"},
    ).status_code == 303
    [(referee_id,)] = _row(live, "SELECT id FROM referees WHERE application_id = $1", uuid.UUID(application_id))
    recruiter.close()

    other = _signed_in(live, position_id, role)
    page = other.get(path)
    token = csrf_field(page.text)
    before = _snapshot(live, application_id)
    posts = {
        f"{path}/referees": {"full_name": "B", "email": "b@example.com", "relationship": "x"},
        f"{path}/referees/{referee_id}/report": {"q1": "fine"},
        f"{path}/offer": {},
        f"{path}/offer/answer": {"answer": "accepted", "note": "by phone"},
    }
    for url, data in posts.items():
        assert other.post(url, data={"csrftoken": token, **data}).status_code == 404, url
    assert _snapshot(live, application_id) == before
    if role == "hiring_manager":
        # No referees, no reports, no offer on the hiring manager's page (DESIGN §8).
        assert "Ann Example" not in page.text and 'id="referees"' not in page.text and 'id="offer"' not in page.text
    else:
        assert "Ann Example" in page.text and 'action="' + f"{path}/referees" not in page.text  # reads, no forms
    other.close()
