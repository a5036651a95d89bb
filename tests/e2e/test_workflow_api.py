"""The hiring workflow over real HTTP: transitions, reference checks, the offer answered through
its signed link, and background checks (invariant 3: no consent request, consent or check before
an accepted offer, only the check types the position's jurisdiction allows, a check only under a
consent that stands), the candidate's consent pages, and the retention clock driven through the
API (conclusion, legal hold, expiry by the CLI, then 410 with the tombstone)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from itsdangerous.timed import TimestampSigner

from ats.domain.records import TAG_KEYS
from ats.services.links import ANSWER_WINDOW, WITHDRAW_WINDOW, LinkSigner
from tests.e2e.support import (
    Staff,
    add_position,
    add_staff,
    api_apply,
    applicant,
    assert_error_shape,
    assign,
    bearer,
    csrf_field,
    post_multipart,
    sql_all,
)
from tests.helpers import cli_env, pdf, state

API = "/api/v1"
BEFORE_OFFER = ("screening", "interview", "reference_check")


# ---------------------------------------------------------------- helpers (this file's own)


def background_state(live: Any) -> dict[str, Any]:
    """tests.helpers.state plus the background-check tables it does not count."""
    snapshot = state(live.database_url, live.s3env.s3, live.s3env.bucket)
    for table in ("consent_requests", "background_checks", "referees", "tombstones"):
        snapshot["rows"][table] = sql_all(live.database_url, f"SELECT COUNT(*) FROM {table}")[0][0]
    return snapshot


def consent_rows(live: Any) -> int:
    return sql_all(live.database_url, "SELECT COUNT(*) FROM consent_requests")[0][0]


def submit(client: httpx.Client, position_id: uuid.UUID, **fields: str) -> str:
    response = api_apply(client, position_id, data=applicant(**fields))
    assert response.status_code == 201, response.text
    return response.json()["id"]


def move(
    client: httpx.Client, staff: Staff, application_id: str, to: str, reason: str | None = None
) -> httpx.Response:
    body: dict[str, Any] = {"to": to}
    if reason is not None:
        body["reason"] = reason
    return client.post(f"{API}/applications/{application_id}/transitions", json=body, headers=bearer(staff))


def walk(client: httpx.Client, staff: Staff, application_id: str, *states: str) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for to in states:
        response = move(client, staff, application_id, to)
        assert response.status_code == 200, (to, response.text)
        body = response.json()
        assert body["status"] == to
    return body


def application(client: httpx.Client, staff: Staff, application_id: str) -> dict[str, Any]:
    response = client.get(f"{API}/applications/{application_id}", headers=bearer(staff))
    assert response.status_code == 200, response.text
    return response.json()


def records_of(
    client: httpx.Client, staff: Staff, application_id: str, record_type: str
) -> list[dict[str, Any]]:
    return [
        r for r in application(client, staff, application_id)["records"] if r["record_type"] == record_type
    ]


def s3_tags(live: Any, record: dict[str, Any]) -> dict[str, str]:
    tagging = live.s3env.s3.get_object_tagging(
        Bucket=live.s3env.bucket, Key=record["object_key"], VersionId=record["version_id"]
    )
    return {t["Key"]: t["Value"] for t in tagging["TagSet"]}


def accept_offer(client: httpx.Client, offer_link: str) -> httpx.Response:
    page = client.get(offer_link)
    assert page.status_code == 200, page.text
    assert 'value="accept"' in page.text
    return client.post(offer_link, data={"csrftoken": csrf_field(page.text), "decision": "accept"})


def offer_accepted(
    live: Any,
    client: httpx.Client,
    staff: Staff,
    jurisdiction: str,
    *,
    position_id: uuid.UUID | None = None,
    with_reference: bool = False,
    **fields: str,
) -> str:
    """A fresh application (to a new position in `jurisdiction` unless one is given), walked to
    offer_accepted; `with_reference` adds a referee and their report on the way."""
    if position_id is None:
        position_id = add_position(live, title=f"Engineer ({jurisdiction})", jurisdiction=jurisdiction)
        assign(live, position_id, staff)
    application_id = submit(client, position_id, **fields)
    walk(client, staff, application_id, *BEFORE_OFFER)
    if with_reference:
        added = client.post(
            f"{API}/applications/{application_id}/referees",
            json={"full_name": "Charles Babbage", "email": "cb@example.com", "relationship": "mentor"},
            headers=bearer(staff),
        )
        assert added.status_code == 201, added.text
        reported = client.post(
            f"{API}/applications/{application_id}/referees/{added.json()['referees'][0]['id']}/report",
            json={"answers": {"Strengths?": "Analysis"}},
            headers=bearer(staff),
        )
        assert reported.status_code == 201, reported.text
    offered = walk(client, staff, application_id, "offer_extended")
    answered = accept_offer(client, offered["offer_link"])
    assert answered.status_code == 200, answered.text
    assert application(client, staff, application_id)["status"] == "offer_accepted"
    return application_id


def request_consent(
    client: httpx.Client, staff: Staff, application_id: str, check_types: Any
) -> httpx.Response:
    return client.post(
        f"{API}/applications/{application_id}/background-check/consent-requests",
        json={"check_types": check_types},
        headers=bearer(staff),
    )


def answer_consent(client: httpx.Client, link: str, **fields: str) -> httpx.Response:
    """Load the consent page (sets the csrftoken cookie), then post its form, token first."""
    page = client.get(link)
    assert page.status_code == 200, page.text
    return client.post(link, data={"csrftoken": csrf_field(page.text), **fields})


def authorise(client: httpx.Client, link: str, name: str = "Ada Lovelace") -> httpx.Response:
    return answer_consent(client, link, typed_name=name, confirmed="true", action="authorise")


def given_consent(
    client: httpx.Client, staff: Staff, application_id: str, check_types: list[str]
) -> tuple[str, str]:
    """A consent request for `check_types`, authorised by the candidate: (its id, its link)."""
    created = request_consent(client, staff, application_id, check_types)
    assert created.status_code == 201, created.text
    answered = authorise(client, created.json()["link"])
    assert answered.status_code == 200, answered.text
    return created.json()["id"], created.json()["link"]


def start_check(
    client: httpx.Client, staff: Staff, application_id: str, consent_id: str, check_type: str
) -> httpx.Response:
    return client.post(
        f"{API}/applications/{application_id}/background-check/checks",
        json={"consent_request_id": consent_id, "check_type": check_type},
        headers=bearer(staff),
    )


def record_result(
    client: httpx.Client, staff: Staff, check_id: str, parts: list[tuple[str, Any]]
) -> httpx.Response:
    return post_multipart(client, f"{API}/checks/{check_id}/result", parts, headers=bearer(staff))


def overview(client: httpx.Client, staff: Staff, application_id: str) -> dict[str, Any]:
    response = client.get(f"{API}/applications/{application_id}/background-check", headers=bearer(staff))
    assert response.status_code == 200, response.text
    return response.json()


def old_link(live: Any, age: timedelta, kind: str, application_id: str, subject_id: str | None = None) -> str:
    """A link signed by the live app's secret, but `age` ago (itsdangerous takes the time from
    TimestampSigner.get_timestamp while signing)."""
    signer = LinkSigner(live.container.settings.ats_secret_key.get_secret_value())
    then = int(time.time() - age.total_seconds())
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(TimestampSigner, "get_timestamp", lambda self: then)
        return signer.sign(kind, uuid.UUID(application_id), uuid.UUID(subject_id) if subject_id else None)


def tamper(link: str, segment: int) -> str:
    """Change one character in the middle of one segment of the link's token (a compressed
    payload starts with a dot: segments are counted from the end)."""
    base, _, token = link.rpartition("/")
    parts = token.split(".")
    text = parts[segment]
    i = len(text) // 2
    parts[segment] = text[:i] + ("A" if text[i] != "A" else "B") + text[i + 1 :]
    return f"{base}/{'.'.join(parts)}"


def expire(live: Any, as_of: datetime) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "ats.cli", "jobs", "expire", "--as-of", as_of.isoformat(), "--json"],
        env=cli_env(live.container.settings),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture
def privacy_officer(live: Any) -> Staff:
    return add_staff(live, email="privacy@example.com", role="privacy_officer")


# ---------------------------------------------------------------- invariant 3: order first


@pytest.mark.parametrize(
    "stage",
    [(), BEFORE_OFFER, (*BEFORE_OFFER, "offer_extended")],
    ids=["submitted", "reference_check", "offer_extended"],
)
def test_consent_request_before_an_accepted_offer_is_409_and_stores_nothing(
    live: Any, client: httpx.Client, recruiter: Staff, stage: tuple[str, ...]
) -> None:
    position_id = add_position(live, title="Engineer (Los Angeles)", jurisdiction="US-CA")
    assign(live, position_id, recruiter)
    application_id = submit(client, position_id)
    walk(client, recruiter, application_id, *stage)
    before = background_state(live)

    for check_types in (["criminal"], ["credit"]):  # order first: even a forbidden type gets 409
        response = request_consent(client, recruiter, application_id, check_types)

        assert response.status_code == 409, response.text
        error = assert_error_shape(response)
        assert error["code"] == "offer_not_accepted"
        assert "offer_accepted" in error["message"]
        assert "link" not in response.text
    assert consent_rows(live) == 0
    assert background_state(live) == before


# ---------------------------------------------------------------- the walk to a consent link


def test_walk_to_an_accepted_offer_then_consent_only_for_allowed_types(
    live: Any, client: httpx.Client, recruiter: Staff
) -> None:
    position_id = add_position(live, title="Engineer (San Francisco)", jurisdiction="US-CA")
    assign(live, position_id, recruiter)
    application_id = submit(client, position_id)
    for to in ("screening", "interview", "reference_check"):
        moved = move(client, recruiter, application_id, to, reason="went well")
        assert moved.status_code == 200, moved.text
        assert moved.json()["status"] == to
        assert "offer_link" not in moved.json()

    # Reference check: a referee, then their report, stored encrypted and tagged like a CV.
    added = client.post(
        f"{API}/applications/{application_id}/referees",
        json={
            "referees": [
                {"full_name": "Charles Babbage", "email": "cb@example.com", "relationship": "former manager"}
            ]
        },
        headers=bearer(recruiter),
    )
    assert added.status_code == 201, added.text
    [referee] = added.json()["referees"]
    reported = client.post(
        f"{API}/applications/{application_id}/referees/{referee['id']}/report",
        json={"answers": {"Would you hire again?": "Yes, without hesitation: difference engines"}},
        headers=bearer(recruiter),
    )
    assert reported.status_code == 201, reported.text
    by_type = {r["record_type"]: r for r in application(client, recruiter, application_id)["records"]}
    report, cv = by_type["reference-report"], by_type["cv"]
    assert report["id"] == reported.json()["record_id"]
    assert report["purpose"] == "employment.recruitment.reference_check"
    assert report["data_subject"] == "referee"
    assert report["legal_basis"] == "legitimate-interests"
    assert report["jurisdiction"] == "US-CA"
    assert report["object_key"].startswith(f"applications/{application_id}/")
    for record in (report, cv):
        tags = s3_tags(live, record)
        assert set(tags) == set(TAG_KEYS) == set(record["tags"])
        assert tags == record["tags"]
        assert tags["legal-basis"] == record["legal_basis"]
        assert tags["purpose"] == record["purpose"]
        assert tags["record-type"] == record["record_type"]
        assert tags["data-subject"] == record["data_subject"]
        assert tags["jurisdiction"] == "US-CA"
        assert tags["application"] == application_id
        assert tags["expires-on"] == "pending"
    assert s3_tags(live, report)["retention"] == s3_tags(live, cv)["retention"]
    stored = live.s3env.s3.get_object(Bucket=live.s3env.bucket, Key=report["object_key"])["Body"].read()
    assert b"difference engines" not in stored and b"Babbage" not in stored

    offered = move(client, recruiter, application_id, "offer_extended")
    assert offered.status_code == 200, offered.text
    assert offered.json()["from"] == "reference_check"
    offer_link = offered.json()["offer_link"]
    assert offer_link.startswith(f"{live.url}/offer/")

    page = client.get(offer_link)
    assert page.status_code == 200
    assert "Engineer (San Francisco)" in page.text
    accepted = client.post(offer_link, data={"csrftoken": csrf_field(page.text), "decision": "accept"})
    assert accepted.status_code == 200, accepted.text
    assert "offer accepted" in accepted.text
    assert application(client, recruiter, application_id)["status"] == "offer_accepted"
    again = client.get(offer_link)
    assert again.status_code == 200 and 'value="accept"' not in again.text  # answered once

    # Reference checks are over once the offer is made.
    late = client.post(
        f"{API}/applications/{application_id}/referees",
        json={"full_name": "Late Referee", "email": "late@example.com", "relationship": "colleague"},
        headers=bearer(recruiter),
    )
    assert late.status_code == 409 and assert_error_shape(late)["code"] == "reference_stage_over"

    before = background_state(live)
    forbidden = request_consent(client, recruiter, application_id, ["criminal", "credit"])
    assert forbidden.status_code == 422, forbidden.text
    error = assert_error_shape(forbidden)
    assert error["code"] == "forbidden_check_type"
    assert error["field"] == "check_types"
    assert "credit" in error["message"] and "1024.5" in error["message"]  # names the law
    assert consent_rows(live) == 0
    assert background_state(live) == before

    created = request_consent(client, recruiter, application_id, ["criminal", "employment", "criminal"])
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["link"].startswith(f"{live.url}/consent/")
    assert body["status"] == "requested"
    assert body["check_types"] == ["criminal", "employment"]
    assert body["jurisdiction"] == "US-CA"
    assert consent_rows(live) == 1
    listed = overview(client, recruiter, application_id)
    assert [c["id"] for c in listed["consent_requests"]] == [body["id"]]
    assert listed["checks"] == []


@pytest.mark.parametrize("check_types", [[], "criminal", ["criminal", "polygraph"], [1]])
def test_malformed_check_types_are_422_and_store_nothing(
    live: Any, client: httpx.Client, recruiter: Staff, check_types: Any
) -> None:
    application_id = offer_accepted(live, client, recruiter, "US")
    before = background_state(live)

    response = request_consent(client, recruiter, application_id, check_types)

    assert response.status_code == 422, response.text
    assert assert_error_shape(response)["field"] == "check_types"
    assert background_state(live) == before


# ---------------------------------------------------------------- the candidate's consent page


def test_us_consent_page_is_the_stand_alone_disclosure(
    live: Any, client: httpx.Client, recruiter: Staff
) -> None:
    application_id = offer_accepted(live, client, recruiter, "US")
    link = request_consent(client, recruiter, application_id, ["criminal", "credit"]).json()["link"]

    page = client.get(link)

    assert page.status_code == 200, page.text
    text = page.text
    # FCRA 1681b(b)(2)(A)(i): a document consisting solely of the disclosure (and authorisation).
    assert "<header" not in text and "<nav" not in text
    assert "Privacy notice" not in text and "/privacy" not in text
    assert 'href="/"' not in text
    assert "consumer reports about you" in text  # the US disclosure text
    assert "Check types: criminal, credit" in text
    assert len(re.findall(r"<form\b", text)) == 1
    assert csrf_field(text)
    assert 'name="typed_name"' in text and 'name="confirmed"' in text
    assert 'value="authorise"' in text and 'value="decline"' in text
    visible = re.sub(r"<[^>]+>", " ", re.sub(r"(?s)<(head|style|script)\b.*?</\1>", " ", text))
    words = " ".join(visible.split())
    assert words.startswith("Disclosure regarding background investigation")
    assert "Ada" not in words and "ada@example.com" not in words


def test_gb_consent_page_is_the_normal_page(live: Any, client: httpx.Client, recruiter: Staff) -> None:
    application_id = offer_accepted(live, client, recruiter, "GB")
    link = request_consent(client, recruiter, application_id, ["criminal"]).json()["link"]

    page = client.get(link)

    assert page.status_code == 200, page.text
    assert '<header class="site">' in page.text and "Privacy notice" in page.text
    assert "basic criminal record certificate (DBS)" in page.text
    assert "Check types: criminal" in page.text
    assert 'name="typed_name"' in page.text and 'value="authorise"' in page.text


@pytest.mark.parametrize("jurisdiction", ["US", "GB"])
def test_authorising_needs_a_typed_name_then_stores_a_consent_record(
    live: Any, client: httpx.Client, recruiter: Staff, jurisdiction: str
) -> None:
    application_id = offer_accepted(live, client, recruiter, jurisdiction)
    created = request_consent(client, recruiter, application_id, ["criminal"]).json()
    link = created["link"]
    before = background_state(live)

    unsigned = answer_consent(client, link, typed_name="   ", confirmed="true", action="authorise")

    assert unsigned.status_code == 422, unsigned.text
    field = re.search(
        r'(?s)<div class="field[^"]*">(?:(?!</div>).)*name="typed_name".*?</div>', unsigned.text
    )
    assert field, unsigned.text
    assert "invalid" in field.group(0)
    assert 'class="field-error" id="typed_name-error">Type your full name' in field.group(0)
    if jurisdiction == "US":  # the re-shown form is still the stand-alone disclosure
        assert "<header" not in unsigned.text and "Privacy notice" not in unsigned.text
    assert background_state(live) == before
    assert overview(client, recruiter, application_id)["consent_requests"][0]["status"] == "requested"

    unticked = answer_consent(client, link, typed_name="Ada Lovelace", action="authorise")

    assert unticked.status_code == 422
    assert 'id="confirmed-error">Tick the box' in unticked.text
    assert 'value="Ada Lovelace"' in unticked.text  # what was typed is kept
    assert background_state(live) == before

    signed = authorise(client, link)

    assert signed.status_code == 200, signed.text
    assert "You authorised: criminal" in signed.text
    assert 'value="withdraw"' in signed.text
    [consent] = overview(client, recruiter, application_id)["consent_requests"]
    assert consent["status"] == "given" and consent["answered_at"]
    [record] = records_of(client, recruiter, application_id, "background-check-consent")
    assert record["legal_basis"] == "consent"
    assert record["purpose"] == "employment.recruitment.background_check"
    assert record["data_subject"] == "job_applicant"
    assert record["jurisdiction"] == jurisdiction
    assert s3_tags(live, record) == record["tags"]
    stored = live.s3env.s3.get_object(Bucket=live.s3env.bucket, Key=record["object_key"])["Body"].read()
    assert b"Ada Lovelace" not in stored  # the signed name is encrypted

    twice = authorise(client, link)  # the page now offers withdrawal: no second consent record
    assert twice.status_code in (409, 422)
    assert len(records_of(client, recruiter, application_id, "background-check-consent")) == 1


def test_declining_stores_the_answer_and_no_check_can_start(
    live: Any, client: httpx.Client, recruiter: Staff
) -> None:
    application_id = offer_accepted(live, client, recruiter, "GB")
    created = request_consent(client, recruiter, application_id, ["criminal"]).json()

    declined = answer_consent(client, created["link"], action="decline")

    assert declined.status_code == 200, declined.text
    assert "declined" in declined.text
    before = background_state(live)
    started = start_check(client, recruiter, application_id, created["id"], "criminal")
    assert started.status_code == 409 and assert_error_shape(started)["code"] == "no_consent"
    assert background_state(live) == before
    assert application(client, recruiter, application_id)["status"] == "offer_accepted"


# ---------------------------------------------------------------- tampered and expired links


@pytest.mark.parametrize("segment", [-3, -2, -1], ids=["payload", "timestamp", "signature"])
def test_tampered_links_are_refused_and_change_nothing(
    live: Any, client: httpx.Client, recruiter: Staff, segment: int
) -> None:
    position_id = add_position(live, title="Engineer (London)", jurisdiction="GB")
    assign(live, position_id, recruiter)
    offered_id = submit(client, position_id, email="grace@example.com", full_name="Grace Hopper")
    offer_link = walk(client, recruiter, offered_id, *BEFORE_OFFER, "offer_extended")["offer_link"]
    application_id = offer_accepted(live, client, recruiter, "GB")
    consent_link = request_consent(client, recruiter, application_id, ["criminal"]).json()["link"]
    token = csrf_field(client.get(consent_link).text)
    before = background_state(live)

    for link in (tamper(offer_link, segment), tamper(consent_link, segment)):
        shown = client.get(link)
        assert 400 <= shown.status_code < 500, (link, shown.status_code)
        assert "not valid" in shown.text
        assert "<form" not in shown.text
        posted = client.post(
            link,
            data={
                "csrftoken": token,
                "decision": "accept",
                "action": "authorise",
                "typed_name": "X",
                "confirmed": "true",
            },
        )
        assert 400 <= posted.status_code < 500, (link, posted.status_code)

    assert background_state(live) == before
    assert application(client, recruiter, offered_id)["status"] == "offer_extended"
    assert overview(client, recruiter, application_id)["consent_requests"][0]["status"] == "requested"


def test_expired_links_are_refused_and_change_nothing(
    live: Any, client: httpx.Client, recruiter: Staff
) -> None:
    position_id = add_position(live, title="Engineer (London)", jurisdiction="GB")
    assign(live, position_id, recruiter)
    offered_id = submit(client, position_id, email="grace@example.com", full_name="Grace Hopper")
    walk(client, recruiter, offered_id, *BEFORE_OFFER, "offer_extended")
    application_id = offer_accepted(live, client, recruiter, "GB")
    consent = request_consent(client, recruiter, application_id, ["criminal"]).json()
    token = csrf_field(client.get(consent["link"]).text)
    past_answer = ANSWER_WINDOW + timedelta(days=1)

    # A fresh link signed by our own signer works, so the old ones fail only for their age.
    fresh = old_link(live, timedelta(0), "offer", offered_id)
    assert client.get(f"/offer/{fresh}").status_code == 200
    stale_offer = old_link(live, past_answer, "offer", offered_id)
    stale_answer = old_link(live, past_answer, "consent", application_id, consent["id"])
    dead_consent = old_link(
        live, WITHDRAW_WINDOW + timedelta(days=1), "consent", application_id, consent["id"]
    )
    before = background_state(live)

    shown = client.get(f"/offer/{stale_offer}")
    assert 400 <= shown.status_code < 500 and "expired" in shown.text
    posted = client.post(f"/offer/{stale_offer}", data={"csrftoken": token, "decision": "accept"})
    assert 400 <= posted.status_code < 500 and "expired" in posted.text
    authorised = client.post(
        f"/consent/{stale_answer}",
        data={"csrftoken": token, "action": "authorise", "typed_name": "Ada Lovelace", "confirmed": "true"},
    )
    assert 400 <= authorised.status_code < 500 and "expired" in authorised.text
    dead = client.get(f"/consent/{dead_consent}")
    assert 400 <= dead.status_code < 500 and "expired" in dead.text

    assert background_state(live) == before
    assert application(client, recruiter, offered_id)["status"] == "offer_extended"
    assert overview(client, recruiter, application_id)["consent_requests"][0]["status"] == "requested"


def test_a_link_of_one_kind_does_not_open_the_other_page(
    live: Any, client: httpx.Client, recruiter: Staff
) -> None:
    position_id = add_position(live, title="Engineer (London)", jurisdiction="GB")
    assign(live, position_id, recruiter)
    offered_id = submit(client, position_id)
    offer_link = walk(client, recruiter, offered_id, *BEFORE_OFFER, "offer_extended")["offer_link"]
    token = offer_link.rpartition("/")[2]

    response = client.get(f"/consent/{token}")

    assert 400 <= response.status_code < 500


# ---------------------------------------------------------------- checks, results, adverse action


def test_check_under_consent_then_consider_result_pre_adverse_and_early_decision(
    live: Any, client: httpx.Client, recruiter: Staff
) -> None:
    application_id = offer_accepted(live, client, recruiter, "US-CA")
    consent_id, _ = given_consent(client, recruiter, application_id, ["criminal", "employment"])

    before = background_state(live)
    not_consented = start_check(client, recruiter, application_id, consent_id, "driving")
    assert not_consented.status_code == 422 and assert_error_shape(not_consented)["field"] == "check_type"
    unknown = start_check(client, recruiter, application_id, str(uuid.uuid4()), "criminal")
    assert unknown.status_code == 404
    assert background_state(live) == before

    started = start_check(client, recruiter, application_id, consent_id, "criminal")

    assert started.status_code == 201, started.text
    check = started.json()
    assert check["status"] == "in_progress" and check["consent_request_id"] == consent_id
    assert application(client, recruiter, application_id)["status"] == "background_check"

    no_document = record_result(client, recruiter, check["id"], [("result", "consider")])
    assert no_document.status_code == 422 and assert_error_shape(no_document)["field"] == "document"
    bad_result = record_result(
        client,
        recruiter,
        check["id"],
        [("result", "maybe"), ("document", ("report.pdf", pdf(), "application/pdf"))],
    )
    assert bad_result.status_code == 422 and assert_error_shape(bad_result)["field"] == "result"
    assert background_state(live)["objects"] == before["objects"]

    report_pdf = pdf("Criminal record report: one conviction, 2009")
    recorded = record_result(
        client,
        recruiter,
        check["id"],
        [("result", "consider"), ("document", ("report.pdf", report_pdf, "application/pdf"))],
    )

    assert recorded.status_code == 200, recorded.text
    result = recorded.json()
    assert result["status"] == "consider"
    assert result["criminal_offence_data"] is True
    [record] = records_of(client, recruiter, application_id, "background-check-report")
    assert result["record_id"] == record["id"]
    assert record["purpose"] == "employment.recruitment.background_check"
    assert record["jurisdiction"] == "US-CA"
    assert record["content_type"] == "application/pdf"
    assert s3_tags(live, record) == record["tags"]
    stored = live.s3env.s3.get_object(Bucket=live.s3env.bucket, Key=record["object_key"])["Body"].read()
    assert b"one conviction" not in stored
    content = client.get(f"{API}/records/{record['id']}/content", headers=bearer(recruiter))
    assert content.status_code == 200 and content.content == report_pdf

    again = record_result(
        client,
        recruiter,
        check["id"],
        [("result", "clear"), ("document", ("report.pdf", pdf(), "application/pdf"))],
    )
    assert again.status_code == 409
    assert len(records_of(client, recruiter, application_id, "background-check-report")) == 1

    early_decision = client.post(
        f"{API}/checks/{check['id']}/decision", json={"decision": "adverse"}, headers=bearer(recruiter)
    )
    assert early_decision.status_code == 409  # a decision follows the pre-adverse notice

    notice = client.post(f"{API}/checks/{check['id']}/pre-adverse-notice", headers=bearer(recruiter))

    assert notice.status_code == 200, notice.text
    assert notice.json()["status"] == "pre_adverse"
    respond_by = datetime.fromisoformat(notice.json()["respond_by"]).date()
    today = datetime.now().astimezone().date()
    assert today + timedelta(days=5) <= respond_by <= today + timedelta(days=9)  # 5 business days

    for decision in ("adverse", "proceed"):
        decided = client.post(
            f"{API}/checks/{check['id']}/decision", json={"decision": decision}, headers=bearer(recruiter)
        )
        assert decided.status_code == 409, decided.text
        error = assert_error_shape(decided)
        assert error["code"] == "waiting_period"
        assert respond_by.isoformat() in error["message"]
    [listed] = overview(client, recruiter, application_id)["checks"]
    assert listed["status"] == "pre_adverse" and listed["respond_by"] == respond_by.isoformat()


def test_withdrawal_from_the_same_link_halts_the_check(
    live: Any, client: httpx.Client, recruiter: Staff
) -> None:
    application_id = offer_accepted(live, client, recruiter, "GB")
    consent_id, link = given_consent(client, recruiter, application_id, ["criminal", "identity"])
    check = start_check(client, recruiter, application_id, consent_id, "criminal").json()
    assert check["status"] == "in_progress"

    withdrawn = answer_consent(client, link, action="withdraw")

    assert withdrawn.status_code == 200, withdrawn.text
    assert "withdrawn" in withdrawn.text
    state_now = overview(client, recruiter, application_id)
    assert state_now["consent_requests"][0]["status"] == "withdrawn"
    assert state_now["consent_requests"][0]["withdrawn_at"]
    assert [c["status"] for c in state_now["checks"]] == ["halted"]

    before = background_state(live)
    late = record_result(
        client,
        recruiter,
        check["id"],
        [("result", "clear"), ("document", ("dbs.pdf", pdf("DBS"), "application/pdf"))],
    )
    assert late.status_code == 409, late.text
    assert_error_shape(late)
    another = start_check(client, recruiter, application_id, consent_id, "identity")
    assert another.status_code == 409 and assert_error_shape(another)["code"] == "no_consent"
    assert background_state(live) == before
    assert records_of(client, recruiter, application_id, "background-check-report") == []
    assert [c["status"] for c in overview(client, recruiter, application_id)["checks"]] == ["halted"]


def test_france_records_only_seen_and_satisfactory(live: Any, client: httpx.Client, recruiter: Staff) -> None:
    application_id = offer_accepted(live, client, recruiter, "FR", country="FR")
    forbidden = request_consent(client, recruiter, application_id, ["identity"])
    assert forbidden.status_code == 422 and assert_error_shape(forbidden)["code"] == "forbidden_check_type"
    consent_id, _ = given_consent(client, recruiter, application_id, ["criminal"])
    check = start_check(client, recruiter, application_id, consent_id, "criminal").json()
    before = background_state(live)

    with_copy = record_result(
        client,
        recruiter,
        check["id"],
        [
            ("seen", "true"),
            ("satisfactory", "false"),
            ("document", ("b3.pdf", pdf("Bulletin n°3"), "application/pdf")),
        ],
    )

    assert with_copy.status_code == 422, with_copy.text
    error = assert_error_shape(with_copy)
    assert error["field"] == "document"
    assert "no copy" in error["message"]
    assert background_state(live) == before
    assert overview(client, recruiter, application_id)["checks"][0]["status"] == "in_progress"

    unseen = record_result(client, recruiter, check["id"], [("satisfactory", "true")])
    assert unseen.status_code == 422 and assert_error_shape(unseen)["field"] == "seen"

    recorded = record_result(client, recruiter, check["id"], [("seen", "true"), ("satisfactory", "false")])

    assert recorded.status_code == 200, recorded.text
    result = recorded.json()
    assert result["status"] == "consider"
    assert result["details"] == {"seen": True, "satisfactory": False}
    assert result["record_id"] is None
    assert records_of(client, recruiter, application_id, "background-check-report") == []
    assert background_state(live)["objects"] == before["objects"]


# ---------------------------------------------------------------- transitions: refusals


def test_illegal_and_unknown_transitions_change_nothing(
    live: Any, client: httpx.Client, position: uuid.UUID, recruiter: Staff
) -> None:
    application_id = submit(client, position)
    before = background_state(live)

    for to, needs in (
        ("hired", "background_check"),
        ("offer_accepted", "offer_extended"),
        ("interview", "screening"),
    ):
        response = move(client, recruiter, application_id, to)
        assert response.status_code == 409, (to, response.text)
        error = assert_error_shape(response)
        assert error["code"] == "illegal_transition"
        assert error["field"] == "to"
        assert needs in error["message"] and "submitted" in error["message"]

    for body in ({"to": "promoted"}, {"to": None}, {}, {"to": ["screening"]}):
        response = client.post(
            f"{API}/applications/{application_id}/transitions", json=body, headers=bearer(recruiter)
        )
        assert response.status_code == 422, (body, response.text)
        error = assert_error_shape(response)
        assert error["field"] == "to"
        assert "screening" in error["message"]  # lists the states to choose from

    malformed = client.post(
        f"{API}/applications/{application_id}/transitions",
        content=b"{not json",
        headers={**bearer(recruiter), "Content-Type": "application/json"},
    )
    assert malformed.status_code == 422
    long_reason = move(client, recruiter, application_id, "screening", reason="x" * 501)
    assert long_reason.status_code == 422 and assert_error_shape(long_reason)["field"] == "reason"
    missing = move(client, recruiter, str(uuid.uuid4()), "screening")
    assert missing.status_code == 404

    assert background_state(live) == before
    assert application(client, recruiter, application_id)["status"] == "submitted"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer ats_not-a-real-token"},
        {"Authorization": "Bearer"},
        {"Authorization": "Basic eDp5"},
    ],
    ids=["none", "unknown-token", "empty-token", "basic-scheme"],
)
def test_workflow_endpoints_need_a_valid_bearer_token(
    live: Any, client: httpx.Client, position: uuid.UUID, recruiter: Staff, headers: dict[str, str]
) -> None:
    application_id = submit(client, position)
    before = background_state(live)
    check_id = uuid.uuid4()

    for method, path, body in (
        ("POST", f"/applications/{application_id}/transitions", {"to": "screening"}),
        (
            "POST",
            f"/applications/{application_id}/referees",
            {"full_name": "A B", "email": "a@b.example", "relationship": "x"},
        ),
        (
            "POST",
            f"/applications/{application_id}/background-check/consent-requests",
            {"check_types": ["criminal"]},
        ),
        ("GET", f"/applications/{application_id}/background-check", None),
        (
            "POST",
            f"/applications/{application_id}/background-check/checks",
            {"consent_request_id": str(uuid.uuid4()), "check_type": "criminal"},
        ),
        ("POST", f"/checks/{check_id}/pre-adverse-notice", None),
        ("POST", f"/checks/{check_id}/decision", {"decision": "proceed"}),
        ("POST", f"/positions/{position}/conclusion", {"outcome": "filled"}),
        ("PUT", f"/applications/{application_id}/legal-hold", {"reason": "claim"}),
    ):
        response = client.request(method, API + path, json=body, headers=headers)
        assert response.status_code == 401, (path, response.status_code, response.text)
        assert assert_error_shape(response)["code"] == "unauthorized"
        assert response.headers["www-authenticate"] == "Bearer"

    assert background_state(live) == before
    assert application(client, recruiter, application_id)["status"] == "submitted"


def test_a_privacy_officer_cannot_move_applications_or_run_checks(
    live: Any, client: httpx.Client, position: uuid.UUID, recruiter: Staff, privacy_officer: Staff
) -> None:
    application_id = submit(client, position)
    before = background_state(live)

    # A role a route does not admit gets 404, like an out-of-scope id (DESIGN §8).
    moved = move(client, privacy_officer, application_id, "screening")
    assert moved.status_code == 404, moved.text
    assert assert_error_shape(moved)["code"] == "not_found"
    consent = request_consent(client, privacy_officer, application_id, ["criminal"])
    assert consent.status_code == 404
    concluded = client.post(
        f"{API}/positions/{position}/conclusion", json={"outcome": "filled"}, headers=bearer(privacy_officer)
    )
    assert concluded.status_code == 404

    assert background_state(live) == before
    assert application(client, recruiter, application_id)["status"] == "submitted"
    assert overview(client, privacy_officer, application_id) == {"consent_requests": [], "checks": []}


# ---------------------------------------------------------------- conclusion, legal hold, expiry


def test_conclusion_and_legal_hold_via_the_api_then_expiry_leaves_a_tombstone(
    live: Any, client: httpx.Client, position: uuid.UUID, recruiter: Staff, privacy_officer: Staff
) -> None:
    # An application carrying every kind of workflow data: CV, referee and their report, a given
    # consent (record and row), a check with its report; and one on another position to keep.
    application_id = offer_accepted(live, client, recruiter, "GB", position_id=position, with_reference=True)
    consent_id, _ = given_consent(client, recruiter, application_id, ["criminal"])
    check = start_check(client, recruiter, application_id, consent_id, "criminal").json()
    recorded = record_result(
        client,
        recruiter,
        check["id"],
        [("result", "clear"), ("document", ("dbs.pdf", pdf(), "application/pdf"))],
    )
    assert recorded.status_code == 200, recorded.text
    kept = submit(client, add_position(live, title="Still open", jurisdiction="GB"), email="kept@example.com")
    kinds = sorted(r["record_type"] for r in application(client, recruiter, application_id)["records"])
    assert kinds == ["background-check-consent", "background-check-report", "cv", "reference-report"]

    concluded = client.post(
        f"{API}/positions/{position}/conclusion", json={"outcome": "filled"}, headers=bearer(recruiter)
    )

    assert concluded.status_code == 200, concluded.text
    conclusion = concluded.json()
    assert conclusion["outcome"] == "filled"
    at = datetime.fromisoformat(conclusion["concluded_at"])
    until = datetime.fromisoformat(conclusion["retention_until"])
    assert until == at.replace(year=at.year + 4)
    twice = client.post(
        f"{API}/positions/{position}/conclusion", json={"outcome": "closed"}, headers=bearer(recruiter)
    )
    assert twice.status_code == 409
    # Archive phase (DESIGN §8): the hiring team no longer reads the application; privacy
    # officers do (audited).
    archived = client.get(f"{API}/applications/{application_id}", headers=bearer(recruiter))
    assert archived.status_code == 404 and "Ada" not in archived.text
    body = application(client, privacy_officer, application_id)
    assert body["status"] == "rejected"  # still open when hiring concluded
    assert datetime.fromisoformat(body["retention_until"]) == until

    not_officer = client.put(
        f"{API}/applications/{application_id}/legal-hold",
        json={"reason": "Claim 2026/17"},
        headers=bearer(recruiter),
    )
    assert not_officer.status_code == 404
    no_reason = client.put(
        f"{API}/applications/{application_id}/legal-hold",
        json={"reason": " "},
        headers=bearer(privacy_officer),
    )
    assert no_reason.status_code == 422 and assert_error_shape(no_reason)["field"] == "reason"
    held = client.put(
        f"{API}/applications/{application_id}/legal-hold",
        json={"reason": "Claim 2026/17"},
        headers=bearer(privacy_officer),
    )
    assert held.status_code == 200, held.text
    assert held.json() == {"legal_hold": True}
    assert application(client, privacy_officer, application_id)["legal_hold"] is True

    after = until + timedelta(days=1)
    report = expire(live, after)
    assert (report["erased"], report["held"], report["failed"]) == (0, 1, 0)
    assert report["records_erased"] == 0  # the hold keeps every record, the certificate too
    assert application(client, privacy_officer, application_id)["legal_hold"] is True

    lifted = client.request(
        "DELETE",
        f"{API}/applications/{application_id}/legal-hold",
        json={"reason": "Claim settled"},
        headers=bearer(privacy_officer),
    )
    assert lifted.status_code == 200, lifted.text
    assert lifted.json() == {"legal_hold": False}
    body = application(client, privacy_officer, application_id)
    assert body["legal_hold"] is False
    reference = body["reference"]

    early = expire(live, until - timedelta(seconds=1))
    assert (early["erased"], early["failed"]) == (0, 0)  # never early
    # ...but the DBS certificate has its own, shorter rule in GB (six months after the decision,
    # ats/policy/retention.json, issue 11): erased alone once the hold is gone, not while held.
    assert early["records_erased"] == 1
    body = application(client, privacy_officer, application_id)
    assert body["status"] == "rejected"
    assert sorted(r["record_type"] for r in body["records"]) == ["background-check-consent", "cv", "reference-report"]

    report = expire(live, after)
    assert (report["erased"], report["held"], report["failed"]) == (1, 0, 0)

    gone = client.get(f"{API}/applications/{application_id}", headers=bearer(recruiter))

    assert gone.status_code == 410, gone.text
    error = assert_error_shape(gone)
    stone = error["tombstone"]
    assert stone["application_id"] == application_id
    assert stone["reference"] == reference
    assert stone["position_id"] == str(position)
    assert datetime.fromisoformat(stone["retention_until"]) == until
    assert stone["reason"] == "retention-expired"
    assert stone["records_erased"] == 3  # the rest: the certificate went before, on its own rule
    assert "Ada" not in gone.text and "ada@example.com" not in gone.text and "Claim" not in gone.text
    assert not [k for k, _ in background_state(live)["objects"] if application_id in k]
    for table in (
        "applications",
        "records",
        "data_keys",
        "referees",
        "consent_requests",
        "background_checks",
    ):
        column = "id" if table == "applications" else "application_id"
        rows = sql_all(
            live.database_url, f"SELECT COUNT(*) FROM {table} WHERE {column} = $1", uuid.UUID(application_id)
        )
        assert rows[0][0] == 0, table
    assert application(client, privacy_officer, kept)["status"] == "submitted"
    assert [k for k, _ in background_state(live)["objects"] if kept in k]
    hold_again = client.put(
        f"{API}/applications/{application_id}/legal-hold",
        json={"reason": "Too late"},
        headers=bearer(privacy_officer),
    )
    assert hold_again.status_code == 409 and assert_error_shape(hold_again)["code"] == "erased"


# ---------------------------------------------------------------- races and edge cases


@pytest.mark.parametrize(
    "decision", [None, "", "maybe", "Accept"], ids=["missing", "empty", "unknown", "case"]
)
def test_an_offer_answer_without_a_clear_decision_changes_nothing(
    live: Any, client: httpx.Client, position: uuid.UUID, recruiter: Staff, decision: str | None
) -> None:
    application_id = submit(client, position)
    offer_link = walk(client, recruiter, application_id, *BEFORE_OFFER, "offer_extended")["offer_link"]
    page = client.get(offer_link)
    form = {"csrftoken": csrf_field(page.text)}
    if decision is not None:
        form["decision"] = decision

    answered = client.post(offer_link, data=form)

    assert 400 <= answered.status_code < 500, (answered.status_code, answered.text[:300])
    assert application(client, recruiter, application_id)["status"] == "offer_extended"


def test_a_withdrawal_during_a_result_upload_halts_the_check_and_keeps_no_report(
    live: Any, client: httpx.Client, recruiter: Staff, monkeypatch: pytest.MonkeyPatch
) -> None:
    application_id = offer_accepted(live, client, recruiter, "GB")
    consent_id, link = given_consent(client, recruiter, application_id, ["criminal"])
    check = start_check(client, recruiter, application_id, consent_id, "criminal").json()
    before = background_state(live)
    vault = live.container.deps.vault
    store = vault.store
    withdrawals: list[httpx.Response] = []

    def withdraw_then_store(*args: Any) -> str:
        # The candidate withdraws while the recruiter's upload is being encrypted and stored.
        if not withdrawals:
            with live.client() as candidate:
                page = candidate.get(link)
                withdrawals.append(
                    candidate.post(link, data={"csrftoken": csrf_field(page.text), "action": "withdraw"})
                )
        return store(*args)

    monkeypatch.setattr(vault, "store", withdraw_then_store)
    late = record_result(
        client,
        recruiter,
        check["id"],
        [("result", "consider"), ("document", ("dbs.pdf", pdf("conviction"), "application/pdf"))],
    )
    monkeypatch.undo()

    assert [w.status_code for w in withdrawals] == [200]
    state_now = overview(client, recruiter, application_id)
    assert state_now["consent_requests"][0]["status"] == "withdrawn"
    assert [c["status"] for c in state_now["checks"]] == ["halted"], (late.status_code, late.text)
    assert late.status_code == 409, late.text
    assert records_of(client, recruiter, application_id, "background-check-report") == []
    assert background_state(live) == before


def test_two_checks_started_at_once_both_start(live: Any, client: httpx.Client, recruiter: Staff) -> None:
    """The first check moves the application to background_check in the same transaction that
    saves it, so two starts racing from offer_accepted both succeed."""
    from concurrent.futures import ThreadPoolExecutor

    application_id = offer_accepted(live, client, recruiter, "GB")
    consent_id, _ = given_consent(client, recruiter, application_id, ["criminal", "identity"])

    def start(check_type: str) -> httpx.Response:
        with httpx.Client(base_url=live.url, timeout=30) as other:
            return other.post(
                f"{API}/applications/{application_id}/background-check/checks",
                json={"consent_request_id": consent_id, "check_type": check_type},
                headers=bearer(recruiter),
            )

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(start, ["criminal", "identity"]))
    assert [r.status_code for r in results] == [201, 201], [r.text for r in results]
    assert application(client, recruiter, application_id)["status"] == "background_check"
    checks = overview(client, recruiter, application_id)["checks"]
    assert sorted(c["check_type"] for c in checks) == ["criminal", "identity"]
    moves = sql_count_moves(live, application_id)
    assert moves == 1  # one audited move offer_accepted -> background_check


def sql_count_moves(live: Any, application_id: str) -> int:
    from tests.helpers import sql_rows

    rows = sql_rows(
        live.database_url,
        "SELECT details FROM audit_events WHERE action = 'application.transitioned' AND application_id = $1",
        uuid.UUID(application_id),
    )
    return sum('"to": "background_check"' in str(r[0]).replace("'", '"') or '"to":"background_check"' in str(r[0]) for r in rows)


@pytest.mark.parametrize("jurisdiction", ["US", "GB"])
def test_a_consent_request_past_its_answer_window_does_not_offer_the_form(
    live: Any, client: httpx.Client, recruiter: Staff, jurisdiction: str
) -> None:
    application_id = offer_accepted(live, client, recruiter, jurisdiction)
    consent = request_consent(client, recruiter, application_id, ["criminal"]).json()
    stale = old_link(live, ANSWER_WINDOW + timedelta(days=1), "consent", application_id, consent["id"])

    page = client.get(f"/consent/{stale}")

    # Authorising through this link is refused as expired (test_expired_links_...), so the page
    # must not invite the candidate to sign: it should say the link expired.
    assert 'value="authorise"' not in page.text, page.status_code
    assert 400 <= page.status_code < 500 and "expired" in page.text
