"""The audit trail read and proven (issue 11 item 3): one listing used by the panel and
`ats audit list`, signed checkpoints of the chain head (hourly and at shutdown), and
`ats audit verify`, which streams the chain against them (ats.domain.audit_checkpoints)."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from ats.domain import audit_checkpoints as cps
from ats.domain.actors import CANDIDATE, Actor
from ats.domain.errors import NotFound, ValidationError
from ats.domain.model import AuditEvent, Role
from ats.ports_audit import AuditFilter, AuditSeal, CheckpointExists
from ats.services import access
from ats.services.deps import Deps

log = logging.getLogger("ats.audit")

MAX_LIMIT = 1000
VERIFY_PAGE = 5000  # events per page of `verify`: memory is bounded by this, not the chain
NAME = re.compile(r"^[A-Za-z0-9:._@-]{1,100}$")  # actors (user:<uuid>, cli:<login>, system) and actions


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent]
    next_after: int | None  # pass as `after` for the next page; None on the last one


def _officer(actor: Actor | None) -> None:
    # None: the operator at the server's shell (`ats audit list`), who could read the database.
    if actor is not None and access.role_of(actor) is not Role.PRIVACY_OFFICER:
        raise NotFound("This page does not exist.")


def _time(value: object, name: str) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise ValidationError(f"{name} must be an ISO date or time, e.g. 2026-12-01 or 2026-12-01T09:00Z.", field=name) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _int(value: object, name: str, *, low: int, high: int, default: int) -> int:
    if value in (None, ""):
        return default
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ValidationError(f"{name} must be a whole number.", field=name) from None
    if not low <= number <= high:
        raise ValidationError(f"{name} must be between {low} and {high}.", field=name)
    return number


def parse_filter(
    *, application: object = None, actor: object = None, action: object = None, since: object = None, until: object = None
) -> AuditFilter:
    """Form or command-line text to a filter; ValidationError naming the field otherwise."""
    app_id = None
    if application not in (None, ""):
        try:
            app_id = UUID(str(application).strip())
        except ValueError:
            raise ValidationError("application must be an application id (a UUID).", field="application") from None
    names = {}
    for key, value in (("actor", actor), ("action", action)):
        text = str(value).strip() if value not in (None, "") else None
        if text is not None and not NAME.match(text):
            raise ValidationError(f"{key} has letters, digits and : . _ @ - only (at most 100).", field=key)
        names[key] = text
    start, end = _time(since, "since"), _time(until, "until")
    if start and end and end <= start:
        raise ValidationError("until must be after since.", field="until")
    return AuditFilter(application_id=app_id, actor=names["actor"], action=names["action"], since=start, until=end)


async def list_events(deps: Deps, actor: Actor | None, where: AuditFilter, *, after: object = None, limit: object = None) -> AuditPage:
    """Events matching `where`, in sequence order, keyset-paged by sequence number."""
    _officer(actor)
    after_seq = _int(after, "after", low=0, high=2**62, default=0)
    size = _int(limit, "limit", low=1, high=MAX_LIMIT, default=50)
    rows = await deps.uow.repo.audit_page(where, after_seq=after_seq, limit=size + 1)
    more = len(rows) > size
    rows = rows[:size]
    return AuditPage(rows, rows[-1].seq if more and rows else None)


def event_dict(event: AuditEvent) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "at": event.at.astimezone(UTC).isoformat(),
        "actor": event.actor,
        "action": event.action,
        "application_id": str(event.application_id) if event.application_id else None,
        "position_id": str(event.position_id) if event.position_id else None,
        "record_id": str(event.record_id) if event.record_id else None,
        "details": event.details,
        "hash": event.hash,
    }


async def candidate_link_read(deps: Deps, application_id: UUID) -> None:
    """A candidate read their page behind a signed link (offer, consent, report copy): one
    action for all of them, application id only, so the trail does not tell which (the report
    link exists only after a pre-adverse notice; UK GDPR Art. 10)."""
    await deps.audit(CANDIDATE, "candidate_link.viewed", application_id=application_id)


# Checkpoints


@dataclass
class CheckpointReport:
    written: int = 0
    number: int = 0
    seq: int = 0
    skipped: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"written": self.written, "number": self.number, "seq": self.seq, "skipped": self.skipped}


def _latest(seal: AuditSeal) -> cps.SignedCheckpoint | None:
    keys = seal.store.list_keys()
    # A malformed latest object raises: the series cannot be continued, and the job's failure
    # is the alert (a deleted or damaged checkpoint is for a person to look at).
    return cps.decode(seal.store.get(keys[-1])) if keys else None


def _write(seal: AuditSeal, seq: int, hash_: str, now: datetime) -> cps.Checkpoint:
    for _ in range(3):
        checkpoint = cps.following(_latest(seal), seq=seq, hash=hash_, now=now)
        signed = cps.SignedCheckpoint(checkpoint, seal.signer.sign(checkpoint.message()), seal.signer.key_id)
        try:
            seal.store.put_new(cps.object_key(checkpoint.number), cps.encode(signed))
            return checkpoint
        except CheckpointExists:
            continue  # another replica took this number: chain after its checkpoint instead
    raise RuntimeError("could not take a checkpoint number after three tries")


async def checkpoint(deps: Deps) -> CheckpointReport:
    """Sign the chain head and write it as the next checkpoint (hourly job and at shutdown)."""
    seal = deps.audit_seal
    if seal is None:
        return CheckpointReport(skipped="no signing key (ATS_AUDIT_SIGNING_KEY_ID)")
    seq, hash_ = await deps.uow.repo.audit_head()
    written = await deps.blocking(_write, seal, seq, hash_, deps.clock.now())
    log.info("audit checkpoint %s at seq %s", written.number, written.seq)
    return CheckpointReport(written=1, number=written.number, seq=written.seq)


async def checkpoint_at_shutdown(deps: Deps) -> None:
    """The web app's lifespan and `ats jobs run` on their way out: never stops the shutdown."""
    try:
        await checkpoint(deps)
    except Exception as exc:
        log.error("audit checkpoint at shutdown failed: %s", type(exc).__name__)


