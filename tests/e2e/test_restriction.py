"""A restricted application over HTTP (GDPR Art. 18, ats.services.rights): the API and the
panel show it; moves answer 409 with a message; documents only for privacy officers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from tests.e2e.support import add_position, add_staff, admin_login, api_apply, assign, bearer, sql_exec

API = "/api/v1"


def test_restricted_application_over_the_api_and_the_panel(live: Any, client: httpx.Client) -> None:
    position = add_position(live, title="Restricted Engineer")
    recruiter = add_staff(live, email="restr.rec@example.com", role="recruiter")
    officer = add_staff(live, email="restr.po@example.com", role="privacy_officer")
    assign(live, position, recruiter)
    application_id = api_apply(client, position).json()["id"]
    url = f"{API}/applications/{application_id}"
    before = client.get(url, headers=bearer(recruiter)).json()
    assert (before["restricted"], before["restricted_at"]) == (False, None)
    record_id = before["records"][0]["id"]

    # Restricted as ats.services.rights.restrict leaves it (the request's route is D1's).
    at = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    sql_exec(live.database_url, "UPDATE applications SET restricted_at = $1 WHERE id = $2", at, application_id)

    shown = client.get(url, headers=bearer(recruiter)).json()
    assert shown["restricted"] is True and shown["restricted_at"].startswith("2026-12-01T09:00")
    moved = client.post(f"{url}/transitions", json={"to": "screening"}, headers=bearer(recruiter))
    assert moved.status_code == 409
    assert moved.json()["error"]["code"] == "restricted" and "Art. 18" in moved.json()["error"]["message"]
    content = f"{API}/records/{record_id}/content"
    refused = client.get(content, headers=bearer(recruiter))
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "restricted"
    assert client.get(content, headers=bearer(officer)).status_code == 200
    assert client.get(url, headers=bearer(recruiter)).json()["status"] == "submitted"

    assert admin_login(client, officer).status_code in (302, 303)
    page = client.get(f"/admin/applications/{application_id}")
    assert page.status_code == 200 and "restricted since 2026-12-01" in page.text
