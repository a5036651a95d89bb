"""Mail through the outbox (DESIGN §10) on the in-memory fakes: queue inside the transaction,
delivery after commit, retries with backoff, abandonment, keys, the development mailbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from ats.domain import outbox
from ats.domain.actors import CANDIDATE, staff
from ats.domain.errors import Forbidden, NotFound, ValidationError
from ats.domain.model import DataKeyRow, Role
from ats.services import mail
from ats.services.deps import Deps
from ats.services.mailroom import Mailroom
from ats.settings import SettingsError, load_settings, parse_smtp_url
from storage.crypto import IntegrityError
from storage.mailbox import MemoryMailer
from storage.memory import FixedClock, MemoryBlobStore, MemoryKeyProvider, MemoryUnitOfWork
from storage.outbox_crypto import OutboxCipher
from storage.vault import RecordVault

TO = "person.4471@example.org"
BODY = "Your code is\n731904\n"


def _deps() -> tuple[Deps, MemoryMailer, FixedClock]:
    mailer, clock = MemoryMailer(), FixedClock()
    deps = Deps(
        uow=MemoryUnitOfWork(),
        vault=RecordVault(MemoryKeyProvider(), MemoryBlobStore()),
        clock=clock,
        mail=Mailroom(mailer=mailer, cipher=OutboxCipher("s" * 40), sender="jobs@example.com"),
    )
    return deps, mailer, clock


async def _queue(deps: Deps, **kwargs: object) -> object:
    async with deps.uow.transaction() as tx:
        return await mail.queue(
            deps, tx, kind=str(kwargs.pop("kind", "privacy.code")), to=TO, subject="Your code", body=BODY, **kwargs
        )


def test_backoff_doubles_from_a_minute_and_is_capped() -> None:
    assert [outbox.retry_delay(n) for n in (1, 2, 3, 4)] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert outbox.retry_delay(30) == outbox.MAX_RETRY
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert outbox.next_attempt(now, 1) == now + timedelta(minutes=1)
    assert outbox.next_attempt(now, outbox.MAX_ATTEMPTS) is None


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("to", {"to": "not-an-address"}),
        ("to", {"to": "a@example.com\r\nBcc: b@example.com"}),
        ("subject", {"subject": "Hello\r\nBcc: b@example.com"}),
        ("subject", {"subject": ""}),
        ("body", {"body": ""}),
        ("kind", {"kind": "Duplicate!"}),
    ],
)
async def test_a_bad_message_is_refused_and_nothing_is_queued(field: str, kwargs: dict[str, str]) -> None:
    deps, _, _ = _deps()
    values = {"kind": "privacy.code", "to": TO, "subject": "S", "body": "B", **kwargs}
    with pytest.raises(ValidationError) as caught:
        async with deps.uow.transaction() as tx:
            await mail.queue(deps, tx, **values)
    assert caught.value.field == field
    assert await deps.uow.repo.list_outbox() == []


async def test_delivered_after_commit_then_the_content_is_gone_and_audited() -> None:
    deps, mailer, _ = _deps()
    message_id = await _queue(deps)
    row = await deps.uow.repo.get_outbox(message_id)
    assert row.status == "pending" and row.sealed and TO.encode() not in row.sealed and b"731904" not in row.sealed

    report = await mail.deliver_after_commit(deps, [message_id])

    assert report.delivered == 1
    assert [(m.to, m.subject, m.body, m.sender) for m in mailer.sent] == [(TO, "Your code", BODY, "jobs@example.com")]
    row = await deps.uow.repo.get_outbox(message_id)
    assert (row.status, row.sealed, row.kind, row.attempts) == ("delivered", None, "privacy.code", 1)
    event = deps.uow.repo.audit[-1]
    assert event.action == "mail.delivered" and event.details["message"] == str(message_id)
    assert TO not in repr(deps.uow.repo.audit) and "731904" not in repr(deps.uow.repo.audit)


async def test_no_message_without_its_change() -> None:
    deps, _, _ = _deps()
    with pytest.raises(RuntimeError):
        async with deps.uow.transaction() as tx:
            await mail.queue(deps, tx, kind="privacy.code", to=TO, subject="S", body="B")
            raise RuntimeError("the change failed")
    assert await deps.uow.repo.list_outbox() == []


async def test_a_deferred_message_waits_for_its_backoff_then_goes() -> None:
    deps, mailer, clock = _deps()
    message_id = await _queue(deps)
    mailer.fail = "defer"
    report = await mail.deliver_after_commit(deps, [message_id])
    row = await deps.uow.repo.get_outbox(message_id)
    assert report.deferred == 1 and row.status == "pending" and row.sealed is not None
    assert row.next_attempt_at == clock.now() + timedelta(minutes=1) and row.last_error == "MemoryMailer deferred"

    mailer.fail = None
    assert (await mail.deliver(deps)).delivered == 0  # not due yet
    clock.advance(seconds=61)
    assert (await mail.deliver(deps)).delivered == 1
    assert len(mailer.sent) == 1 and (await deps.uow.repo.get_outbox(message_id)).sealed is None


async def test_a_claimed_message_is_not_sent_twice_while_its_lease_runs() -> None:
    deps, mailer, clock = _deps()
    message_id = await _queue(deps)
    async with deps.uow.transaction() as tx:  # another sender took it and has not finished
        assert [r.id for r in await tx.claim_outbox(now=clock.now(), lease_until=clock.now() + outbox.LEASE, limit=10)] == [message_id]
    assert (await mail.deliver_after_commit(deps, [message_id])).delivered == 0
    assert (await mail.deliver(deps)).delivered == 0
    clock.advance(seconds=outbox.LEASE.total_seconds() + 1)  # that sender died: the lease lapses
    assert (await mail.deliver(deps)).delivered == 1 and len(mailer.sent) == 1


async def test_a_permanent_refusal_abandons_the_message_and_drops_its_content() -> None:
    deps, mailer, _ = _deps()
    message_id = await _queue(deps)
    mailer.fail = "reject"
    report = await mail.deliver_after_commit(deps, [message_id])
    row = await deps.uow.repo.get_outbox(message_id)
    assert report.abandoned == 1 and (row.status, row.sealed) == ("abandoned", None)
    assert deps.uow.repo.audit[-1].action == "mail.abandoned"


async def test_after_the_last_attempt_the_message_is_abandoned() -> None:
    deps, mailer, clock = _deps()
    message_id = await _queue(deps)
    mailer.fail = "defer"
    for _ in range(outbox.MAX_ATTEMPTS):
        await mail.deliver(deps)
        clock.advance(hours=7)
    row = await deps.uow.repo.get_outbox(message_id)
    assert (row.status, row.attempts, row.sealed) == ("abandoned", outbox.MAX_ATTEMPTS, None)


async def test_mail_about_an_application_is_sealed_with_its_key_and_dies_with_it() -> None:
    deps, mailer, _ = _deps()
    application_id = uuid4()
    key = deps.vault.new_data_key(application_id)
    async with deps.uow.transaction() as tx:
        await tx.add_data_key(DataKeyRow(application_id, key.wrapped, key.key_id, deps.clock.now()))
    first = await _queue(deps, kind=outbox.DUPLICATE_APPLICATION, application_id=application_id)
    second = await _queue(deps, kind=outbox.DUPLICATE_APPLICATION, application_id=application_id)
    row = await deps.uow.repo.get_outbox(first)
    assert row.app_key and row.application_id == application_id
    # The service key cannot open it, and it cannot be moved to another message id.
    with pytest.raises(IntegrityError):
        deps.mail.cipher.open(first, application_id, None, row.sealed)
    with pytest.raises(IntegrityError):
        deps.mail.cipher.open(second, application_id, key.plaintext, row.sealed)

    assert (await mail.deliver_after_commit(deps, [first])).delivered == 1
    deps.uow.repo.state["data_keys"].pop(application_id)  # erasure destroys the key first
    report = await mail.deliver_after_commit(deps, [second])
    assert report.abandoned == 1 and len(mailer.sent) == 1


async def test_a_failing_mailer_never_fails_the_request() -> None:
    deps, mailer, _ = _deps()
    message_id = await _queue(deps)

    async def broken(message: object) -> None:
        raise ConnectionResetError("peer reset")

    mailer.send = broken  # type: ignore[method-assign]
    report = await mail.deliver_after_commit(deps, [message_id])
    assert report.deferred == 1 and report.errors[0]["error"] == "ConnectionResetError"


def test_duplicate_notice_names_the_position_and_reference_and_the_privacy_contact() -> None:
    subject, body = outbox.duplicate_application_text(
        position_title="Backend Engineer", reference="APP-ABCDEFGHJK", privacy_contact="privacy@example.com"
    )
    outbox.draft(kind=outbox.DUPLICATE_APPLICATION, to=TO, subject=subject, body=body)
    assert "Backend Engineer" in body and "APP-ABCDEFGHJK" in body and "privacy@example.com" in body


def test_development_mailbox_is_for_privacy_officers_and_never_in_production() -> None:
    deps, _, _ = _deps()
    officer = staff(uuid4(), Role.PRIVACY_OFFICER)
    with pytest.raises(NotFound):
        mail.development_mailbox(deps, officer, production=False)  # no embedded server
    deps.mail.inbox = type("Inbox", (), {"messages": lambda self: []})()
    assert mail.development_mailbox(deps, officer, production=False) == []
    with pytest.raises(NotFound):
        mail.development_mailbox(deps, officer, production=True)
    with pytest.raises(Forbidden):
        mail.development_mailbox(deps, CANDIDATE, production=False)
    for role in (Role.RECRUITER, Role.HIRING_MANAGER, Role.ADMIN):  # every candidate's mail: DESIGN §8
        with pytest.raises(Forbidden):
            mail.development_mailbox(deps, staff(uuid4(), role), production=False)


BASE = {
    "ATS_ENV": "development",
    "ATS_DATABASE_URL": "sqlite:///ats.db",
    "ATS_S3_BUCKET": "ats-bucket",
    "ATS_KMS_KEY_ID": "alias/ats",
    "AWS_REGION": "eu-west-2",
    "ATS_SECRET_KEY": "s" * 40,
}


@pytest.mark.parametrize(
    "url", ["http://mail.example.com", "smtp://", "smtp://host:99999", "smtp://user@host:587", "mail.example.com:25"]
)
def test_a_malformed_smtp_url_stops_start_up_naming_it_and_not_the_password(url: str) -> None:
    with pytest.raises(SettingsError, match="ATS_SMTP_URL") as caught:
        load_settings({**BASE, "ATS_SMTP_URL": url.replace("user@", "user:hunter2x@") if "99999" in url else url})
    assert "hunter2x" not in str(caught.value)


def test_production_needs_smtp_and_a_from_address() -> None:
    production = {**BASE, "ATS_ENV": "production", "ATS_PRIVACY_CONTACT": "privacy@example.com"}
    with pytest.raises(SettingsError, match=r"ATS_SMTP_URL: .*required in production") as caught:
        load_settings(production)
    assert "ATS_MAIL_FROM" in str(caught.value)
    with pytest.raises(SettingsError, match="ATS_MAIL_FROM"):
        load_settings({**BASE, "ATS_MAIL_FROM": "jobs at example"})


def test_the_development_from_address_is_itself_valid() -> None:
    """`ats serve --embedded` sets ATS_MAIL_FROM to the development default: it must pass."""
    default = load_settings(BASE).ats_mail_from
    assert load_settings({**BASE, "ATS_MAIL_FROM": default}).ats_mail_from == default


def test_smtp_url_forms() -> None:
    assert parse_smtp_url("smtp://mail.example.com") == parse_smtp_url("smtp://mail.example.com:25")
    tls = parse_smtp_url("smtps://us%40r:p%3Ass@mail.example.com")
    assert (tls.port, tls.implicit_tls, tls.username, tls.password) == (465, True, "us@r", "p:ss")
    plain = parse_smtp_url("smtp://mail.example.com:587")
    assert (plain.port, plain.implicit_tls, plain.username) == (587, False, None)
    settings = load_settings({**BASE, "ATS_SMTP_URL": "smtp://u:pw-7f3k@mail.example.com:587"})
    assert "pw-7f3k" not in repr(settings) and settings.ats_mail_from == "no-reply@ats.localhost"
