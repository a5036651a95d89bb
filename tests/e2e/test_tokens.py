"""Token and user lifecycle over HTTP (issue 9, item 12): the `ats` CLI, run as an operator
would, against the live server's database; the API answers 401 to an expired or revoked token
and to a deactivated user's token, and the deactivated user's panel session ends."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from typing import Any

import httpx

from tests.e2e.support import Staff, add_staff, admin_login, sql_all, sql_exec
from tests.helpers import cli_env


def ats(live: Any, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ats.cli", *args],
        env=cli_env(live.container.settings),
        capture_output=True,
        text=True,
        timeout=120,
    )


def _authorised(client: httpx.Client, token: str) -> int:
    """404 for an unknown application means the token passed; 401 means it did not."""
    response = client.get(f"/api/v1/applications/{uuid.uuid4()}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code in (401, 404), response.text
    return response.status_code


def test_expired_and_revoked_tokens_are_401(live: Any, client: httpx.Client, recruiter: Staff) -> None:
    issued = ats(live, "users", "token", "--email", recruiter.email, "--days", "1")
    assert issued.returncode == 0, issued.stderr
    token = issued.stdout.strip().splitlines()[-1]
    assert _authorised(client, token) == 404
    listed = ats(live, "users", "tokens", "--email", recruiter.email, "--json")
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert token not in listed.stdout and recruiter.token not in listed.stdout
    mine = next(r for r in rows if r["last4"] == token[-4:])
    assert mine["status"] == "active" and mine["revoked_at"] is None

    # Expired: its expiry moved into the past in the database.
    sql_exec(
        live.database_url,
        "UPDATE api_tokens SET expires_at = created_at WHERE token_id = $1",
        uuid.UUID(mine["id"]),
    )
    assert _authorised(client, token) == 401

    # Revoked: the fixture's own token, by its id.
    assert _authorised(client, recruiter.token) == 404
    other = next(r for r in rows if r["last4"] == recruiter.token[-4:])
    revoked = ats(live, "users", "revoke-token", other["id"])
    assert revoked.returncode == 0, revoked.stderr
    assert _authorised(client, recruiter.token) == 401
    missing = ats(live, "users", "revoke-token", str(uuid.uuid4()))
    assert missing.returncode == 1 and "no token" in missing.stderr
    actors = sql_all(
        live.database_url,
        "SELECT actor FROM audit_events WHERE action IN ('user.token_issued', 'user.token_revoked')",
    )
    assert len(actors) == 2 and all(a[0].startswith("cli:") and a[0] != "cli:" for a in actors)


def test_a_deactivated_user_loses_tokens_and_sessions(live: Any, client: httpx.Client) -> None:
    staff = add_staff(live, email="leaver@example.com", role="recruiter")
    assert admin_login(client, staff).status_code == 303
    assert client.get("/admin/").status_code == 200
    assert _authorised(client, staff.token) == 404

    done = ats(live, "users", "deactivate", "--email", staff.email)
    assert done.returncode == 0, done.stderr

    assert _authorised(client, staff.token) == 401
    home = client.get("/admin/")
    assert home.status_code == 303 and home.headers["location"] == "/admin/login"
    assert admin_login(client, staff).status_code == 401
    unknown = ats(live, "users", "deactivate", "--email", "nobody@example.com")
    assert unknown.returncode == 1 and "no user" in unknown.stderr
    [(actor,)] = sql_all(live.database_url, "SELECT actor FROM audit_events WHERE action = 'user.deactivated'")
    assert actor.startswith("cli:")
