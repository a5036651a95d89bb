"""Hostile access cases of issue 8 over HTTP (DESIGN §8): staff reaching for what their role or
their positions do not give them get 404 (the same answer as an id that does not exist, so ids
reveal nothing), and a deactivated user, a revoked or an expired token get 401. Nothing changes.

The world (tests/e2e/access_world.py): positions A (assigned to the test recruiter and hiring
manager), B (assigned to other staff), C (assigned, concluded), each with an application whose
records include a reference report and a background-check report."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.access_world import World, location_path, world_fixture
from tests.e2e.support import Staff, add_staff, admin_login, bearer, csrf_field, sql_exec

API = "/api/v1"
RESTRICTED = ("reference-report", "background-check-report")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    yield from world_fixture(request, tmp_path_factory)


@pytest.fixture
def api(world: World) -> Iterator[httpx.Client]:
    with world.anonymous() as client:
        yield client


def _not_found_like_unknown(api: httpx.Client, staff: Staff, path: str, real: str) -> None:
    """`path` with the real id answers exactly as with an id that does not exist: 404."""
    got = api.get(path.format(real), headers=bearer(staff))
    unknown = api.get(path.format(uuid.uuid4()), headers=bearer(staff))
    assert got.status_code == 404, (path, got.status_code, got.text[:300])
    assert got.json() == unknown.json(), "the refusal tells an existing id from an unknown one"


def test_a_hiring_manager_cannot_download_reference_or_background_check_reports(world: World, api: Any) -> None:
    before = world.snapshot()
    hm, a = world.staff["hiring_manager"], world.positions["A"]
    for record_type in RESTRICTED:
        record_id = a.records[record_type]
        _not_found_like_unknown(api, hm, f"{API}/records/{{}}/content", record_id)
        page = world.sessions["hiring_manager"].get(f"/admin/records/{record_id}/download")
        assert page.status_code == 404 and b"%PDF" not in page.content
    # What the hiring manager may see of the same application lists none of them.
    mine = api.get(f"{API}/applications/{a.application_id}", headers=bearer(hm))
    assert mine.status_code == 200, mine.text
    assert {r["record_type"] for r in mine.json()["records"]} <= {"cv", "cover-letter"}
    assert all(a.records[t] not in mine.text for t in RESTRICTED)
    panel = world.sessions["hiring_manager"].get(f"/admin/applications/{a.application_id}")
    assert panel.status_code == 200
    assert all(a.records[t] not in panel.text for t in RESTRICTED)
    assert api.get(f"{API}/records/{a.records['cv']}/content", headers=bearer(hm)).status_code == 200
    assert world.snapshot() == before


def test_a_recruiter_of_another_position_gets_404(world: World, api: Any) -> None:
    """The recruiter assigned to B reaches for A's application, its records and its workflow."""
    before = world.snapshot()
    other, a = world.others["recruiter"], world.positions["A"]
    _not_found_like_unknown(api, other, f"{API}/applications/{{}}", a.application_id)
    _not_found_like_unknown(api, other, f"{API}/positions/{{}}/applications", str(a.position_id))
    _not_found_like_unknown(api, other, f"{API}/applications/{{}}/background-check", a.application_id)
    for record_id in a.records.values():
        _not_found_like_unknown(api, other, f"{API}/records/{{}}/content", record_id)
    moved = api.post(
        f"{API}/applications/{a.application_id}/transitions", json={"to": "hired"}, headers=bearer(other)
    )
    assert moved.status_code == 404, moved.text
    concluded = api.post(
        f"{API}/positions/{a.position_id}/conclusion", json={"outcome": "filled"}, headers=bearer(other)
    )
    assert concluded.status_code == 404, concluded.text
    # The same recruiter reaches their own position's application.
    own = api.get(f"{API}/applications/{world.positions['B'].application_id}", headers=bearer(other))
    assert own.status_code == 200, own.text
    assert world.snapshot() == before


