"""GET /api/v1/applications/{id} returns what a recruiter needs (issue 8 item 4), filtered by
role (DESIGN §8): the candidate, records, referees, consent requests and checks for the assigned
recruiter; contact details, CV and status only for the assigned hiring manager; 404 for staff
outside the position and for admins."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.e2e.support import Staff, add_position, add_staff, api_apply, applicant, assign, bearer

API = "/api/v1"


def test_the_application_as_each_role_sees_it(live: Any, client: httpx.Client) -> None:
    position = add_position(live, title="Detail Engineer", jurisdiction="GB")
    recruiter = add_staff(live, email="detail.rec@example.com", role="recruiter")
    manager = add_staff(live, email="detail.hm@example.com", role="hiring_manager")
    officer = add_staff(live, email="detail.po@example.com", role="privacy_officer")
    stranger = add_staff(live, email="detail.other@example.com", role="recruiter")
    admin = add_staff(live, email="detail.admin@example.com", role="admin")
    assign(live, position, recruiter, manager)
    data = applicant(full_name="Ada Lovelace", email="ada@example.com", phone="+44 20 7946 0000", country="GB")
    application_id = api_apply(client, position, data=data).json()["id"]
    added = client.post(
        f"{API}/applications/{application_id}/referees",
        json={"full_name": "Charles Babbage", "email": "cb@example.com", "relationship": "mentor"},
        headers=bearer(recruiter),
    )
    assert added.status_code == 201, added.text
    referee_id = added.json()["referees"][0]["id"]
    reported = client.post(
        f"{API}/applications/{application_id}/referees/{referee_id}/report",
        json={"answers": {"Strengths?": "Analysis"}},
        headers=bearer(recruiter),
    )
    assert reported.status_code == 201, reported.text

    def get(staff: Staff) -> httpx.Response:
        return client.get(f"{API}/applications/{application_id}", headers=bearer(staff))

    full = get(recruiter).json()
    assert full["candidate"] == {
        "full_name": "Ada Lovelace",
        "email": "ada@example.com",
        "phone": "+44 20 7946 0000",
        "country": "GB",
    }
    assert full["referees"] == [
        {
            "id": referee_id,
            "full_name": "Charles Babbage",
            "email": "cb@example.com",
            "relationship": "mentor",
            "report_recorded": True,
        }
    ]
    assert full["consent_requests"] == [] and full["checks"] == []
    assert sorted(r["record_type"] for r in full["records"]) == ["cv", "reference-report"]

    limited = get(manager).json()
    assert limited["candidate"]["email"] == "ada@example.com" and limited["status"] == "submitted"
    assert [r["record_type"] for r in limited["records"]] == ["cv"]
    assert not {"referees", "consent_requests", "checks"} & set(limited)
    assert "Babbage" not in get(manager).text

    assert get(officer).json()["referees"][0]["report_recorded"] is True
    for outsider in (stranger, admin):
        refused = get(outsider)
        assert refused.status_code == 404 and "Ada" not in refused.text
    assert client.get(f"{API}/applications/{uuid.uuid4()}", headers=bearer(recruiter)).status_code == 404
