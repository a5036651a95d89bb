"""Scope helpers every service uses (DESIGN §8, need to know; rules in ats.domain.access).

Each helper loads what was asked for and checks the actor's scope in a constant number of
queries (the object, its position, one indexed assignment lookup), and answers NotFound for
anything unknown, out of scope or not allowed to this role: ids reveal nothing (OWASP ASVS 4.0.3
V4.1.5, fail securely; DESIGN §8 "404, never 403").

Actors that are not signed-in staff: a candidate gets nothing here. The operator of the server
(`cli:<login>`, ats.domain.actors.cli_operator) and the system's own jobs may see and conclude
any position (as they already could through the database), but never read or act on an
application's contents: reading personal data needs a person with a role on record (the CLI's
`--as-user EMAIL` acts as that person, within their scope).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from ats.domain import access as rules
from ats.domain.access import HIRING_ROLES, Action
from ats.domain.actors import Actor
from ats.domain.errors import ArchivedPosition, Gone, NotFound
from ats.domain.model import Application, Position, Record, Role
from ats.domain.retention import retention_until
from ats.ports import DocumentScope
from ats.services.deps import Deps

NO_POSITION = "There is no such position."
NO_APPLICATION = "There is no such application."
NO_RECORD = "There is no such document."
OPERATOR_ACTIONS = frozenset({Action.SEE_POSITION, Action.CONCLUDE})
ARCHIVED = (
    "Hiring for this position has concluded: its applications are kept for the retention "
    "period only and are no longer available to the hiring team."
)


@dataclass(frozen=True)
class ArchiveSummary:
    """What an archived position shows: no personal data, only counts and dates."""

    position_id: UUID
    title: str
    jurisdiction: str
    outcome: str  # the position's status: open, filled, closed or cancelled
    concluded_at: datetime | None
    retention_until: datetime | None
    counts: dict[str, int]  # applications per status

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "position_id": str(self.position_id),
            "title": self.title,
            "jurisdiction": self.jurisdiction,
            "outcome": self.outcome,
            "concluded_at": self.concluded_at.isoformat() if self.concluded_at else None,
            "retention_until": self.retention_until.isoformat() if self.retention_until else None,
            "counts": dict(self.counts),
            "total": self.total,
        }


def is_operator(actor: Actor) -> bool:
    """The server's operator (CLI without --as-user) or the system's jobs."""
    return actor.kind in ("cli", "system")


def role_of(actor: Actor) -> Role | None:
    return actor.role if actor.kind == "user" else None


def _assignable(actor: Actor) -> bool:
    return actor.kind == "user" and actor.role in HIRING_ROLES and actor.user_id is not None


async def is_assigned(repo: Any, actor: Actor, position_id: UUID) -> bool:
    """One indexed lookup, and only for the roles whose scope is their assignments."""
    if not _assignable(actor):
        return False
    return await repo.is_assigned(position_id, actor.user_id)


def _action(action: str | Action) -> Action:
    return action if isinstance(action, Action) else Action(action)


async def check_position(
    repo: Any,
    actor: Actor,
    position: Position,
    action: str | Action,
    *,
    deps: Deps | None = None,
    assigned: bool | None = None,
) -> bool:
    """Raise NotFound unless `actor` may do `action` on `position` (ArchivedPosition, with the
    summary, when an assigned recruiter or hiring manager asks for a concluded position's
    contents and `deps` is given). Returns whether the actor is assigned. `assigned`: the
    assignment of this actor to this position if already read (visible_document reads it with
    the record); only the roles whose scope is their assignments may be assigned."""
    wanted, role = _action(action), role_of(actor)
    if is_operator(actor):
        if wanted in OPERATOR_ACTIONS:
            return False
        raise NotFound(NO_POSITION)
    if assigned is None:
        assigned = await is_assigned(repo, actor, position.id)
    else:
        assigned = assigned and _assignable(actor)
    if not rules.may_see_position(role, assigned=assigned):
        raise NotFound(NO_POSITION)
    if rules.may(role, wanted, assigned=assigned, open=position.is_open):
        return assigned
    archived = rules.archived_for(role, assigned=assigned, open=position.is_open)
    if archived and deps is not None and wanted is Action.LIST:
        raise ArchivedPosition(ARCHIVED, summary=await _summary(repo, position))
    raise NotFound(NO_POSITION)


async def visible_position(
    deps: Deps, actor: Actor, position_id: UUID, *, contents: bool, action: str | Action | None = None
) -> Position:
    """The position if the actor may see it (NotFound otherwise). contents=True: its
    applications are wanted too (ArchivedPosition for the hiring team once it concluded).
    `action` (e.g. "conclude") checks that as well."""
    if actor.kind == "candidate":
        raise NotFound(NO_POSITION)
    repo = deps.uow.repo
    position = await repo.get_position(position_id)
    if position is None:
        raise NotFound(NO_POSITION)
    wanted = Action.LIST if contents else _action(action or Action.SEE_POSITION)
    await check_position(repo, actor, position, wanted, deps=deps)
    if contents and action is not None:
        await check_position(repo, actor, position, action)
    return position


async def application_in_scope(repo: Any, actor: Actor, application: Application, action: str | Action) -> Position:
    """For an application already loaded (e.g. locked inside a transaction): its position, if
    the actor may do `action` on it; NotFound otherwise."""
    position, _ = await _application_scope(repo, actor, application, action)
    return position


async def _application_scope(
    repo: Any, actor: Actor, application: Application, action: str | Action
) -> tuple[Position, bool]:
    if actor.kind == "candidate":
        raise NotFound(NO_APPLICATION)
    position = await repo.get_position(application.position_id)
    if position is None:
        raise NotFound(NO_APPLICATION)
    try:
        assigned = await check_position(repo, actor, position, action)
    except NotFound:
        raise NotFound(NO_APPLICATION) from None
    return position, assigned


async def visible_application(
    deps: Deps, actor: Actor, application_id: UUID, *, action: str | Action = "read"
) -> tuple[Application, Position]:
    """The application and its position if the actor may do `action` ("read", "move",
    "references", "background", "offer", "hold", ...) on it; NotFound otherwise. An erased
    application answers Gone (its tombstone's facts) to those who could have read it."""
    repo = deps.uow.repo
    application = await repo.get_application(application_id)
    if application is None:
        await _raise_if_erased(deps, actor, application_id)
        raise NotFound(NO_APPLICATION)
    position = await application_in_scope(repo, actor, application, action)
    return application, position


async def visible_record(deps: Deps, actor: Actor, record_id: UUID) -> tuple[Record, Application, Position]:
    """A record the actor may read: hiring managers only CVs and cover letters, admins none,
    background-check material only to the assigned recruiters and privacy officers. Outside a
    transaction (it reads on a connection of its own)."""
    found = await visible_document(deps, actor, record_id)
    return found.record, found.application, found.position


async def visible_document(deps: Deps, actor: Actor, record_id: UUID) -> DocumentScope:
    """visible_record's checks on one read (the record, its application and position, the
    actor's assignment and the wrapped data key in one query: bench/download.py), for a
    download; call outside a transaction."""
    if actor.kind == "candidate":
        raise NotFound(NO_RECORD)
    repo = deps.uow.repo
    found = await repo.document_scope(record_id, actor.user_id if _assignable(actor) else None)
    if found is None:
        raise NotFound(NO_RECORD)
    try:
        assigned = await check_position(repo, actor, found.position, Action.READ, assigned=found.assigned)
    except NotFound:
        raise NotFound(NO_RECORD) from None
    if not rules.may_read_record(role_of(actor), found.record.record_type, assigned=assigned, open=found.position.is_open):
        raise NotFound(NO_RECORD)
    return found


def readable_records(actor: Actor, records: Iterable[Record]) -> list[Record]:
    """The records of an application (already in scope for READ) the actor's role may read."""
    allowed = rules.RECORD_TYPES.get(actor.role, frozenset()) if actor.kind == "user" and actor.role else frozenset()
    return [r for r in records if r.record_type in allowed]


async def archive_summary(deps: Deps, actor: Actor, position_id: UUID) -> ArchiveSummary:
    """Counts per status and the retention date of a position the actor may see (no personal
    data): the archived position's page, and the counts admins see."""
    position = await visible_position(deps, actor, position_id, contents=False)
    return await _summary(deps.uow.repo, position)


async def _summary(repo: Any, position: Position) -> ArchiveSummary:
    counts = (await repo.count_by_status([position.id])).get(position.id, {})
    until = retention_until(position.concluded_at) if position.concluded_at else None
    return ArchiveSummary(
        position_id=position.id,
        title=position.title,
        jurisdiction=position.jurisdiction,
        outcome=position.status.value,
        concluded_at=position.concluded_at,
        retention_until=until,
        counts=dict(counts),
    )


async def _raise_if_erased(deps: Deps, actor: Actor, application_id: UUID) -> None:
    """410 with the tombstone's facts (no personal data: ids, dates, counts), to those who may
    see the position and ever read applications (not admins); to anyone else an erased id is
    as unknown as any other."""
    stone = await deps.uow.repo.get_tombstone(application_id)
    if stone is None:
        return
    position = await deps.uow.repo.get_position(stone.position_id)
    if position is None:
        raise NotFound(NO_APPLICATION)
    try:
        await check_position(deps.uow.repo, actor, position, Action.SEE_POSITION)
    except NotFound:
        raise NotFound(NO_APPLICATION) from None
    if role_of(actor) is Role.ADMIN:
        raise NotFound(NO_APPLICATION)
    raise Gone(
        "This application was erased; only a record of the erasure remains.",
        facts={
            "application_id": str(stone.application_id),
            "reference": stone.reference,
            "position_id": str(stone.position_id),
            "submitted_at": stone.submitted_at.isoformat(),
            "retention_until": stone.retention_until.isoformat() if stone.retention_until else None,
            "erased_at": stone.erased_at.isoformat(),
            "reason": stone.reason,
            "records_erased": stone.records_erased,
            "versions_deleted": stone.versions_deleted,
        },
    )
