"""Rows to domain objects: the only place piccolo's dicts are read."""

from __future__ import annotations

import json
from typing import Any

from ats.domain.model import (
    Application,
    ApplicationStatus,
    AuditEvent,
    DataSubject,
    LegalBasis,
    Person,
    Position,
    PositionStatus,
    Purpose,
    Record,
    RecordType,
    Role,
    User,
)
from ats.ports import JobRunRow


def position_from(row: dict[str, Any]) -> Position:
    return Position(
        id=row["id"],
        title=row["title"],
        jurisdiction=row["jurisdiction"],
        status=PositionStatus(row["status"]),
        created_at=row["created_at"],
        concluded_at=row["concluded_at"],
    )


def person_from(row: dict[str, Any]) -> Person:
    return Person(
        id=row["id"],
        email=row["email"],
        full_name=row["full_name"],
        phone=row["phone"],
        country=row["country"],
        created_at=row["created_at"],
    )


def application_from(row: dict[str, Any]) -> Application:
    return Application(
        id=row["id"],
        reference=row["reference"],
        position_id=row["position_id"],
        person_id=row["person_id"],
        status=ApplicationStatus(row["status"]),
        submitted_at=row["submitted_at"],
        privacy_notice_version=row["privacy_notice_version"],
        talent_pool_consent=bool(row["talent_pool_consent"]),
        retention_until=row["retention_until"],
        legal_hold_reason=row["legal_hold_reason"],
        restricted_at=row.get("restricted_at"),  # absent from column lists written before it
    )


def record_from(row: dict[str, Any]) -> Record:
    return Record(
        id=row["id"],
        application_id=row["application_id"],
        record_type=RecordType(row["record_type"]),
        legal_basis=LegalBasis(row["legal_basis"]),
        purpose=Purpose(row["purpose"]),
        data_subject=DataSubject(row["data_subject"]),
        jurisdiction=row["jurisdiction"],
        retention_rule=row["retention_rule"],
        expires_on=row["expires_on"],
        object_key=row["object_key"],
        version_id=row["version_id"],
        size=row["size"],
        sha256=row["sha256"],
        content_type=row["content_type"],
        filename=row["filename"],
        created_at=row["created_at"],
        expires_at=row.get("expires_at"),
        location=row.get("location") or "",
    )


def user_from(row: dict[str, Any]) -> User:
    return User(
        id=row["id"],
        email=row["email"],
        role=Role(row["role"]),
        password_hash=row["password_hash"],
        created_at=row["created_at"],
        active=bool(row["active"]),
        session_version=row.get("session_version") or 0,
    )


def audit_from(row: dict[str, Any]) -> AuditEvent:
    return AuditEvent(
        seq=row["seq"],
        actor=row["actor"],
        action=row["action"],
        at=row["at"],
        application_id=row["application_id"],
        position_id=row["position_id"],
        record_id=row["record_id"],
        details=row["details"] if isinstance(row["details"], dict) else json.loads(row["details"]),
        prev_hash=row["prev_hash"],
        hash=row["hash"],
    )


def job_run_from(row: dict[str, Any]) -> JobRunRow:
    # piccolo hands a JSON column back as its text (SQLite and PostgreSQL alike).
    counts, errors = row["counts"], row["errors"]
    return JobRunRow(**{
        **row,
        "counts": json.loads(counts) if isinstance(counts, str) else counts,
        "errors": json.loads(errors) if isinstance(errors, str) else errors,
    })
