"""Mail through the outbox (DESIGN §10).

Use, inside the transaction of the change that causes the message, then after it commits:

    async with deps.uow.transaction() as tx:
        ...                                     # the change itself
        message_id = await mail.queue(
            deps, tx, kind="application.duplicate", to=email, subject=subject, body=body,
            application_id=existing.id,         # optional: seals with that application's key
        )
    await mail.deliver_after_commit(deps, [message_id])   # best effort; never raises

- `queue` validates (ValidationError on a bad address, a multi-line subject, an empty body)
  and writes one sealed outbox row in `tx`: no message without the change, no change without
  its message. With `application_id` the row is sealed with that application's data key (an
  unwrap through the keyring, cached per branch key) and erased with the application; without
  it, with the service key (storage/outbox_crypto.py explains the choice).
- `deliver_after_commit` sends those messages now, from this process. Anything that fails
  stays pending and `deliver` (the `ats jobs mail` job, and the schedule every minute) retries
  it with exponential backoff (ats.domain.outbox), giving up after MAX_ATTEMPTS.
- A sender claims a message before sending it (attempts + 1, due again only after a lease), so
  the after-commit send and the job never both send one; a process killed between the SMTP
  reply and the bookkeeping leaves the message to be sent again once the lease ends (SMTP is
  at least once: RFC 5321 §6.1 says the same of relays).
- Once delivered, the sealed recipient, subject and body are deleted; the row keeps its id,
  kind, application and times, and the audit trail gets `mail.delivered` (ids only).
- Logs and errors carry message ids, kinds and SMTP codes, never an address or a body.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from uuid import UUID, uuid4

from ats.domain import outbox
from ats.domain.actors import SYSTEM, Actor, require_role
from ats.domain.errors import NotFound
from ats.domain.model import Role
from ats.ports import (
    KeyAccessDenied,
    MailDeferred,
    MailRejected,
    OutboxRow,
    OutgoingMail,
    ReceivedMail,
    Repository,
)
from ats.services.deps import Deps

log = logging.getLogger("ats.mail")

BATCH = 100
DELIVERED, ABANDONED, PENDING = "delivered", "abandoned", "pending"


@dataclass
class MailReport:
    delivered: int = 0
    deferred: int = 0
    abandoned: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "delivered": self.delivered,
            "deferred": self.deferred,
            "abandoned": self.abandoned,
            "failed": 0,  # a deferred message is not a failed run: it is retried later
            "errors": self.errors,
        }


async def queue(
    deps: Deps,
    tx: Repository,
    *,
    kind: str,
    to: str,
    subject: str,
    body: str,
    application_id: UUID | None = None,
) -> UUID:
    """Write one sealed message to the outbox inside `tx`; return its id (see module doc)."""
    draft = outbox.draft(kind=kind, to=to, subject=subject, body=body)
    message_id = uuid4()
    app_key = await _application_key(deps, tx, application_id)
    sealed = deps.mail.cipher.seal(message_id, application_id, app_key, draft.to_bytes())
    now = deps.clock.now()
    await tx.add_outbox(  # type: ignore[attr-defined]
        OutboxRow(
            id=message_id,
            kind=kind,
            application_id=application_id,
            created_at=now,
            sealed=sealed,
            app_key=app_key is not None,
            status=PENDING,
            next_attempt_at=now,
        )
    )
    return message_id


async def deliver_after_commit(deps: Deps, ids: Sequence[UUID]) -> MailReport:
    """Send these just-committed messages now. Never raises: the request that caused them has
    succeeded already, and `ats jobs mail` retries whatever did not go."""
    try:
        return await _deliver(deps, list(ids))
    except Exception as exc:  # the outbox row is committed; the job will send it
        log.warning("mail after commit failed (%s); left for `ats jobs mail`", type(exc).__name__)
        return MailReport(errors=[{"error": type(exc).__name__}])


async def deliver(deps: Deps, *, limit: int = BATCH) -> MailReport:
    """Send every pending message that is due (the `ats jobs mail` job)."""
    return await _deliver(deps, None, limit=limit)


async def _deliver(deps: Deps, ids: list[UUID] | None, *, limit: int = BATCH) -> MailReport:
    report = MailReport()
    while True:
        now = deps.clock.now()
        async with deps.uow.transaction() as tx:
            claimed = await tx.claim_outbox(  # type: ignore[attr-defined]
                now=now, lease_until=now + outbox.LEASE, limit=limit, ids=ids
            )
        for row in claimed:
            await _send_one(deps, row, report)
        # Every claimed row is now delivered, abandoned or due later: the loop ends.
        if ids is not None or len(claimed) < limit:
            return report


async def _send_one(deps: Deps, row: OutboxRow, report: MailReport) -> None:
    draft = await _open(deps, row)
    if draft is None:
        await _finish(deps, row, ABANDONED, "unreadable", report)
        return
    message = OutgoingMail(row.id, deps.mail.sender, draft.to, draft.subject, draft.body)
    try:
        await deps.mail.mailer.send(message)
    except MailRejected as exc:
        await _finish(deps, row, ABANDONED, _short(exc), report)
        return
    except Exception as exc:  # MailDeferred, or anything unexpected: try later
        later = outbox.next_attempt(deps.clock.now(), row.attempts)
        if later is None:
            await _finish(deps, row, ABANDONED, _short(exc), report)
            return
        async with deps.uow.transaction() as tx:
            await tx.outbox_retry(row.id, at=later, error=_short(exc))  # type: ignore[attr-defined]
        report.deferred += 1
        report.errors.append({"message": str(row.id), "error": _short(exc)})
        log.info("mail %s (%s) deferred after attempt %d: %s", row.id, row.kind, row.attempts, _short(exc))
        return
    await _finish(deps, row, DELIVERED, None, report)


def audited_kind(kind: str) -> str:
    """The mail's kind as the audit trail keeps it: background-check mail only as `background`
    (a notice kind next to an application id would reveal an adverse result, UK GDPR Art. 10)."""
    return "background" if kind.startswith("background.") else kind


async def _finish(deps: Deps, row: OutboxRow, status: str, error: str | None, report: MailReport) -> None:
    """Delivered or abandoned: the sealed content goes, ids and times stay, audited."""
    async with deps.uow.transaction() as tx:
        await tx.outbox_finished(row.id, status=status, at=deps.clock.now(), error=error)  # type: ignore[attr-defined]
        details: dict[str, str | int | bool | None] = {"message": str(row.id), "kind": audited_kind(row.kind), "attempts": row.attempts}
        if error:
            details["error"] = error
        await tx.append_audit([deps.event(SYSTEM, f"mail.{status}", application_id=row.application_id, details=details)])
    if status == DELIVERED:
        report.delivered += 1
    else:
        report.abandoned += 1
        report.errors.append({"message": str(row.id), "error": error or status})
        log.warning("mail %s (%s) abandoned after attempt %d: %s", row.id, row.kind, row.attempts, error)


async def _application_key(deps: Deps, repo: Repository, application_id: UUID | None) -> bytes | None:
    if application_id is None:
        return None
    stored = await repo.get_data_key(application_id)
    if stored is None:
        return None  # no key (yet, or shredded): the service key seals it
    return await deps.blocking(deps.vault.unwrap, application_id, stored.wrapped_key)


async def _open(deps: Deps, row: OutboxRow) -> outbox.Draft | None:
    """The message's plaintext, or None when it can no longer be read (the application's
    key was destroyed by an erasure, or the service secret changed)."""
    if row.sealed is None:
        return None
    try:
        key = None
        if row.app_key:
            key = await _application_key(deps, deps.uow.repo, row.application_id)
            if key is None:
                return None
        return outbox.Draft.from_bytes(deps.mail.cipher.open(row.id, row.application_id, key, row.sealed))
    except KeyAccessDenied:
        return None
    except Exception as exc:  # storage.crypto.IntegrityError and malformed payloads
        log.warning("mail %s cannot be opened: %s", row.id, type(exc).__name__)
        return None


def _short(exc: BaseException) -> str:
    # Our mailers put only class names and SMTP codes in their messages (storage/smtp.py);
    # anything else is reduced to its class name, since a message may echo an address.
    if isinstance(exc, MailDeferred | MailRejected):
        return str(exc)[:200]
    return type(exc).__name__


def development_mailbox(deps: Deps, actor: Actor, *, production: bool) -> list[ReceivedMail]:
    """What the embedded SMTP server received (newest first), never in production (404, as if
    the page did not exist), and only when the embedded server runs. It holds every candidate's
    mail (addresses, links), so only privacy officers, who may see everything (DESIGN §8)."""
    require_role(actor, {Role.PRIVACY_OFFICER})
    if production or deps.mail.inbox is None:
        raise NotFound("This page does not exist.")
    return deps.mail.inbox.messages()
