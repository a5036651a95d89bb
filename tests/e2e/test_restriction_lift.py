"""Lifting a restriction (GDPR Art. 18(3)) over HTTP, in the API and the panel: privacy
officers only, with a reason; a refusal changes nothing and says why beside the form; the
person is mailed (through the outbox, to a real SMTP server) before the restriction goes."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from ats.bootstrap import build
from ats.web.app import create_app
from storage.smtp_server import SmtpServer
from tests.conftest import Live, LiveServer, S3Env, make_settings
from tests.e2e.support import (
    add_position,
    add_staff,
    admin_login,
    api_apply,
    assign,
    bearer,
    csrf_field,
    sql_all,
    sql_exec,
)

API = "/api/v1"
AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def dev(database_url: str, s3env: S3Env) -> Iterator[tuple[Live, SmtpServer]]:
    from storage.migrate import migrate

    with SmtpServer() as smtp:
        c = build(make_settings(database_url, s3env, ats_smtp_url=smtp.url))
        c.deps.mail.inbox = smtp.inbox
        if database_url.startswith("sqlite"):
            asyncio.run(migrate())
        with LiveServer(create_app(c)) as server:
            yield Live(server.url, c, s3env, database_url), smtp


def _restricted(live: Live, client: httpx.Client) -> tuple[str, object, object]:
    position = add_position(live, title="Lift Engineer")
    recruiter = add_staff(live, email="lift.rec@example.com", role="recruiter")
    officer = add_staff(live, email="lift.po@example.com", role="privacy_officer")
    assign(live, position, recruiter)
    application_id = api_apply(client, position).json()["id"]
    sql_exec(live.database_url, "UPDATE applications SET restricted_at = $1 WHERE id = $2", AT, application_id)
    return application_id, recruiter, officer


def _actions(live: Live, application_id: str) -> list[str]:
    rows = sql_all(live.database_url, "SELECT action FROM audit_events WHERE application_id = $1 ORDER BY seq", application_id)
    return [r[0] for r in rows]


def test_lifting_over_the_api(dev: tuple[Live, SmtpServer]) -> None:
    live, smtp = dev
    with live.client() as client:
        application_id, recruiter, officer = _restricted(live, client)
        url = f"{API}/applications/{application_id}/restriction"
        smtp.inbox.clear()
        assert client.request("DELETE", url, json={"reason": "x"}, headers=bearer(recruiter)).status_code == 404
        missing = client.request("DELETE", url, json={}, headers=bearer(officer))
        assert missing.status_code == 422 and missing.json()["error"]["field"] == "reason"
        long = client.request("DELETE", url, json={"reason": "x" * 501}, headers=bearer(officer))
        assert long.status_code == 422
        detail = client.get(f"{API}/applications/{application_id}", headers=bearer(officer)).json()
        assert detail["restricted"] is True and smtp.inbox.messages() == []  # nothing changed, nothing mailed

        lifted = client.request("DELETE", url, json={"reason": "The accuracy check is complete."}, headers=bearer(officer))
        assert lifted.status_code == 200 and lifted.json() == {"restricted": False}
        assert client.get(f"{API}/applications/{application_id}", headers=bearer(officer)).json()["restricted"] is False
        again = client.request("DELETE", url, json={"reason": "again"}, headers=bearer(officer))
        assert again.status_code == 409 and again.json()["error"]["code"] == "not_restricted"
    (mail,) = smtp.inbox.messages()
    assert mail.recipients == ("ada@example.com",)
    assert "Art. 18(3)" in mail.body and "The accuracy check is complete." in mail.body
    actions = _actions(live, application_id)
    # Told first (Art. 18(3)), then lifted: the notice's event comes before the lift's.
    assert actions.index("application.restriction_lift_notified") < actions.index("application.restriction_lifted")
    kinds = sql_all(live.database_url, "SELECT kind, status FROM outbox WHERE application_id = $1", application_id)
    assert kinds == [("application.restriction_lifted", "delivered")]


def test_lifting_in_the_panel_with_the_error_beside_the_form(dev: tuple[Live, SmtpServer]) -> None:
    live, smtp = dev
    with live.client() as client:
        application_id, _, officer = _restricted(live, client)
        smtp.inbox.clear()
        assert admin_login(client, officer).status_code in (302, 303)
        page = client.get(f"/admin/applications/{application_id}")
        assert f'action="/admin/applications/{application_id}/restriction"' in page.text
        form = {"csrftoken": csrf_field(page.text), "reason": "  "}
        refused = client.post(f"/admin/applications/{application_id}/restriction", data=form)
        assert refused.status_code == 422
        assert 'id="restriction-reason-error"' in refused.text and 'aria-invalid="true"' in refused.text
        assert "restricted since 2026-12-01" in refused.text and smtp.inbox.messages() == []
        form["reason"] = "Objection <b>withdrawn</b>"
        kept = client.post(f"/admin/applications/{application_id}/restriction", data={**form, "reason": "y" * 501})
        assert kept.status_code == 422 and "y" * 501 in kept.text  # the value typed is kept
        done = client.post(f"/admin/applications/{application_id}/restriction", data=form, follow_redirects=False)
        assert done.status_code == 303
        after = client.get(f"/admin/applications/{application_id}")
        assert "restricted since" not in after.text and "/restriction" not in after.text
    (mail,) = smtp.inbox.messages()
    assert "Objection <b>withdrawn</b>" in mail.body
