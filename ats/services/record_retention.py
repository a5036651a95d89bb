"""Retention per record (DESIGN §12): each record's expiry set when hiring concludes, its tags
kept in step with the retention table, records erased one by one, and what falls due when.

A record whose own rule runs out before its application's is erased alone: its object versions
deleted (DeleteObjects, 1,000 keys a request), then its row, with an audit event. Its
application keeps its four-year rule; the expiry of the application (ats.services.expiry) takes
whatever is left and writes the tombstone. A legal hold or a restriction on the application
keeps every record of it. The data key is the application's, so a single record cannot be
crypto-shredded: its ciphertext versions are deleted instead. A crash after the objects went
leaves rows whose versions are gone; the next run deletes them again (S3 answers a delete of a
missing version as done) and then the rows (invariant 8), as the exports purge does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

import anyio

from ats.domain.actors import SYSTEM, Actor
from ats.domain.errors import NotFound
from ats.domain.model import Record, RecordType, Role
from ats.domain.oversight import month_bounds, month_label
from ats.domain.records import tags_for
from ats.domain.retention import expires_on_tag
from ats.domain.retention_rules import ANY, RetentionTable, record_expiry
from ats.policy_retention import retention_table
from ats.ports_record_retention import ExpectedRules
from ats.services import access
from ats.services.deps import Deps

REASON = "retention-expired"
# The hourly exports job purges exports (ats.services.exports.purge_expired, the same 7 days).
SKIP_TYPES = (RecordType.EXPORT.value,)


async def stamp_on_conclusion(deps: Deps, tx, position_id: UUID, concluded_at: datetime) -> None:  # type: ignore[no-untyped-def]
    """Inside the conclusion's transaction: every record still without an expiry gets its own,
    from its rule (the `expires-on` tag follows through the hourly retag job, S3 first)."""
    table = retention_table()
    pending = await tx.position_records_pending(position_id)
    for record in pending:
        rule = table.rule_for(record.record_type, record.jurisdiction)
        if rule.label == record.retention_rule:  # a changed rule is the retag job's, tags first
            record.expires_at = record_expiry(rule, created_at=record.created_at, hiring_concluded_at=concluded_at)
    await tx.set_record_retention([r for r in pending if r.expires_at is not None])


def expected_rules(table: RetentionTable) -> ExpectedRules:
    by_type: dict[str, tuple[dict[str, str], str]] = {}
    for record_type in RecordType:
        own = {r.jurisdiction: r.label for r in table.rules() if r.record_type is record_type and r.jurisdiction != ANY}
        by_type[record_type.value] = (own, table.rule_for(record_type, ANY).label)
    return ExpectedRules(by_type)


@dataclass
class RetagReport:
    retagged: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)  # record ids only

    def as_dict(self) -> dict:
        return {"retagged": self.retagged, "failed": self.failed, "errors": self.errors[:100]}


async def retag(deps: Deps, *, batch: int = 500, workers: int = 8) -> RetagReport:
    """Bring every record's tags and row to its rule in the table: an `expires-on` date once its
    anchor has come, the rule itself when the table changed (the expiry recomputed), and its
    `location`. S3 first, then the row, so a rerun redoes only what did not reach the database;
    a record that still fails is reported and skipped."""
    table = retention_table()
    expected = expected_rules(table)
    report = RetagReport()
    limiter = anyio.CapacityLimiter(workers)
    while True:
        found = await deps.uow.repo.records_to_retag(expected, batch + len(report.errors))
        found = [(r, c) for r, c in found if str(r.id) not in report.errors]
        if not found:
            return report
        done: list[Record] = []
        async with anyio.create_task_group() as group:
            for record, concluded_at in found:
                rule = table.rule_for(record.record_type, record.jurisdiction)
                record.retention_rule = rule.label
                record.expires_at = record_expiry(rule, created_at=record.created_at, hiring_concluded_at=concluded_at)
                record.expires_on = expires_on_tag(record.expires_at)
                record.location = record.location or deps.vault.location
                group.start_soon(_retag_one, deps, limiter, record, done, report)
        async with deps.uow.transaction() as tx:
            await tx.set_record_retention(done)
        report.retagged += len(done)
        if not done:
            return report


async def _retag_one(
    deps: Deps, limiter: anyio.CapacityLimiter, record: Record, done: list[Record], report: RetagReport
) -> None:
    async with limiter:
        try:
            await deps.blocking(deps.vault.retag, record, tags_for(record))
        except Exception:  # reported by id; the others go on
            report.failed += 1
            report.errors.append(str(record.id))
            return
    done.append(record)


@dataclass
class RecordErasures:
    erased: int = 0
    failed: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)


async def erase_due_records(deps: Deps, *, as_of: datetime, batch: int, actor: Actor = SYSTEM) -> RecordErasures:
    """Erase every record whose own rule has run out, batch by batch (two database round trips
    and a DeleteObjects per 1,000 versions per batch: bench/expiry.py)."""
    result = RecordErasures()
    failed_ids: set[UUID] = set()
    while True:
        due = await deps.uow.repo.records_due(as_of, batch + len(failed_ids), skip_types=SKIP_TYPES)
        due = [r for r in due if r.id not in failed_ids]
        if not due:
            return result
        failed = set(await deps.blocking(deps.vault.delete_versions, [(r.object_key, r.version_id) for r in due]))
        done = [r for r in due if (r.object_key, r.version_id) not in failed]
        for r in due:
            if (r.object_key, r.version_id) in failed:
                failed_ids.add(r.id)
                result.failed += 1
                result.errors.append({"record_id": str(r.id), "error": "object deletion failed"})
        if done:
            async with deps.uow.transaction() as tx:
                gone = await tx.delete_records([r.id for r in done])
                await tx.append_audit(
                    [
                        deps.event(
                            actor,
                            "record.erased",
                            application_id=g.application_id,
                            record_id=g.id,
                            details={"reason": REASON, "record_type": g.record_type, "rule": g.retention_rule},
                        )
                        for g in gone
                    ]
                )
            result.erased += len(gone)
        if len(due) < batch or not done:
            return result


@dataclass(frozen=True)
class UpcomingMonth:
    month: str  # YYYY-MM
    applications: int  # applications (not held) whose four-year rule runs out that month
    records: int  # records (not held) whose own shorter rule runs out that month, before their application's

    @property
    def total(self) -> int:
        return self.applications + self.records


async def upcoming(deps: Deps, actor: Actor, months: int = 24) -> list[UpcomingMonth]:
    """What will be erased from now to the end of this month and in each of the next
    `months - 1`, per month (UTC), for the retention dashboard: what is due already is overdue,
    not upcoming. Privacy officers only (anyone else: 404, as ats.services.access)."""
    if access.role_of(actor) is not Role.PRIVACY_OFFICER:
        raise NotFound("There is no such page.")
    bounds = month_bounds(deps.clock.now(), months)
    repo = deps.uow.repo
    apps = await repo.count_due_between(bounds)
    records = await repo.count_records_due_between(bounds, skip_types=SKIP_TYPES)
    return [UpcomingMonth(month_label(b), a, r) for b, a, r in zip(bounds, apps, records, strict=False)]
