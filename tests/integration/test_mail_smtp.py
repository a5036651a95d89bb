"""Mail over real SMTP (DESIGN §10): an aiosmtpd server on a free loopback port receives what
the outbox sends; the database (SQLite and PostgreSQL) keeps no content once delivered, keeps
what failed for `ats jobs mail` with backoff, and never holds an address or a body in clear."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from uuid import UUID, uuid4

import pytest

from ats.bootstrap import Container, build
from ats.domain.model import DataKeyRow
from ats.services import mail
from storage.emulator import free_port
from storage.smtp_server import SmtpServer
from tests.conftest import S3Env, make_settings
from tests.helpers import sql_rows
from tests.integration.test_cli import ats, last_line

TO = "marguerite.quillfeather.5521@example.org"
SUBJECT = "Verification for Marguerite Quillfeather"
BODY = "Your one-time code:\n884213\nIt is valid for 30 minutes. Zanzibar-lighthouse-7731.\n"


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture
async def mailing(database_url: str, s3env: S3Env, smtp: SmtpServer) -> AsyncIterator[Container]:
    """Real adapters, with ATS_SMTP_URL pointing at the test's own SMTP server."""
    from storage.migrate import migrate

    c = build(make_settings(database_url, s3env, ats_smtp_url=smtp.url, ats_mail_from="jobs@example.com"))
    await c.startup()
    if database_url.startswith("sqlite"):
        await migrate()
    yield c
    await c.shutdown()


async def _queue(c: Container, application_id: UUID | None = None) -> UUID:
    async with c.deps.uow.transaction() as tx:
        return await mail.queue(
            c.deps, tx, kind="privacy.code", to=TO, subject=SUBJECT, body=BODY, application_id=application_id
        )


def _outbox(c: Container, message_id: UUID) -> tuple:
    [row] = sql_rows(
        c.settings.ats_database_url,
        "SELECT status, sealed, attempts, last_error, kind, next_attempt_at FROM outbox WHERE id = $1",
        str(message_id) if c.settings.ats_database_url.startswith("sqlite") else message_id,
    )
    return row


async def test_a_real_smtp_server_receives_it_and_the_row_keeps_no_content(mailing: Container, smtp: SmtpServer) -> None:
    c = mailing
    # Mail about an application: sealed with its data key, unwrapped through the KMS emulator.
    application_id = uuid4()
    key = await c.deps.blocking(c.deps.vault.new_data_key, application_id)
    async with c.deps.uow.transaction() as tx:
        await tx.add_data_key(DataKeyRow(application_id, key.wrapped, key.key_id, c.deps.clock.now()))
    message_id = await _queue(c, application_id)
    assert _outbox(c, message_id)[0] == "pending" and _outbox(c, message_id)[1] is not None

    report = await mail.deliver_after_commit(c.deps, [message_id])

    assert report.delivered == 1
    [received] = smtp.inbox.messages()
    assert (received.recipients, received.sender, received.subject, received.body) == (
        (TO,), "jobs@example.com", SUBJECT, BODY
    )
    status, sealed, attempts, error, kind, due = _outbox(c, message_id)
    assert (status, sealed, attempts, error, kind, due) == ("delivered", None, 1, None, "privacy.code", None)
    events = [e for e in await c.deps.uow.repo.list_audit() if e.action == "mail.delivered"]
    assert [(e.application_id, e.details["message"]) for e in events] == [(application_id, str(message_id))]


