"""A request's mail survives a crash (DESIGN §10, invariant 8; issue 10 "Crash"): a real process
submits a data-subject request and is killed with SIGKILL after the transaction that wrote the
request and its code mail commits, before the SMTP send. `ats jobs mail` then delivers the code
exactly once, to a real SMTP server (aiosmtpd), and the code works.

tests/integration/test_mail_smtp.py proves the same for a bare outbox message queued in the test;
this one goes through the request service in a separate process that really dies."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from uuid import UUID

import pytest

from ats.bootstrap import Container, build
from ats.services import privacy_requests
from storage.smtp_server import SmtpServer
from tests.conftest import S3Env, make_settings
from tests.e2e.support import sql_all
from tests.helpers import cli_env
from tests.integration.test_cli import ats

ADDRESS = "crash.requester@example.org"

# The child: the service as the app runs it, with the send after commit replaced by a SIGKILL of
# its own process, so the kill lands after the commit and before any SMTP connection.
CHILD = """
import asyncio, os, signal, sys
from ats.bootstrap import build
from ats.settings import load_settings
from ats.services import mail, privacy_requests

async def die(deps, ids):
    print("committed", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)

async def main():
    c = build(load_settings())
    await c.startup()
    mail.deliver_after_commit = die
    await privacy_requests.submit(c.deps, email=sys.argv[1], kind="erasure")

asyncio.run(main())
"""


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture
async def mailing(database_url: str, s3env: S3Env, smtp: SmtpServer) -> AsyncIterator[Container]:
    from storage.migrate import migrate

    c = build(make_settings(database_url, s3env, ats_smtp_url=smtp.url, ats_mail_from="jobs@example.com"))
    await c.startup()
    if database_url.startswith("sqlite"):
        await migrate()
    yield c
    await c.shutdown()


async def test_a_request_killed_between_commit_and_send_is_mailed_by_the_job_exactly_once(
    mailing: Container, smtp: SmtpServer
) -> None:
    c = mailing
    crashed = subprocess.run(
        [sys.executable, "-c", CHILD, ADDRESS], env=cli_env(c.settings), capture_output=True, text=True, timeout=120
    )
    assert crashed.returncode == -9, crashed.stderr  # SIGKILL
    assert crashed.stdout.strip() == "committed"
    [(request_id, status)] = sql_all(c.settings.ats_database_url, "SELECT id, status FROM privacy_requests")
    assert status == "awaiting_verification" and smtp.inbox.messages() == []

    first, second = ats(c, "jobs", "mail"), ats(c, "jobs", "mail")

    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert first.stdout.strip() == "delivered 1, deferred 0, abandoned 0"
    assert second.stdout.strip() == "delivered 0, deferred 0, abandoned 0"
    [message] = smtp.inbox.messages()
    assert message.recipients == (ADDRESS,)
    [code] = re.findall(r"^\s*(\d{6})\s*$", message.body, re.MULTILINE)
    verified = await privacy_requests.verify(c.deps, UUID(str(request_id)), code)
    assert verified.status == "closed"  # verified; the address holds no data, answered by mail
    assert ADDRESS not in first.stdout + first.stderr + second.stdout + second.stderr