# Verification


@dataclass
class VerifyReport:
    events: int = 0
    head_seq: int = 0
    checkpoints: int = 0
    latest_checkpoint: dict[str, Any] | None = None
    problems: list[cps.Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_bad_seq(self) -> int | None:
        return self.problems[0].seq if self.problems else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "events": self.events,
            "head_seq": self.head_seq,
            "checkpoints": self.checkpoints,
            "latest_checkpoint": self.latest_checkpoint,
            "first_bad_seq": self.first_bad_seq,
            "problems": [p.as_dict() for p in self.problems],
        }


# Checkpoints come every hour (jobs/scheduler.py): an event waiting longer than this for one is
# unproven (a deleted newest checkpoint, or a stopped jobs service).
UNSEALED_WAIT = timedelta(hours=2)


def _load_checkpoints(seal: AuditSeal) -> list[tuple[str, cps.SignedCheckpoint | None, bool]]:
    found: list[tuple[str, cps.SignedCheckpoint | None, bool]] = []
    for key in seal.store.list_keys():
        try:
            signed = cps.decode(seal.store.get(key))
        except ValueError:
            found.append((key, None, False))
            continue
        found.append((key, signed, seal.signer.verify(signed.checkpoint.message(), signed.signature)))
    return found


class Unverifiable(Exception):
    """No signing key configured: the chain cannot be checked against checkpoints."""


async def verify(deps: Deps, *, page: int = VERIFY_PAGE) -> VerifyReport:
    """Check the whole chain against the signed checkpoints, streaming it page by page."""
    seal = deps.audit_seal
    if seal is None:
        raise Unverifiable("ATS_AUDIT_SIGNING_KEY_ID is not set: there are no checkpoints to verify against")
    # Checkpoints first: each one then names a head already committed when the chain is read.
    found = await deps.blocking(_load_checkpoints, seal)
    trusted, series_problems = cps.check_series(found)
    series_problems += cps.replaced(trusted, await deps.blocking(seal.store.replaced_keys))
    check = cps.ChainCheck(trusted)
    everything = AuditFilter()
    after = 0
    while True:
        rows = await deps.uow.repo.audit_page(everything, after_seq=after, limit=page)
        if not rows:
            break
        check.feed(rows)
        after = rows[-1].seq
    head_seq, _ = await deps.uow.repo.audit_head()
    problems = check.finish() + series_problems
    problems += cps.unsealed(trusted, check.first_unsealed_at, deps.clock.now(), wait=UNSEALED_WAIT)
    if head_seq > check.seq and not any(p.kind == "truncated" for p in problems):
        # The head row outlived the events: someone deleted the chain's tail.
        problems.append(cps.Problem("truncated", check.seq + 1, f"the chain ends at seq {check.seq}, the head says {head_seq}"))
    latest = trusted[-1] if trusted else None
    return VerifyReport(
        events=check.events,
        head_seq=check.seq,
        checkpoints=len(found),
        latest_checkpoint={"number": latest.number, "seq": latest.seq, "at": latest.at.isoformat()} if latest else None,
        problems=sorted(problems, key=lambda p: p.seq),
    )
