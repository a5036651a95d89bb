"""The panel's actions over HTTP: move an application, conclude a position, legal holds."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx

from tests.e2e.support import Staff, add_staff, admin_login, api_apply, assign, csrf_field, sql_all


def _signed_in(live: Any, role: str, position: uuid.UUID | None = None) -> tuple[httpx.Client, Staff]:
    staff = add_staff(live, email=f"{role}@example.com", role=role)
    if position is not None:  # DESIGN §8: staff work on the positions assigned to them
        assign(live, position, staff)
    client = live.client()
    assert admin_login(client, staff).status_code == 303
    return client, staff


def _status(live: Any, application_id: str) -> str:
    return sql_all(live.database_url, "SELECT status FROM applications WHERE id = $1", uuid.UUID(application_id))[0][0]


def test_recruiter_moves_an_application_and_concludes_the_position(
    live: Any, client: httpx.Client, position: uuid.UUID
) -> None:
    application_id = api_apply(client, position).json()["id"]
    admin, _ = _signed_in(live, "recruiter", position)
    page = admin.get(f"/admin/applications/{application_id}")
    assert page.status_code == 200
    title = re.search(r"<title>(.*?)</title>", page.text, re.S).group(1)
    assert "<" not in title  # the page title is text only
    token = csrf_field(page.text)
    moved = admin.post(f"/admin/applications/{application_id}/transition", data={"csrftoken": token, "to": "screening"})
    assert moved.status_code == 303 and _status(live, application_id) == "screening"
    illegal = admin.post(f"/admin/applications/{application_id}/transition", data={"csrftoken": token, "to": "hired"})
    assert illegal.status_code == 409 and "needs" in illegal.text
    assert _status(live, application_id) == "screening"
    forged = admin.post(f"/admin/applications/{application_id}/transition", data={"to": "interview"})
    assert forged.status_code == 403 and _status(live, application_id) == "screening"

    concluded = admin.post(f"/admin/positions/{position}/conclude", data={"csrftoken": token, "outcome": "filled"})
    assert concluded.status_code == 303
    assert sql_all(live.database_url, "SELECT status FROM positions WHERE id = $1", position)[0][0] == "filled"
    assert _status(live, application_id) == "rejected"
    (until,) = sql_all(live.database_url, "SELECT retention_until FROM applications WHERE id = $1", uuid.UUID(application_id))[0]
    assert until is not None


def test_only_a_privacy_officer_places_and_lifts_a_legal_hold(
    live: Any, client: httpx.Client, position: uuid.UUID
) -> None:
    application_id = api_apply(client, position).json()["id"]
    recruiter, _ = _signed_in(live, "recruiter", position)
    page = recruiter.get(f"/admin/applications/{application_id}")
    assert "Place a legal hold" not in page.text
    refused = recruiter.post(
        f"/admin/applications/{application_id}/legal-hold",
        data={"csrftoken": csrf_field(page.text), "action": "set", "reason": "claim"},
    )
    assert refused.status_code == 404  # a role the route does not admit: 404, as out of scope (DESIGN §8)

    officer, _ = _signed_in(live, "privacy_officer")
    page = officer.get(f"/admin/applications/{application_id}")
    assert "Place a legal hold" in page.text
    token = csrf_field(page.text)
    held = officer.post(
        f"/admin/applications/{application_id}/legal-hold",
        data={"csrftoken": token, "action": "set", "reason": "Tribunal case 2026/17"},
    )
    assert held.status_code == 303
    query = "SELECT legal_hold_reason FROM applications WHERE id = $1"
    assert sql_all(live.database_url, query, uuid.UUID(application_id))[0][0] == "Tribunal case 2026/17"
    empty = officer.post(
        f"/admin/applications/{application_id}/legal-hold", data={"csrftoken": token, "action": "lift", "reason": " "}
    )
    assert empty.status_code == 422
    lifted = officer.post(
        f"/admin/applications/{application_id}/legal-hold",
        data={"csrftoken": token, "action": "lift", "reason": "case closed"},
    )
    assert lifted.status_code == 303
    assert sql_all(live.database_url, query, uuid.UUID(application_id))[0][0] is None
    actions = [r[0] for r in sql_all(live.database_url, "SELECT action FROM audit_events ORDER BY seq")]
    assert actions.count("legal_hold.set") == 1 and actions.count("legal_hold.lifted") == 1
    audit_text = " ".join(str(r) for r in sql_all(live.database_url, "SELECT * FROM audit_events"))
    assert "Tribunal" not in audit_text  # the reason stays out of the audit trail
