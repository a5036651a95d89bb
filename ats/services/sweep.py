"""Orphan sweep: objects no database row points at (a crash between the object write and the
row's commit, DESIGN §5) are deleted after a grace period; rows whose object is gone are
reported, never silently dropped."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from ats.domain.records import APPLICATIONS_PREFIX
from ats.services.deps import Deps

GRACE = timedelta(hours=1)  # longer than any intake request can take between put and commit


@dataclass
class SweepReport:
    orphans_deleted: int = 0
    orphans_young: int = 0
    missing_objects: int = 0
    failed: int = 0
    missing: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "orphans_deleted": self.orphans_deleted,
            "orphans_young": self.orphans_young,
            "missing_objects": self.missing_objects,
            "failed": self.failed,
            "missing": self.missing[:100],
        }


async def sweep_orphans(deps: Deps, *, grace: timedelta = GRACE) -> SweepReport:
    # List first, then read the rows: an object written after the listing cannot be taken
    # for an orphan, and one whose row commits after it is still young.
    stored = await deps.blocking(deps.vault.list_versions, APPLICATIONS_PREFIX)
    known = await deps.uow.repo.all_record_versions()
    now = deps.clock.now()
    report = SweepReport()
    orphans = []
    for version in stored:
        if (version.key, version.version_id) in known:
            continue
        if now - version.last_modified >= grace:
            orphans.append((version.key, version.version_id))
        else:
            report.orphans_young += 1
    present = {(v.key, v.version_id) for v in stored}
    missing = sorted(k for k, _ in known - present)
    report.missing_objects = len(missing)
    report.missing = missing
    if orphans:
        failed = await deps.blocking(deps.vault.delete_versions, orphans)
        report.failed = len(failed)
        report.orphans_deleted = len(orphans) - len(failed)
    return report
