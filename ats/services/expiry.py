"""Scheduled expiry (invariants 4, 5, 8): erase every application whose retention has run out.

Per batch: (1) claim the applications and destroy their data keys, commit; (2) delete every
stored object version with DeleteObjects; (3) delete the rows, write tombstones and audit
events, commit. A crash after (1) leaves unreadable objects and a claim that expires; the next
run re-claims and finishes. Deleting an already deleted version is a no-op in S3.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from ats.domain.actors import SYSTEM, Actor
from ats.domain.errors import ValidationError
from ats.ports import Claimed, TombstoneRow
from ats.services import record_retention
from ats.services.deps import Deps

BATCH = 5000  # ~24 statements (+ re-prepares on PostgreSQL) and 15 S3 requests per batch
# A claim's lifetime. A run killed mid-batch leaves claims that the next run takes over once
# they lapse; a live worker finishes a batch in seconds, far inside it.
LEASE = timedelta(minutes=5)
REASON = "retention-expired"
log = logging.getLogger(__name__)


@dataclass
class ExpiryReport:
    as_of: str
    dry_run: bool
    erased: int = 0
    held: int = 0
    restricted: int = 0  # due but restricted at the candidate's request (GDPR Art. 18(1)(c))
    failed: int = 0
    due: int = 0
    # Records erased alone because their own rule ran out first (DESIGN §12), and those due.
    records_erased: int = 0
    records_due: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "as_of": self.as_of,
            "dry_run": self.dry_run,
            "erased": self.erased,
            "held": self.held,
            "restricted": self.restricted,
            "failed": self.failed,
            "due": self.due,
            "records_erased": self.records_erased,
            "records_due": self.records_due,
            "errors": self.errors,
        }


def check_as_of(as_of: datetime, now: datetime, *, production: bool) -> None:
    if as_of.tzinfo is None:
        raise ValidationError("Give --as-of with a time zone, e.g. 2030-11-22T00:00:00Z.", field="as_of")
    if production and as_of > now:
        raise ValidationError("A future --as-of is refused in production: it would erase early.", field="as_of")


async def erase_due(
    deps: Deps,
    *,
    as_of: datetime | None = None,
    dry_run: bool = False,
    production: bool = False,
    batch: int = BATCH,
    lease: timedelta = LEASE,
    progress: Callable[[int], None] | None = None,
    crash_after: str | None = None,
) -> ExpiryReport:
    """Erase due applications neither held nor restricted. `crash_after` names a phase after which the process
    kills itself (tests of invariant 8 only)."""
    now = deps.clock.now()
    as_of = as_of or now
    check_as_of(as_of, now, production=production)
    repo = deps.uow.repo
    report = ExpiryReport(as_of=as_of.isoformat(), dry_run=dry_run)
    report.held = await repo.count_held_due(as_of)
    report.restricted = await repo.count_restricted_due(as_of)
    if dry_run:
        report.due = await repo.count_due(as_of)
        report.records_due = await repo.count_records_due(as_of, skip_types=record_retention.SKIP_TYPES)
        return report
    # Records whose own shorter rule ran out go first, one by one; their applications stay.
    records = await record_retention.erase_due_records(deps, as_of=as_of, batch=batch)
    report.records_erased = records.erased
    report.failed += records.failed
    report.errors += records.errors
    worker = uuid.uuid4().hex
    while True:
        now = deps.clock.now()
        async with deps.uow.transaction() as tx:
            claims = await tx.claim_due(
                as_of=as_of, worker=worker, now=now, lease_until=now + lease, limit=batch
            )
            _maybe_crash(crash_after, "claimed")  # inside the open transaction
            if claims:
                await tx.append_audit(
                    [
                        deps.event(
                            SYSTEM,
                            "erasure.keys_destroyed",
                            details={"applications": len(claims), "worker": worker},
                        )
                    ]
                )
        if not claims:
            return report
        _maybe_crash(crash_after, "keys_destroyed")
        erased, failed = await finish_erasures(deps, claims, worker, actor=SYSTEM, reason=REASON, crash_after=crash_after)
        for claim in failed:
            report.errors.append({"application_id": str(claim.application_id), "error": "object deletion failed"})
        report.failed += len(failed)
        report.erased += len(erased)
        if progress:
            progress(report.erased)
        if len(claims) < batch and not failed:
            return report


async def finish_erasures(
    deps: Deps, claims: list[Claimed], worker: str, *, actor: Actor, reason: str, crash_after: str | None = None
) -> tuple[set[UUID], list[Claimed]]:
    """Phases (2) and (3) for claims whose keys are destroyed: delete every object version,
    then the rows, with tombstones and audit events. Returns the ids erased by this call and
    the claims whose objects could not all be deleted (left claimed: a later run finishes
    them). Shared by expiry and erasure on request (ats.services.rights)."""
    versions = [v for c in claims for v in c.versions]
    failed_versions = set(await deps.blocking(deps.vault.delete_versions, versions))
    _maybe_crash(crash_after, "objects_deleted")
    done, failed = [], []
    for claim in claims:
        (failed if failed_versions.intersection(claim.versions) else done).append(claim)
    erased: set[UUID] = set()
    if done:
        erased_at = deps.clock.now()
        async with deps.uow.transaction() as tx:
            # A claim made with its own reason (an erasure on request left to this job) keeps it.
            erased = await tx.complete_erasures(done, worker, [_tombstone(c, erased_at, c.reason or reason) for c in done])
            if erased:
                await tx.append_audit(
                    [
                        deps.event(
                            actor,
                            "application.erased",
                            application_id=c.application_id,
                            position_id=c.position_id,
                            details={"reason": c.reason or reason, "versions_deleted": len(c.versions)},
                        )
                        for c in done
                        if c.application_id in erased
                    ]
                )
    if erased and not await deps.uow.scrub_after_erasure():
        # Readers held the log past the busy timeout; the next batch or run truncates it.
        log.warning("expiry: write-ahead log not truncated after an erasure batch (busy)")
    return erased, failed


def _tombstone(claim: Claimed, erased_at: datetime, reason: str = REASON) -> TombstoneRow:
    return TombstoneRow(
        application_id=claim.application_id,
        reference=claim.reference,
        position_id=claim.position_id,
        submitted_at=claim.submitted_at,
        retention_until=claim.retention_until,
        erased_at=erased_at,
        reason=reason,
        records_erased=len(claim.versions),
        versions_deleted=len(claim.versions),
    )


def _maybe_crash(crash_after: str | None, phase: str) -> None:
    if crash_after == phase:
        import os
        import signal

        os.kill(os.getpid(), signal.SIGKILL)
