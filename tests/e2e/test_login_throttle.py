"""Sign-in throttling over HTTP (issue 9, item 3): after five failures the account answers 429
with Retry-After on the panel page (address kept, password not), even with the right password;
the audit gets one lockout event, not one per try."""

from __future__ import annotations

from typing import Any

import httpx

from tests.e2e.support import Staff, csrf_field, sql_all


def _post_login(client: httpx.Client, email: str, password: str) -> httpx.Response:
    page = client.get("/admin/login")
    return client.post("/admin/login", data={"csrftoken": csrf_field(page.text), "email": email, "password": password})


def test_five_failures_answer_429_with_retry_after_and_one_audit_event(
    live: Any, client: httpx.Client, recruiter: Staff
) -> None:
    for _ in range(5):
        assert _post_login(client, recruiter.email, "wrong password, long enough").status_code == 401
    for password in ("wrong password, long enough", recruiter.password, "third wrong password"):
        response = _post_login(client, recruiter.email, password)

        assert response.status_code == 429, response.text[:300]
        assert 1 <= int(response.headers["retry-after"]) <= 15 * 60
        assert "Too many sign-in attempts" in response.text
        assert f'value="{recruiter.email}"' in response.text
        assert recruiter.password not in response.text
        assert "ats_session" not in client.cookies
    assert client.get("/admin/").status_code == 303
    rows = sql_all(live.database_url, "SELECT action, details FROM audit_events ORDER BY seq")
    actions = [r[0] for r in rows]
    assert actions.count("user.login_failed") == 5
    assert actions.count("user.login_locked") == 1
    assert "user.login" not in actions
    assert recruiter.email not in repr(rows)
    assert str(recruiter.id) in next(str(r[1]) for r in rows if r[0] == "user.login_locked")


def test_the_per_client_sign_in_budget_follows_ats_rate_limits(live_with: Any) -> None:
    """`login` in ATS_RATE_LIMITS sets the per-client budget: different accounts, one client."""
    with live_with(ats_rate_limits="login=2/minute") as served, served.client() as client:
        answers = [_post_login(client, f"nobody{i}@example.com", "wrong password, long enough") for i in range(3)]
    assert [a.status_code for a in answers] == [401, 401, 429]
    assert int(answers[-1].headers["retry-after"]) >= 1
