"""The data-subject export (GDPR Art. 15 access, Art. 20 portability; DESIGN §11): what goes
into the ZIP, what the law exempts, and the JSON document. Pure: no I/O; callers pass `now`.

Decisions, each with its source:
- References given in confidence are left out where UK law applies to the application
  (position jurisdiction GB): Data Protection Act 2018, Schedule 2, Part 4, paragraph 24
  exempts "a reference given (or to be given) in confidence for the purposes of ... the
  employment ... of the data subject" from the right of access. No other jurisdiction in the
  table has such an exemption, so elsewhere the report (opinions about the candidate) is given.
- Background-check reports are given: they are data about the candidate, no exemption in DPA
  2018 Sch. 2 or GDPR Art. 15(4) covers them, and in the US the candidate is entitled to a copy
  anyway (FCRA 15 U.S.C. § 1681b(b)(3)(A), § 1681g). France keeps no copy (nothing to give).
- Referees: the names and relationships the candidate gave are returned (they supplied them, so
  returning them discloses nothing about the referee, GDPR Art. 15(4) is not engaged); the
  referee's email address is the referee's contact data, not the candidate's, and is left out.
- "Who has seen your data" (Art. 15(1)(c)): every read of the person's application and records
  from the audit trail, by role and time. Staff are not named by default: employees acting
  under the controller's authority are not "recipients", and their identity is owed only where
  the person needs it to exercise their rights (CJEU C-579/21, Pankki S, 22 June 2023, paras
  73-83); `NAME_STAFF` is the policy switch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from uuid import UUID

from ats.domain.background import Check, ConsentRequest
from ats.domain.model import Application, AuditEvent, Person, Position, Record, RecordType, Referee

EXPORT_DAYS = 7
EXPORT_LIFETIME = timedelta(days=EXPORT_DAYS)
# The `retention` tag of an export record: seven days from its creation (DESIGN §11, §12).
EXPORT_RETENTION_RULE = f"created+P{EXPORT_DAYS}D"
SCHEMA_VERSION = "1"
NAME_STAFF = False  # the policy: roles only (CJEU C-579/21); True names staff by email

# Audit actions that are a read of the person's data (Art. 15(1)(c)); status moves are history.
READ_ACTIONS = frozenset({"application.viewed", "record.downloaded", "export.downloaded"})
HISTORY_ACTIONS = frozenset({"application.submitted", "application.transitioned"})


@dataclass(frozen=True)
class Exemption:
    record_type: RecordType
    jurisdictions: frozenset[str]
    rule: str
    source: str
    reason: str  # told to the person


EXEMPTIONS: tuple[Exemption, ...] = (
    Exemption(
        RecordType.REFERENCE_REPORT,
        frozenset({"GB"}),
        "confidential-reference",
        "Data Protection Act 2018, Schedule 2, Part 4, paragraph 24 (confidential references)",
        "A reference given in confidence about your employment is exempt from the right of access under UK law.",
    ),
)


@dataclass
class ExportLink:
    """The single-use marker of one export's download link (the token carries `id`)."""

    id: UUID
    record_id: UUID
    application_id: UUID
    created_at: datetime
    used_at: datetime | None = None


@dataclass
class ApplicationData:
    """Everything stored about one application, as read for an export."""

    application: Application
    position: Position
    person: Person
    records: list[Record]
    referees: list[Referee] = field(default_factory=list)
    consents: list[ConsentRequest] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)


@dataclass(frozen=True)
class PlannedFile:
    record: Record
    path: str  # inside the ZIP


def exemption_for(record: Record, jurisdiction: str) -> Exemption | None:
    for exemption in EXEMPTIONS:
        if record.record_type is exemption.record_type and jurisdiction in exemption.jurisdictions:
            return exemption
    return None


_EXTENSION = re.compile(r"\.([A-Za-z0-9]{1,5})$")


def archive_path(reference: str, record: Record) -> str:
    """Generated from ids and the record type only; the stored file name gives at most a short
    alphanumeric extension, so no candidate-supplied text shapes a path in the ZIP."""
    match = _EXTENSION.search(record.filename or "")
    extension = f".{match.group(1).lower()}" if match else ""
    return f"documents/{reference}/{record.record_type.value}-{record.id}{extension}"


def plan_files(apps: list[ApplicationData]) -> list[PlannedFile]:
    """The documents that go into the ZIP: every record except earlier exports and exempt ones."""
    return [
        PlannedFile(record, archive_path(data.application.reference, record))
        for data in apps
        for record in data.records
        if record.record_type is not RecordType.EXPORT and exemption_for(record, data.position.jurisdiction) is None
    ]


def withheld(apps: list[ApplicationData]) -> list[dict]:
    out = []
    for data in apps:
        for record in data.records:
            exemption = exemption_for(record, data.position.jurisdiction)
            if exemption is not None:
                out.append(
                    {
                        "application": data.application.reference,
                        "record_id": str(record.id),
                        "record_type": record.record_type.value,
                        "rule": exemption.rule,
                        "source": exemption.source,
                        "reason": exemption.reason,
                    }
                )
    return out


