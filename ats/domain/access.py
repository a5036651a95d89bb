"""Need to know (DESIGN §8): who may see and do what, as pure rules.

Every question takes the actor's role, whether they are assigned to the position, and whether
the position is still open (hiring not concluded). Services ask these functions and answer 404
for anything refused (ats.services.access), so the authorization matrix test can compute each
expected answer from the same table.

Sources: DESIGN §8 (the role table and the archive phase); GDPR Art. 5(1)(b)/(c) (purpose
limitation, data minimisation: each role sees what its task needs) and Art. 10 with UK DPA 2018
Sch. 1 (criminal-offence data only to those who need it: the assigned recruiters and privacy
officers); OWASP ASVS 4.0.3 V4.1.3 (least privilege) and V4.1.5 (fail securely: deny by default).
"""

from __future__ import annotations

from enum import StrEnum

from ats.domain.model import ApplicationStatus as S
from ats.domain.model import RecordType, Role


class Action(StrEnum):
    """What an actor may want of a position or one of its applications."""

    SEE_POSITION = "see_position"  # its title, status, counts (no personal data)
    LIST = "list"  # the position's applications (names, references, statuses)
    READ = "read"  # one application: contact details, status, the documents the role may read
    MOVE = "move"  # workflow transitions (hiring managers: early stages only, see may_move)
    REFERENCES = "references"  # add referees, record their reports
    READ_REFERENCES = "read_references"  # referees and their reports
    BACKGROUND = "background"  # the background-check workflow: consents, checks, results, decisions
    READ_BACKGROUND = "read_background"  # consents, checks and their material
    OFFER = "offer"  # extend an offer, record the candidate's answer
    CONCLUDE = "conclude"  # conclude hiring for the position
    HOLD = "hold"  # legal holds and restrictions (privacy officers)


HIRING_ROLES = frozenset({Role.RECRUITER, Role.HIRING_MANAGER})

# What each assigned role may do while the position is open. Everything else is refused.
_WHILE_OPEN: dict[Role, frozenset[Action]] = {
    Role.RECRUITER: frozenset(
        {
            Action.SEE_POSITION,
            Action.LIST,
            Action.READ,
            Action.MOVE,
            Action.REFERENCES,
            Action.READ_REFERENCES,
            Action.BACKGROUND,
            Action.READ_BACKGROUND,
            Action.OFFER,
            Action.CONCLUDE,
        }
    ),
    # "contact details, CV, cover letter, status": no referees, no background-check material.
    Role.HIRING_MANAGER: frozenset({Action.SEE_POSITION, Action.LIST, Action.READ, Action.MOVE}),
}
# Privacy officers read everything, open or archived (every read is audited by the services),
# and hold; they take no hiring decision (no moves, offers, consents, checks or conclusions).
_PRIVACY_OFFICER = frozenset(
    {Action.SEE_POSITION, Action.LIST, Action.READ, Action.READ_REFERENCES, Action.READ_BACKGROUND, Action.HOLD}
)
# Admins run positions (create, close), users, assignments and tokens; no candidate data.
_ADMIN = frozenset({Action.SEE_POSITION, Action.CONCLUDE})

# The record types each role may read (when it may READ the application at all).
RECORD_TYPES: dict[Role, frozenset[RecordType]] = {
    Role.RECRUITER: frozenset(set(RecordType) - {RecordType.EXPORT}),
    Role.HIRING_MANAGER: frozenset({RecordType.CV, RecordType.COVER_LETTER}),
    Role.PRIVACY_OFFICER: frozenset(RecordType),
    Role.ADMIN: frozenset(),
}

# Hiring managers move only through the early stages (DESIGN §8).
EARLY_STAGES = frozenset({S.SCREENING, S.INTERVIEW, S.REFERENCE_CHECK})
HIRING_MANAGER_MOVES = frozenset(
    {(S.SUBMITTED, S.SCREENING)} | {(a, b) for a in EARLY_STAGES for b in EARLY_STAGES if a != b}
)


def may(role: Role | None, action: Action, *, assigned: bool, open: bool) -> bool:
    """May a staff member of `role` do `action` on a position (or its applications) that is
    `open` (hiring not concluded), being `assigned` to it or not?"""
    if role is None:
        return False
    if role is Role.PRIVACY_OFFICER:
        return action in _PRIVACY_OFFICER
    if role is Role.ADMIN:
        # Concluding needs an open position; the conclusion rule itself says so (409).
        return action in _ADMIN
    if not assigned:
        return False
    if action is Action.SEE_POSITION:
        # The assigned keep seeing the position after conclusion: its counts and retention
        # date only (the archive page), never the contents.
        return True
    if action is Action.CONCLUDE and role is Role.RECRUITER:
        # Open or not: concluding twice is the conclusion rule's 409, not a 404.
        return True
    return open and action in _WHILE_OPEN.get(role, frozenset())


def may_see_position(role: Role | None, *, assigned: bool) -> bool:
    return may(role, Action.SEE_POSITION, assigned=assigned, open=True)


def sees_all_positions(role: Role | None) -> bool:
    """Privacy officers and admins list every position; recruiters and hiring managers only
    those assigned to them."""
    return role in (Role.PRIVACY_OFFICER, Role.ADMIN)


def archived_for(role: Role | None, *, assigned: bool, open: bool) -> bool:
    """The archive phase: an assigned recruiter or hiring manager of a concluded position sees
    its summary (counts, retention date) instead of its applications."""
    return role in HIRING_ROLES and assigned and not open


def may_read_record(role: Role | None, record_type: RecordType, *, assigned: bool, open: bool) -> bool:
    if not may(role, Action.READ, assigned=assigned, open=open) or role is None:
        return False
    return record_type in RECORD_TYPES[role]


def may_move(role: Role | None, current: S, target: S) -> bool:
    """Which transitions a role may make (on top of the workflow's own table and the scope)."""
    if role is Role.RECRUITER:
        return True
    if role is Role.HIRING_MANAGER:
        return (current, target) in HIRING_MANAGER_MOVES
    return False


def shows_contact_details(role: Role | None) -> bool:
    """Candidate name, email, phone and country (for those who may READ the application)."""
    return role in (Role.RECRUITER, Role.HIRING_MANAGER, Role.PRIVACY_OFFICER)
