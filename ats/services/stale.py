"""Stale positions (issue 11 item 6). The four-year clock starts when hiring concludes, so a
position left open keeps its rejected and withdrawn candidates for ever (GDPR Art. 5(1)(e),
storage limitation). Positions open longer than ATS_STALE_POSITION_MONTHS (default 12) are
flagged on the retention dashboard and by the daily oversight job; the privacy officer can ask
the assigned recruiters to conclude one (mailed through the outbox, audited with ids only).

The daily job also purges the hold history (legal_holds) of applications erased since: its
reasons are a privacy officer's free text and may name the person."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from ats.domain.actors import Actor
from ats.domain.errors import Conflict, NotFound
from ats.domain.model import Role
from ats.domain.oversight import stale_cutoff
from ats.ports_oversight import StaleRow
from ats.services import access, mail
from ats.services.deps import Deps

MAIL_KIND = "position.conclusion_requested"


async def stale_positions(deps: Deps) -> tuple[datetime, list[StaleRow]]:
    """(the cutoff, positions opened before it and still open, oldest first)."""
    cutoff = stale_cutoff(deps.clock.now(), deps.oversight.stale_position_months)
    return cutoff, await deps.uow.repo.stale_positions(cutoff)


async def ask_to_conclude(deps: Deps, actor: Actor, position_id: UUID) -> int:
    """Mail each active recruiter assigned to this stale position asking them to conclude it.
    Privacy officers only (anyone else: 404). Returns how many were asked."""
    if access.role_of(actor) is not Role.PRIVACY_OFFICER:
        raise NotFound("There is no such position.")
    cutoff, stale = await stale_positions(deps)
    row = next((s for s in stale if s.position_id == position_id), None)
    async with deps.uow.transaction() as tx:
        position = await tx.get_position(position_id)
        if position is None:
            raise NotFound("There is no such position.")
        if row is None:
            raise Conflict(
                f"This position is not stale: it is concluded, or opened after {cutoff.date().isoformat()}.",
                code="not_stale",
            )
        users = [await tx.get_user(a.user_id) for a in await tx.list_assignments(position_id)]
        recruiters = [u for u in users if u is not None and u.active and u.role is Role.RECRUITER]
        if not recruiters:
            raise Conflict(
                "No active recruiter is assigned to this position: ask an admin to assign one first.",
                code="no_recruiter",
            )
        link = f"{deps.public_url.rstrip('/')}/admin/positions/{position_id}"
        body = (
            f'The position "{position.title}" ({position.jurisdiction}) has been open since '
            f"{position.created_at.date().isoformat()}, with {row.waiting} application(s) on it.\n\n"
            "Candidates' data is kept for four years after hiring concludes; while the position stays "
            "open, rejected and withdrawn candidates are kept without end. Please conclude it "
            "(filled, closed or cancelled) or tell the privacy officer why it must stay open:\n"
            f"{link}\n"
        )
        ids = [
            await mail.queue(deps, tx, kind=MAIL_KIND, to=u.email, subject="Please conclude a stale position", body=body)
            for u in recruiters
        ]
        await tx.append_audit(
            [deps.event(actor, MAIL_KIND, position_id=position_id, details={"recipients": len(ids)})]
        )
    await mail.deliver_after_commit(deps, ids)
    return len(ids)


@dataclass
class OversightReport:
    stale_positions: int = 0
    waiting_applications: int = 0
    hold_history_purged: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "stale_positions": self.stale_positions,
            "waiting_applications": self.waiting_applications,
            "hold_history_purged": self.hold_history_purged,
            "failed": 0,
            "errors": self.errors,
        }


async def daily(deps: Deps) -> OversightReport:
    """The daily oversight job (jobs/scheduler.py): stale positions counted into the job run the
    dashboard shows; hold history of erased applications purged."""
    _, stale = await stale_positions(deps)
    report = OversightReport(stale_positions=len(stale), waiting_applications=sum(s.waiting for s in stale))
    async with deps.uow.transaction() as tx:
        report.hold_history_purged = await tx.purge_hold_history()
    return report