def actor_role(label: str, roles: dict[UUID, tuple[str, str]]) -> tuple[str, str | None]:
    """(role, staff email or None) for an audit actor label (ats.domain.actors.Actor.label)."""
    if label.startswith("user:"):
        try:
            found = roles.get(UUID(label[5:]))
        except ValueError:
            found = None
        return (found[0], found[1]) if found else ("staff (account since removed)", None)
    if label == "candidate":
        return "you (through a link we sent you)", None
    if label.startswith("cli:"):
        return "operator", None
    return label, None


def seen_by(
    events: list[AuditEvent],
    roles: dict[UUID, tuple[str, str]],
    references: dict[UUID, str],
    *,
    name_staff: bool = NAME_STAFF,
) -> list[dict]:
    out = []
    for event in sorted(events, key=lambda e: (e.at, e.seq)):
        if event.action not in READ_ACTIONS or event.application_id not in references:
            continue
        role, email = actor_role(event.actor, roles)
        entry: dict = {
            "at": event.at.isoformat(),
            "application": references[event.application_id],
            "what": _what(event),
            "role": role,
        }
        if name_staff and email:
            entry["staff"] = email
        out.append(entry)
    return out


def _what(event: AuditEvent) -> str:
    if event.action == "application.viewed":
        return "application"
    if event.action == "export.downloaded":
        return "export"
    return str(event.details.get("record_type") or "document")


def history(events: list[AuditEvent], application_id: UUID) -> list[dict]:
    moves = []
    for event in sorted(events, key=lambda e: (e.at, e.seq)):
        if event.application_id != application_id or event.action not in HISTORY_ACTIONS:
            continue
        if event.action == "application.submitted":
            moves.append({"at": event.at.isoformat(), "status": "submitted", "reason": None})
        else:
            reason = event.details.get("reason")
            moves.append({"at": event.at.isoformat(), "status": str(event.details.get("to")), "reason": reason})
    return moves


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _application(data: ApplicationData, events: list[AuditEvent], paths: dict[UUID, str]) -> dict:
    a, p, person = data.application, data.position, data.person
    return {
        "reference": a.reference,
        "position": {"title": p.title, "jurisdiction": p.jurisdiction, "status": p.status.value},
        "contact": {"full_name": person.full_name, "email": person.email, "phone": person.phone, "country": person.country},
        "status": a.status.value,
        "submitted_at": _iso(a.submitted_at),
        "privacy_notice_version": a.privacy_notice_version,
        "hiring_concluded_at": _iso(p.concluded_at),
        "retention_until": _iso(a.retention_until),
        "legal_hold": a.legal_hold_reason,  # the criterion for keeping it longer (Art. 15(1)(d))
        "status_history": history(events, a.id),
        "records": [_record(r, paths.get(r.id)) for r in data.records],
        "referees": [{"full_name": r.full_name, "relationship": r.relationship} for r in data.referees],
        "consents": {
            "talent_pool": a.talent_pool_consent,
            "background_check": [
                {
                    "check_types": list(c.check_types),
                    "status": c.status.value,
                    "requested_at": _iso(c.requested_at),
                    "answered_at": _iso(c.answered_at),
                    "withdrawn_at": _iso(c.withdrawn_at),
                }
                for c in data.consents
            ],
        },
        "background_checks": [
            {"check_type": c.check_type, "status": c.status.value, "started_at": _iso(c.started_at), "result_at": _iso(c.result_at)}
            for c in data.checks
        ],
    }


def _record(r: Record, path: str | None) -> dict:
    return {
        "id": str(r.id),
        "record_type": r.record_type.value,
        "legal_basis": r.legal_basis.value,
        "purpose": r.purpose.value,
        "data_subject": r.data_subject.value,
        "jurisdiction": r.jurisdiction,
        "retention": r.retention_rule,
        "expires_on": r.expires_on,
        "content_type": r.content_type,
        "size": r.size,
        "sha256": r.sha256,
        "created_at": _iso(r.created_at),
        "file": path,
    }


def document(
    *,
    kind: str,
    export_id: UUID,
    generated_at: datetime,
    apps: list[ApplicationData],
    files: list[PlannedFile],
    events: list[AuditEvent],
    roles: dict[UUID, tuple[str, str]],
    name_staff: bool = NAME_STAFF,
) -> dict:
    """The JSON document at the root of the ZIP (schema: ats/policy/export_schema.json)."""
    paths = {f.record.id: f.path for f in files}
    references = {d.application.id: d.application.reference for d in apps}
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": kind,
        "export_id": str(export_id),
        "generated_at": generated_at.isoformat(),
        "available_until": (generated_at + EXPORT_LIFETIME).isoformat(),
        "applications": [_application(d, events, paths) for d in apps],
        "documents": [{"path": f.path, "record_id": str(f.record.id), "sha256": f.record.sha256, "size": f.record.size} for f in files],
        "withheld": withheld(apps),
        "seen_by": seen_by(events, roles, references, name_staff=name_staff),
        "notes": [
            "Each document's sha256 is the checksum of the file as you gave or we stored it.",
            "Staff who read your data are given by role; employees acting for us are not recipients "
            "in their own right (CJEU C-579/21). Referees' own contact details are theirs, not yours, and are left out.",
        ],
    }


def export_expires_on(created_at: datetime) -> str:
    """The `expires-on` tag of an export record: the date its 7 days run out."""
    return (created_at + EXPORT_LIFETIME).astimezone(UTC).date().isoformat()
