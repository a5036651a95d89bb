"""The development mailbox (/admin/dev/mailbox) over HTTP: what the in-process SMTP server
received, for signed-in staff in development; no such page in production."""

from __future__ import annotations

import asyncio
import smtplib
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import httpx
import pytest

from ats.bootstrap import build
from ats.web.app import create_app
from storage.smtp_server import SmtpServer
from tests.conftest import Live, LiveServer, S3Env, make_settings
from tests.e2e.support import add_staff, admin_login

PAGE = "/admin/dev/mailbox"


@pytest.fixture
def dev(database_url: str, s3env: S3Env) -> Iterator[tuple[Live, SmtpServer]]:
    """The app as the embedded mode runs it: its mail goes to an SMTP server in the process."""
    from storage.migrate import migrate

    with SmtpServer() as smtp:
        c = build(make_settings(database_url, s3env, ats_smtp_url=smtp.url))
        c.deps.mail.inbox = smtp.inbox
        if database_url.startswith("sqlite"):
            asyncio.run(migrate())
        with LiveServer(create_app(c)) as server:
            yield Live(server.url, c, s3env, database_url), smtp


def _send(smtp: SmtpServer, *, to: str, subject: str, body: str) -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "no-reply@ats.localhost", to, subject
    message.set_content(body)
    with smtplib.SMTP(smtp.host, smtp.port, timeout=10) as client:
        client.send_message(message)


def test_staff_see_what_the_smtp_server_received(dev: tuple[Live, SmtpServer]) -> None:
    live, smtp = dev
    _send(smtp, to="cand@example.org", subject="Your code", body="Code:\n123456\n<script>alert(1)</script>\n")
    with live.client() as client:
        assert client.get(PAGE).status_code == 303  # signed out: to the sign-in page
        assert admin_login(client, add_staff(live, role="privacy_officer")).status_code == 303
        page = client.get(PAGE)
    assert page.status_code == 200
    assert "cand@example.org" in page.text and "Your code" in page.text and "123456" in page.text
    assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;" in page.text
    assert page.headers["cache-control"] == "no-store"


def test_without_an_embedded_smtp_server_the_page_is_not_found(live: Any, client: httpx.Client) -> None:
    assert admin_login(client, add_staff(live, role="privacy_officer")).status_code == 303
    assert client.get(PAGE).status_code == 404


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_in_production_there_is_no_mailbox_page(database_url: str, s3env: S3Env) -> None:
    settings = make_settings(
        database_url,
        s3env,
        ats_privacy_contact="privacy@example.com",
        ats_public_url="https://jobs.example.com",
        ats_smtp_url="smtp://127.0.0.1:25",
        ats_mail_from="jobs@example.com",
    )
    c = build(settings.model_copy(update={"ats_env": "production"}))
    with LiveServer(create_app(c)) as server, httpx.Client(base_url=server.url, timeout=30) as client:
        login = client.get("/admin/login", headers={"host": "jobs.example.com"})
        page = client.get(PAGE, headers={"host": "jobs.example.com"})
    assert login.status_code == 200  # the panel is there ...
    assert page.status_code == 404  # ... the mailbox is not, signed in or not
