"""Piccolo tables. Rows never leave storage/: repositories turn them into domain objects."""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    UUID,
    BigInt,
    Boolean,
    Bytea,
    Date,
    Integer,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table


class Position(Table, tablename="positions"):
    id = UUID(primary_key=True)
    title = Varchar(length=200)
    jurisdiction = Varchar(length=16)
    status = Varchar(length=16, index=True)
    created_at = Timestamptz()
    concluded_at = Timestamptz(null=True, default=None)


class Person(Table, tablename="persons"):
    """Contact details: the personal data that identifies a candidate."""

    id = UUID(primary_key=True)
    # Not unique: each application has its own contact row, so a public form never attaches
    # an upload to someone else's (issue 9 #10); indexed for lookups by email.
    email = Varchar(length=254, index=True)
    full_name = Varchar(length=200)
    phone = Varchar(length=40, null=True, default=None)
    country = Varchar(length=2)
    created_at = Timestamptz()


class Application(Table, tablename="applications"):
    id = UUID(primary_key=True)
    reference = Varchar(length=20, unique=True)
    position_id = UUID(index=True)
    person_id = UUID(index=True)
    # "<person>:<position>": one application per person and position, portable to SQLite.
    dedupe_key = Varchar(length=80, unique=True)
    status = Varchar(length=32)
    submitted_at = Timestamptz()
    privacy_notice_version = Varchar(length=32)
    talent_pool_consent = Boolean(default=False)
    retention_until = Timestamptz(null=True, default=None, index=True)
    legal_hold_reason = Varchar(length=500, null=True, default=None)
    # Restriction of processing at the candidate's request (GDPR Art. 18; ats.services.rights).
    restricted_at = Timestamptz(null=True, default=None)
    # Expiry claims (jobs/expire): a worker owns an erasure until its claim expires.
    erasure_claim = Varchar(length=64, null=True, default=None)
    erasure_claim_expires = Timestamptz(null=True, default=None)
    erasure_started_at = Timestamptz(null=True, default=None)
    # Why it is being erased ("erasure-request", "objection"; NULL: expiry), kept with the claim so
    # the run that finishes it writes the tombstone's true reason. Migration 2026-12-03 10:30.
    erasure_reason = Varchar(length=32, null=True, default=None)


class Record(Table, tablename="records"):
    id = UUID(primary_key=True)
    application_id = UUID(index=True)
    record_type = Varchar(length=40)
    legal_basis = Varchar(length=32)
    purpose = Varchar(length=64)
    data_subject = Varchar(length=32)
    jurisdiction = Varchar(length=16)
    retention_rule = Varchar(length=64)
    expires_on = Varchar(length=10)
    object_key = Varchar(length=300, unique=True)
    version_id = Varchar(length=1024)
    size = BigInt()
    sha256 = Varchar(length=64)
    content_type = Varchar(length=100)
    filename = Varchar(length=255)
    created_at = Timestamptz()
    # The record's own expiry from the retention table (DESIGN §12; NULL: its anchor, hiring
    # concluded, is still to come) and where its object is stored (the bucket's region).
    # Migration 2026-12-03 10:10.
    expires_at = Timestamptz(null=True, default=None, index=True)
    location = Varchar(length=32, default="")


class DataKey(Table, tablename="data_keys"):
    application_id = UUID(primary_key=True)
    wrapped_key = Bytea()
    kms_key_id = Varchar(length=2048)
    created_at = Timestamptz()


class AuditEvent(Table, tablename="audit_events"):
    """Append-only; holds ids and non-personal details only."""

    seq = BigInt(primary_key=True)
    at = Timestamptz()
    actor = Varchar(length=100)
    action = Varchar(length=64, index=True)
    application_id = UUID(null=True, default=None, index=True)
    position_id = UUID(null=True, default=None)
    record_id = UUID(null=True, default=None)
    details = JSON()
    prev_hash = Varchar(length=64)
    hash = Varchar(length=64)


class AuditHead(Table, tablename="audit_head"):
    """One row: the chain's head. Updating it in each writing transaction serialises appends."""

    id = Integer(primary_key=True)
    seq = BigInt()
    hash = Varchar(length=64)


class User(Table, tablename="users"):
    id = UUID(primary_key=True)
    email = Varchar(length=254, unique=True)
    role = Varchar(length=32)
    password_hash = Varchar(length=255)
    created_at = Timestamptz()
    active = Boolean(default=True)
    # Bumped at sign-out: every session cookie issued before it stops working (server-side
    # revocation of Starlette's client-side signed session).
    session_version = Integer(default=0)


class ApiToken(Table, tablename="api_tokens"):
    # SHA-256 of a 256-bit random token: enough for high-entropy secrets (no KDF needed).
    token_hash = Varchar(length=64, primary_key=True)
    user_id = UUID(index=True)
    created_at = Timestamptz()
    # Lifecycle (issue 9 item 12; migration 2026-12-02T16:00). Nullable for rows written before
    # it: the migration fills them, and a missing expiry reads as created_at + 90 days.
    token_id = UUID(null=True, default=None, unique=True)
    expires_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)
    hint = Varchar(length=4, default="")


class Referee(Table, tablename="referees"):
    """A referee's contact details: personal data of the referee, erased with the application."""

    id = UUID(primary_key=True)
    application_id = UUID(index=True)
    full_name = Varchar(length=200)
    email = Varchar(length=254)
    relationship = Varchar(length=200)
    created_at = Timestamptz()
    report_record_id = UUID(null=True, default=None)