def test_an_admin_cannot_open_an_application(world: World, api: Any) -> None:
    before = world.snapshot()
    admin = world.staff["admin"]
    for kind, p in world.positions.items():
        _not_found_like_unknown(api, admin, f"{API}/applications/{{}}", p.application_id)
        _not_found_like_unknown(api, admin, f"{API}/records/{{}}/content", p.records["cv"])
        page = world.sessions["admin"].get(f"/admin/applications/{p.application_id}")
        assert page.status_code == 404, kind
        assert not [s for s in p.personal() if s in page.text]
        download = world.sessions["admin"].get(f"/admin/records/{p.records['cv']}/download")
        assert download.status_code == 404 and b"%PDF" not in download.content
    assert world.snapshot() == before


def _signed_in(world: World, role: str) -> tuple[Staff, httpx.Client]:
    """A fresh user of `role` assigned to A, with a token and a panel session."""
    staff = add_staff(world.live, email=f"{role}-{uuid.uuid4().hex[:8]}@example.com", role=role)
    done = world.ats("positions", "assign", str(world.positions["A"].position_id), "--email", staff.email)
    assert done.returncode == 0, done.stderr
    client = world.live.client(follow_redirects=False)
    assert admin_login(client, staff).status_code == 303
    return staff, client


def test_a_deactivated_users_session_and_token_are_refused(world: World, api: Any) -> None:
    staff, session = _signed_in(world, "recruiter")
    a = world.positions["A"]
    try:
        assert api.get(f"{API}/applications/{a.application_id}", headers=bearer(staff)).status_code == 200
        assert session.get(f"/admin/applications/{a.application_id}").status_code == 200
        token = csrf_field(session.get("/admin/login").text)

        done = world.ats("users", "deactivate", "--email", staff.email)
        assert done.returncode == 0, done.stderr
        before = world.snapshot()

        refused = api.get(f"{API}/applications/{a.application_id}", headers=bearer(staff))
        assert refused.status_code == 401, refused.text
        write = api.post(
            f"{API}/applications/{a.application_id}/transitions", json={"to": "rejected"}, headers=bearer(staff)
        )
        assert write.status_code == 401, write.text
        for path in ("/admin/", f"/admin/applications/{a.application_id}"):
            gone = session.get(path)
            assert gone.status_code == 303 and location_path(gone) == "/admin/login", path
        posted = session.post(
            f"/admin/applications/{a.application_id}/transition", data={"csrftoken": token, "to": "rejected"}
        )
        assert posted.status_code == 303 and location_path(posted) == "/admin/login"
        assert admin_login(session, staff).status_code == 401
    finally:
        session.close()
    assert world.snapshot() == before


def test_revoked_and_expired_tokens_are_401(world: World, api: Any) -> None:
    staff = add_staff(world.live, email=f"tokens-{uuid.uuid4().hex[:8]}@example.com", role="privacy_officer")
    a = world.positions["A"]
    issued = world.ats("users", "token", "--email", staff.email, "--days", "1")
    assert issued.returncode == 0, issued.stderr
    fresh = issued.stdout.strip().splitlines()[-1]
    listed = json.loads(world.ats("users", "tokens", "--email", staff.email, "--json").stdout)
    ids = {row["last4"]: row["id"] for row in listed}
    path = f"{API}/applications/{a.application_id}"
    for token in (staff.token, fresh):
        assert api.get(path, headers={"Authorization": f"Bearer {token}"}).status_code == 200

    revoked = world.ats("users", "revoke-token", ids[staff.token[-4:]])
    assert revoked.returncode == 0, revoked.stderr
    sql_exec(
        world.live.database_url,
        "UPDATE api_tokens SET expires_at = created_at WHERE token_id = $1",
        uuid.UUID(ids[fresh[-4:]]),
    )
    before = world.snapshot()
    report = f"{API}/records/{a.records['background-check-report']}/content"
    for token in (staff.token, fresh):
        auth = {"Authorization": f"Bearer {token}"}
        for response in (
            api.get(path, headers=auth),
            api.put(f"{path}/legal-hold", json={"reason": "case 1"}, headers=auth),
            api.get(report, headers=auth),
        ):
            assert response.status_code == 401, response.text
            assert b"%PDF" not in response.content
    assert world.snapshot() == before