async def test_a_failing_server_keeps_the_message_and_ats_jobs_mail_delivers_it_after_the_backoff(
    mailing: Container, smtp: SmtpServer
) -> None:
    c = mailing
    smtp.inbox.reply = "451 4.3.0 Try again later"
    message_id = await _queue(c)

    report = await mail.deliver_after_commit(c.deps, [message_id])

    assert report.deferred == 1 and smtp.inbox.messages() == []
    status, sealed, attempts, error, _, _ = _outbox(c, message_id)
    assert (status, attempts, error) == ("pending", 1, "SMTPDataError 451") and sealed is not None
    smtp.inbox.reply = None
    waiting = ats(c, "jobs", "mail", "--json")
    assert waiting.returncode == 0, waiting.stderr
    assert json.loads(last_line(waiting))["delivered"] == 0  # its next attempt is a minute away
    _make_due(c, message_id)

    done = ats(c, "jobs", "mail", "--json")

    assert done.returncode == 0, done.stderr
    assert json.loads(last_line(done))["delivered"] == 1
    assert [m.body for m in smtp.inbox.messages()] == [BODY]
    assert _outbox(c, message_id)[:3] == ("delivered", None, 2)
    assert TO not in done.stdout + done.stderr + waiting.stdout + waiting.stderr


async def test_a_crash_between_commit_and_send_is_delivered_by_the_job_exactly_once(
    mailing: Container, smtp: SmtpServer
) -> None:
    c = mailing
    message_id = await _queue(c)  # committed; the process "dies" before deliver_after_commit
    first = ats(c, "jobs", "mail")
    second = ats(c, "jobs", "mail")
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert first.stdout.strip() == "delivered 1, deferred 0, abandoned 0"
    assert second.stdout.strip() == "delivered 0, deferred 0, abandoned 0"
    assert len(smtp.inbox.messages()) == 1 and _outbox(c, message_id)[0] == "delivered"


async def test_no_smtp_server_listening_defers_the_message(database_url: str, s3env: S3Env) -> None:
    from storage.migrate import migrate

    c = build(make_settings(database_url, s3env, ats_smtp_url=f"smtp://127.0.0.1:{free_port()}"))
    await c.startup()
    try:
        if database_url.startswith("sqlite"):
            await migrate()
        message_id = await _queue(c)
        report = await mail.deliver_after_commit(c.deps, [message_id])
        assert report.deferred == 1
        status, sealed, _, error, _, _ = _outbox(c, message_id)
        assert (status, error) == ("pending", "SMTPConnectError") and sealed is not None
    finally:
        await c.shutdown()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_queued_mail_at_rest_holds_no_address_subject_or_body(mailing: Container, smtp: SmtpServer) -> None:
    c = mailing
    smtp.inbox.reply = "451 4.3.0 Try again later"  # so it stays in the outbox
    for application_id in (None, uuid4()):
        if application_id is not None:
            key = await c.deps.blocking(c.deps.vault.new_data_key, application_id)
            async with c.deps.uow.transaction() as tx:
                await tx.add_data_key(DataKeyRow(application_id, key.wrapped, key.key_id, c.deps.clock.now()))
        await mail.deliver_after_commit(c.deps, [await _queue(c, application_id)])
    path = Path(c.settings.ats_database_url[len("sqlite:///") :])
    on_disk = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    assert b"outbox" in on_disk  # the table really is in these files
    for text in (TO, "quillfeather", SUBJECT, "884213", "Zanzibar-lighthouse"):
        assert text.encode() not in on_disk, text
        assert text.encode("utf-16-le") not in on_disk, text


def _make_due(c: Container, message_id: UUID) -> None:
    """Time passes: the backoff's next attempt is now in the past."""
    from tests.e2e.support import sql_exec

    sql_exec(
        c.settings.ats_database_url,
        "UPDATE outbox SET next_attempt_at = $1 WHERE id = $2",
        c.deps.clock.now().replace(year=2000),
        message_id,
    )


def test_the_embedded_server_logs_no_address(caplog: pytest.LogCaptureFixture) -> None:
    """aiosmtpd logs each envelope's sender and recipients at INFO: not ours (DESIGN §10)."""
    import smtplib
    from email.message import EmailMessage

    caplog.set_level(logging.DEBUG)
    with SmtpServer() as server:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "jobs@example.com", "cand.x@example.org", "Hi"
        message.set_content("Body")
        with smtplib.SMTP(server.host, server.port, timeout=10) as client:
            client.send_message(message)
        assert server.inbox.messages()
    assert "cand.x@example.org" not in caplog.text