class ConsentRequest(Table, tablename="consent_requests"):
    id = UUID(primary_key=True)
    application_id = UUID(index=True)
    check_types = JSON()
    jurisdiction = Varchar(length=16)
    disclosure_version = Varchar(length=32)
    disclosure_sha256 = Varchar(length=64)
    status = Varchar(length=16)
    requested_at = Timestamptz()
    answered_at = Timestamptz(null=True, default=None)
    withdrawn_at = Timestamptz(null=True, default=None)


class BackgroundCheck(Table, tablename="background_checks"):
    id = UUID(primary_key=True)
    application_id = UUID(index=True)
    consent_id = UUID(index=True)
    check_type = Varchar(length=16)
    status = Varchar(length=16)
    started_at = Timestamptz()
    result_at = Timestamptz(null=True, default=None)
    respond_by = Date(null=True, default=None)
    decided_at = Timestamptz(null=True, default=None)
    record_id = UUID(null=True, default=None)
    criminal_offence_data = Boolean(default=False)
    details = JSON()


class Tombstone(Table, tablename="tombstones"):
    """What remains of an erased application: ids, dates, reason, counts. No personal data."""

    application_id = UUID(primary_key=True)
    reference = Varchar(length=20)
    position_id = UUID(index=True)
    submitted_at = Timestamptz()
    retention_until = Timestamptz(null=True, default=None)
    erased_at = Timestamptz()
    reason = Varchar(length=64)
    records_erased = Integer()
    versions_deleted = Integer()


class LegalHold(Table, tablename="legal_holds"):
    """Each legal hold's history (issue 11): who placed and lifted it, when, and both reasons.
    Rows of an erased application are purged daily (ats.services.stale)."""

    id = UUID(primary_key=True)
    application_id = UUID(index=True)
    reason = Varchar(length=500)
    placed_by = Varchar(length=100)
    placed_at = Timestamptz()
    lifted_by = Varchar(length=100, null=True, default=None)
    lifted_at = Timestamptz(null=True, default=None)
    lift_reason = Varchar(length=500, null=True, default=None)


class JobRun(Table, tablename="job_runs"):
    id = UUID(primary_key=True)
    job = Varchar(length=32, index=True)
    started_at = Timestamptz()
    finished_at = Timestamptz(null=True, default=None)
    status = Varchar(length=16)
    counts = JSON()
    errors = JSON()
    holder = Varchar(length=200, null=True, default=None)  # the replica that ran it (jobs/lease.py)


class JobLease(Table, tablename="job_leases"):
    """Who runs a scheduled job in its current slot, until when (storage/lease_repository.py)."""

    job = Varchar(length=32, primary_key=True)
    holder = Varchar(length=200)
    expires_at = Timestamptz()


class Outbox(Table, tablename="outbox"):
    """Mail to send (DESIGN §10). `sealed` holds the recipient, subject and body, AES-GCM
    encrypted (storage/outbox_crypto.py); it is NULL once delivered or abandoned."""

    id = UUID(primary_key=True)
    kind = Varchar(length=64)
    application_id = UUID(null=True, default=None, index=True)
    created_at = Timestamptz()
    sealed = Bytea(null=True, default=None)
    app_key = Boolean(default=False)
    status = Varchar(length=16)
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(null=True, default=None)
    finished_at = Timestamptz(null=True, default=None)
    last_error = Varchar(length=200, null=True, default=None)


class ExportLink(Table, tablename="export_links"):
    """The single-use marker of a data-subject export's download link (ats.services.exports):
    ids and times only. Migration 2026-12-03 09:10."""

    id = UUID(primary_key=True)
    record_id = UUID(index=True)
    application_id = UUID()
    created_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)


class PositionAssignment(Table, tablename="position_assignments"):
    """Staff assigned to a position (DESIGN §8: recruiters and hiring managers see only these).
    One row per (position, user): a unique index made by migration 2026-12-02 17:00."""

    id = UUID(primary_key=True)
    position_id = UUID()
    user_id = UUID()
    assigned_at = Timestamptz()


class PrivacyRequest(Table, tablename="privacy_requests"):
    """Data-subject requests (DESIGN §11; ats.domain.privacy_requests). `code_hash` is an HMAC
    of the one-time code, never the code; `applications` and `jurisdictions` are
    comma-separated ids and codes found when the identity was verified."""

    id = UUID(primary_key=True)
    kind = Varchar(length=32)
    status = Varchar(length=32, index=True)
    email = Varchar(length=254)
    # Once a closed request is old enough, `email` is emptied and this keyed digest kept
    # (ats.services.request_upkeep). Migration 2026-12-03 10:30.
    email_digest = Varchar(length=64, null=True, default=None)
    reference = Varchar(length=20, null=True, default=None)
    details = Varchar(length=2000, null=True, default=None)
    received_at = Timestamptz()
    code_hash = Varchar(length=64, null=True, default=None)
    code_expires_at = Timestamptz(null=True, default=None)
    tries = Integer(default=0)
    verified_at = Timestamptz(null=True, default=None)
    due_on = Date(null=True, default=None)
    extended_due_on = Date(null=True, default=None)
    extension_reason = Varchar(length=1000, null=True, default=None)
    applications = Varchar(length=4000, default="")
    jurisdictions = Varchar(length=200, default="")
    decision = Varchar(length=16, null=True, default=None)
    decision_reason = Varchar(length=1000, null=True, default=None)
    decided_at = Timestamptz(null=True, default=None)
    decided_by = Varchar(length=200, null=True, default=None)


TABLES: list[type[Table]] = [
    ExportLink,
    PrivacyRequest,
    PositionAssignment,
    Outbox,
    Referee,
    ConsentRequest,
    BackgroundCheck,
    Tombstone,
    LegalHold,
    JobRun,
    JobLease,
    Position,
    Person,
    Application,
    Record,
    DataKey,
    AuditEvent,
    AuditHead,
    User,
    ApiToken,
]
