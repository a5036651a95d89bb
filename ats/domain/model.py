"""Domain objects and vocabulary (DESIGN.md §3, §5). Plain dataclasses, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from uuid import UUID

# ISO 3166 codes, plus the city-level code New York City needs for its own rules (DESIGN §6).
JURISDICTIONS: tuple[str, ...] = ("GB", "US", "US-CA", "US-NY-NYC", "FR", "CA", "IN")


class PositionStatus(StrEnum):
    OPEN = "open"
    FILLED = "filled"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class ApplicationStatus(StrEnum):
    SUBMITTED = "submitted"
    SCREENING = "screening"
    INTERVIEW = "interview"
    REFERENCE_CHECK = "reference_check"
    OFFER_EXTENDED = "offer_extended"
    OFFER_ACCEPTED = "offer_accepted"
    OFFER_DECLINED = "offer_declined"
    BACKGROUND_CHECK = "background_check"
    HIRED = "hired"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class LegalBasis(StrEnum):
    """GDPR Art. 6(1) (a)-(f)."""

    CONSENT = "consent"
    CONTRACT = "contract"
    LEGAL_OBLIGATION = "legal-obligation"
    VITAL_INTERESTS = "vital-interests"
    PUBLIC_TASK = "public-task"
    LEGITIMATE_INTERESTS = "legitimate-interests"


class Purpose(StrEnum):
    """Named after the Fides taxonomy's data uses."""

    RECRUITMENT = "employment.recruitment"
    REFERENCE_CHECK = "employment.recruitment.reference_check"
    BACKGROUND_CHECK = "employment.recruitment.background_check"
    TALENT_POOL = "employment.recruitment.talent_pool"


class RecordType(StrEnum):
    CV = "cv"
    COVER_LETTER = "cover-letter"
    REFERENCE_REPORT = "reference-report"
    OFFER_LETTER = "offer-letter"
    BACKGROUND_CHECK_CONSENT = "background-check-consent"
    BACKGROUND_CHECK_REPORT = "background-check-report"
    TALENT_POOL_CONSENT = "talent-pool-consent"
    EXPORT = "export"


class DataSubject(StrEnum):
    JOB_APPLICANT = "job_applicant"
    REFEREE = "referee"


class Role(StrEnum):
    RECRUITER = "recruiter"
    HIRING_MANAGER = "hiring_manager"
    PRIVACY_OFFICER = "privacy_officer"
    ADMIN = "admin"


@dataclass
class Position:
    id: UUID
    title: str
    jurisdiction: str
    status: PositionStatus
    created_at: datetime
    concluded_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.status is PositionStatus.OPEN


@dataclass
class Person:
    """The contact row: the only place a candidate's name, email and phone live."""

    id: UUID
    email: str
    full_name: str
    phone: str | None
    country: str
    created_at: datetime


@dataclass
class Application:
    id: UUID
    reference: str
    position_id: UUID
    person_id: UUID
    status: ApplicationStatus
    submitted_at: datetime
    privacy_notice_version: str
    talent_pool_consent: bool = False
    retention_until: datetime | None = None
    legal_hold_reason: str | None = None
    # Set while processing is restricted at the candidate's request (GDPR Art. 18): no moves,
    # downloads only by privacy officers, skipped by expiry until lifted (ats.services.rights).
    restricted_at: datetime | None = None

    @property
    def restricted(self) -> bool:
        return self.restricted_at is not None


@dataclass
class Record:
    """One stored piece of personal data. Its S3 tags are derived from these fields only."""

    id: UUID
    application_id: UUID
    record_type: RecordType
    legal_basis: LegalBasis
    purpose: Purpose
    data_subject: DataSubject
    jurisdiction: str
    retention_rule: str
    expires_on: str
    object_key: str
    content_type: str
    filename: str
    size: int
    sha256: str
    created_at: datetime
    version_id: str = ""
    # Its own expiry from the retention table (DESIGN §12; None: hiring not concluded yet) and
    # where its object is stored (the bucket's region, set by the vault on the put).
    expires_at: datetime | None = None
    location: str = ""


@dataclass
class DataKeyRow:
    """A per-application data key, as KMS wrapped it. The plaintext key is never stored."""

    application_id: UUID
    wrapped_key: bytes
    kms_key_id: str
    created_at: datetime


@dataclass
class User:
    id: UUID
    email: str
    role: Role
    password_hash: str
    created_at: datetime
    active: bool = True
    session_version: int = 0


@dataclass
class AuditEvent:
    """Who did what to which ids, and when. Never names, emails or contents."""

    actor: str
    action: str
    at: datetime
    application_id: UUID | None = None
    position_id: UUID | None = None
    record_id: UUID | None = None
    details: dict[str, str | int | bool | None] = field(default_factory=dict)
    seq: int = 0
    prev_hash: str = ""
    hash: str = ""


@dataclass(frozen=True)
class ApplicationView:
    """What a recruiter sees of one application: the application, its person and records."""

    application: Application
    person: Person
    position: Position
    records: list[Record]


@dataclass
class Referee:
    """Someone the candidate named for a reference check (a data subject in their own right)."""

    id: UUID
    application_id: UUID
    full_name: str
    email: str
    relationship: str
    created_at: datetime
    report_record_id: UUID | None = None
