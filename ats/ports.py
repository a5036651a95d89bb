"""Small ports the services depend on. Each has a real adapter and an in-memory fake
(storage/), checked by one contract test run against both (tests/integration/test_contract_*)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from ats.domain.model import (
    Application,
    ApplicationStatus,
    AuditEvent,
    DataKeyRow,
    Person,
    Position,
    PositionStatus,
    Record,
    Referee,
    User,
)
from ats.domain.paging import Marker
from ats.domain.pipeline import Card
from ats.domain.tokens import ApiToken


class Clock(Protocol):
    def now(self) -> datetime: ...


@dataclass(frozen=True)
class DataKey:
    plaintext: bytes
    wrapped: bytes
    key_id: str


class KeyProvider(Protocol):
    """KMS: per-application data keys bound to an encryption context."""

    def generate_data_key(self, context: Mapping[str, str]) -> DataKey: ...

    def decrypt_data_key(self, wrapped: bytes, context: Mapping[str, str]) -> bytes:
        """Raise `KeyAccessDenied` when KMS refuses (wrong context, foreign key)."""
        ...


class KeyAccessDenied(Exception):
    """KMS refused to unwrap a data key (wrong context, destroyed or foreign key)."""


@dataclass(frozen=True)
class StoredVersion:
    key: str
    version_id: str
    last_modified: datetime


@dataclass(frozen=True)
class ObjectInfo:
    server_side_encryption: str | None
    kms_key_id: str | None
    size: int


class BlobStore(Protocol):
    """The S3 bucket: opaque bytes with tags, always written with SSE-KMS, versioned."""

    location: str  # where its objects are stored (the bucket's region): each record's `location`

    def put(self, key: str, body: bytes, tags: Mapping[str, str]) -> str:
        """Write and return the new version id."""
        ...

    def get(self, key: str, version_id: str) -> bytes: ...

    def head(self, key: str, version_id: str) -> ObjectInfo: ...

    def get_tags(self, key: str, version_id: str) -> dict[str, str]: ...

    def put_tags(self, key: str, version_id: str, tags: Mapping[str, str]) -> None: ...

    def list_versions(self, prefix: str) -> list[StoredVersion]: ...

    def delete_versions(self, items: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """Delete exact versions (batched); return those that could not be deleted."""
        ...


class BlobMissing(Exception):
    """The object version does not exist."""


@dataclass(frozen=True)
class IntakeLookup:
    """What an intake must know before it writes, read in one go."""

    position: Position | None
    # An application to this position whose contact row has this email, if any (issue 9 #10).
    duplicate_of: UUID | None


@dataclass(frozen=True)
class DocumentScope:
    """What a document download must know before it reads the object, read in one go
    (storage/document_sql.py): the record, its application and position, whether the asking
    user is assigned to the position, and the application's wrapped data key (None once
    destroyed)."""

    record: Record
    application: Application
    position: Position
    assigned: bool
    data_key: DataKeyRow | None


@dataclass
class NewSubmission:
    """Every row one intake writes. Each application has its own person row: a public form
    never attaches an upload to someone else's contact row (issue 9 #10). `events` are
    chained when stored."""

    application: Application
    person: Person
    data_key: DataKeyRow
    records: list[Record]
    referees: list[Referee]
    events: list[AuditEvent]


class Repository(Protocol):  # see RetentionRepository below for the expiry half
    """Reads and writes of domain objects. Writes happen inside `UnitOfWork.transaction()`."""

    async def add_position(self, position: Position) -> None: ...
    async def get_position(self, position_id: UUID) -> Position | None: ...
    async def list_positions(self, *, open_only: bool) -> list[Position]: ...

    async def get_person_by_email(self, email: str) -> Person | None: ...
    async def get_person(self, person_id: UUID) -> Person | None: ...
    async def add_person(self, person: Person) -> None: ...

    async def intake_lookup(self, position_id: UUID, email: str) -> IntakeLookup: ...
    async def add_application(self, application: Application) -> None: ...
    async def get_application(self, application_id: UUID) -> Application | None: ...
    async def find_application(self, person_id: UUID, position_id: UUID) -> Application | None: ...
    async def lock_application(self, application_id: UUID) -> Application | None:
        """Read inside a transaction, locking the row against concurrent writers."""
        ...
    async def list_applications(
        self, position_id: UUID, *, limit: int | None = None, after: Marker | None = None
    ) -> list[tuple[Application, Person]]:
        """Newest first (submitted_at, then id, descending); `after` starts below a marker."""
        ...

    async def add_data_key(self, key: DataKeyRow) -> None: ...
    async def get_data_key(self, application_id: UUID) -> DataKeyRow | None: ...

    async def add_records(self, records: list[Record]) -> None: ...
    async def get_record(self, record_id: UUID) -> Record | None: ...
    async def list_records(self, application_id: UUID) -> list[Record]: ...
    async def document_scope(self, record_id: UUID, user_id: UUID | None) -> DocumentScope | None:
        """A download's reads in one trip (outside a transaction): None for an unknown record."""
        ...

    # Who is asking, in one trip each (outside a transaction): every staff request starts here.
    async def sign_in_user(self, user_id: UUID) -> User | None: ...
    async def sign_in_token(self, token_hash: str) -> tuple[ApiToken, User] | None:
        """The token with its user; None when either is unknown."""
        ...

    async def append_audit(self, events: list[AuditEvent]) -> None:
        """Chain (ats.domain.audit.chain) and store, serialised against other writers."""
        ...

    async def list_audit(self, *, after_seq: int = 0, limit: int = 1000) -> list[AuditEvent]: ...

    async def add_user(self, user: User) -> None: ...
    async def get_user(self, user_id: UUID) -> User | None: ...
    async def get_user_by_email(self, email: str) -> User | None: ...
    async def bump_session_version(self, user_id: UUID) -> None: ...
    # API tokens and the users' lifecycle (issue 9 item 12)
    async def add_token(self, token: ApiToken) -> None: ...
    async def get_token_by_hash(self, token_hash: str) -> ApiToken | None: ...
    async def get_token(self, token_id: UUID) -> ApiToken | None: ...
    async def list_tokens(self, user_id: UUID) -> list[ApiToken]: ...
    async def revoke_token(self, token_id: UUID, at: datetime) -> None:
        """Sets revoked_at unless the token was already revoked."""
        ...

    async def revoke_user_tokens(self, user_id: UUID, at: datetime) -> None: ...
    async def set_user_active(self, user_id: UUID, active: bool) -> None: ...
    # the admin pages' lists (no candidate data)
    async def list_users(self) -> list[User]:
        """Every staff account, by email."""
        ...

    async def count_applications_by_position(self) -> dict[UUID, int]:
        """Applications stored per position (erased ones are gone); positions without any are absent."""
        ...


class UnitOfWork(Protocol):
    repo: Repository

    def transaction(self) -> AbstractAsyncContextManager[Repository]:
        """All writes inside commit together or not at all (write-locking on SQLite)."""
        ...

    async def save_submission(self, submission: NewSubmission) -> None:
        """One intake's rows and audit events in one transaction; Duplicate on a unique clash."""
        ...

    async def append_audit_alone(self, events: list[AuditEvent]) -> None:
        """Chain and append `events` in a transaction of their own (a read's audit event),
        committed when this returns; one trip to the database where it can be."""
        ...

    async def use_export_link_audited(self, link_id: UUID, at: datetime, events: list[AuditEvent]) -> bool:
        """Mark an export's link used and append `events` in one transaction of their own;
        False, with nothing written, when the link was used already (of two concurrent
        downloads only one wins). One trip per statement, no more."""
        ...

    async def scrub_after_erasure(self) -> bool:
        """Remove what erased rows left in the database's own files (SQLite: the write-ahead
        log); call outside a transaction. False when it could not finish now (busy)."""
        ...


class Duplicate(Exception):
    """A unique constraint refused a write (raised by repositories)."""


class PositionClosed(Exception):
    """save_submission found the position no longer open inside its write transaction (a
    conclusion committed after the intake's lookup): nothing was written (issue 9 #2)."""



class Vault(Protocol):
    """Encrypted, tagged records (storage.vault.RecordVault). Blocking: call off the loop."""

    @property
    def location(self) -> str:
        """Where records are stored (the bucket's region): each record's `location` tag."""
        ...

    def new_data_key(self, application_id: UUID) -> DataKey: ...
    def unwrap(self, application_id: UUID, wrapped: bytes) -> bytes: ...
    def store(self, key: bytes, record: Record, plaintext: bytes) -> str: ...
    def store_new(self, application_id: UUID, items: Sequence[tuple[Record, bytes]]) -> DataKey: ...
    def fetch(self, key: bytes, record: Record) -> bytes: ...
    def discard(self, records: list[Record]) -> None: ...
    def retag(self, record: Record, tags: Mapping[str, str]) -> None: ...
    def delete_versions(self, items: list[tuple[str, str]]) -> list[tuple[str, str]]: ...
    def list_versions(self, prefix: str) -> list[StoredVersion]: ...


@dataclass
class Claimed:
    """An application a worker has claimed for erasure, with the exact object versions to delete."""

    application_id: UUID
    reference: str
    position_id: UUID
    person_id: UUID
    submitted_at: datetime
    retention_until: datetime | None
    versions: list[tuple[str, str]]
    # The reason the claim was made with (an erasure on request, an objection), kept on the row
    # so whichever run finishes it writes that reason; None: the caller's (expiry's).
    reason: str | None = None


@dataclass
class TombstoneRow:
    application_id: UUID
    reference: str
    position_id: UUID
    submitted_at: datetime
    retention_until: datetime | None
    erased_at: datetime
    reason: str
    records_erased: int
    versions_deleted: int


@dataclass
class JobRunRow:
    id: UUID
    job: str
    started_at: datetime
    status: str
    counts: dict
    errors: list
    finished_at: datetime | None = None
    holder: str | None = None  # the replica that ran it (jobs/lease.py)


class RetentionRepository(Protocol):
    """Conclusion, holds, re-tagging and expiry queries (fixed statement count per batch)."""

    async def conclude_position(
        self, position_id: UUID, outcome: PositionStatus, concluded_at: datetime, until: datetime
    ) -> list[UUID]: ...
    async def set_legal_hold(self, application_id: UUID, reason: str | None) -> None: ...
    async def erasure_in_progress(self, application_id: UUID, now: datetime) -> bool:
        """Claimed by a live worker, or its data key already destroyed by an erasure."""
        ...
    async def pending_retag(self, limit: int) -> list[tuple[Record, datetime]]: ...
    async def set_expires_on(self, record_ids: list[UUID], value: str) -> None: ...
    async def count_held_due(self, as_of: datetime) -> int: ...
    async def count_due(self, as_of: datetime) -> int: ...
    async def claim_due(
        self, *, as_of: datetime, worker: str, now: datetime, lease_until: datetime, limit: int
    ) -> list[Claimed]: ...
    async def complete_erasures(
        self, claims: list[Claimed], worker: str, tombstones: list[TombstoneRow]
    ) -> set[UUID]: ...
    async def get_tombstone(self, application_id: UUID) -> TombstoneRow | None: ...
    async def all_record_versions(self) -> set[tuple[str, str]]: ...
    async def add_job_run(self, run: JobRunRow) -> None: ...
    async def finish_job_run(self, run: JobRunRow) -> None: ...
    async def list_job_runs(self, limit: int = 50) -> list[JobRunRow]: ...


# --- Assignments: staff to positions (DESIGN §8, need to know) ---------------------------------


@dataclass(frozen=True)
class Assignment:
    position_id: UUID
    user_id: UUID
    assigned_at: datetime


class AssignmentRepository(Protocol):
    """Who is assigned to which position (storage/assignments_repository.py; fake:
    storage/memory_assignments.py). Each scope question is one indexed query."""

    async def add_assignment(self, assignment: Assignment) -> bool:
        """False (and nothing changed) when the user is already assigned to the position."""
        ...
    async def remove_assignment(self, position_id: UUID, user_id: UUID) -> bool:
        """False when there was no such assignment."""
        ...
    async def is_assigned(self, position_id: UUID, user_id: UUID) -> bool: ...
    async def assigned_position_ids(self, user_id: UUID) -> set[UUID]: ...
    async def list_assignments(self, position_id: UUID) -> list[Assignment]:
        """Oldest first."""
        ...
    async def count_by_status(self, position_ids: Sequence[UUID]) -> dict[UUID, dict[str, int]]:
        """Applications per status of each position, in one query (positions without any are
        left out)."""
        ...


# --- Mail (DESIGN §10) --------------------------------------------------------------------------


@dataclass(frozen=True)
class OutgoingMail:
    """One message as handed to the mailer: plaintext, in memory only, never logged."""

    message_id: UUID
    sender: str
    to: str
    subject: str
    body: str


class MailDeferred(Exception):
    """The mailer could not deliver now (connection, timeout, 4xx): try again later."""


class MailRejected(Exception):
    """The SMTP server refused for good (5xx): retrying will not help."""


class Mailer(Protocol):
    """Sends one message (storage.smtp.SmtpMailer; fake: storage.mailbox.MemoryMailer).
    The exceptions carry SMTP codes and classes only, never an address."""

    async def send(self, message: OutgoingMail) -> None: ...


@dataclass(frozen=True)
class ReceivedMail:
    """A message a development SMTP server received (the panel's development mailbox)."""

    received_at: datetime
    sender: str
    recipients: tuple[str, ...]
    subject: str
    body: str


class Inbox(Protocol):
    """What the embedded SMTP server holds in memory (development only)."""

    def messages(self) -> list[ReceivedMail]: ...


class MailCipher(Protocol):
    """Seals an outbox message's (recipient, subject, body). `app_key` is the application's
    data key where there is one; otherwise the cipher uses its own service key. The message
    id and application are bound as associated data (storage.outbox_crypto)."""

    def seal(self, message_id: UUID, application_id: UUID | None, app_key: bytes | None, plaintext: bytes) -> bytes: ...
    def open(self, message_id: UUID, application_id: UUID | None, app_key: bytes | None, blob: bytes) -> bytes: ...


@dataclass
class OutboxRow:
    """One outbox message. `sealed` (and so the address, subject and body) is None once the
    message is delivered or abandoned; what stays is ids, kind and times for the audit."""

    id: UUID
    kind: str
    application_id: UUID | None
    created_at: datetime
    sealed: bytes | None
    app_key: bool  # sealed with the application's data key (else the service key)
    status: str = "pending"  # pending | delivered | abandoned
    attempts: int = 0
    next_attempt_at: datetime | None = None
    finished_at: datetime | None = None
    last_error: str | None = None


class OutboxRepository(Protocol):
    """The outbox's rows (storage/outbox_repository.py; fake: storage/memory_outbox.py).
    `add_outbox` belongs in the transaction of the change that causes the message."""

    async def add_outbox(self, row: OutboxRow) -> None: ...
    async def claim_outbox(
        self, *, now: datetime, lease_until: datetime, limit: int, ids: Sequence[UUID] | None = None
    ) -> list[OutboxRow]:
        """Pending messages due at `now` (of `ids` when given): attempts + 1 and due again at
        `lease_until`, so no other worker sends them meanwhile. Call inside a transaction."""
        ...
    async def outbox_finished(self, message_id: UUID, *, status: str, at: datetime, error: str | None) -> None:
        """Delivered or abandoned: drop the sealed content, keep ids, kind and times."""
        ...
    async def outbox_retry(self, message_id: UUID, *, at: datetime, error: str) -> None: ...
    async def get_outbox(self, message_id: UUID) -> OutboxRow | None: ...
    async def list_outbox(self, *, status: str | None = None, limit: int = 100) -> list[OutboxRow]: ...


# --- The pipeline page (ats.services.pipeline) --------------------------------------------------


class PipelineRepository(Protocol):
    """A position's pipeline in two statements whatever its size (storage/pipeline_repository.py;
    fake: storage/memory_pipeline.py)."""

    async def status_counts(self, position_id: UUID) -> dict[ApplicationStatus, int]:
        """Applications per status, in one grouped query; statuses without any are left out."""
        ...
    async def pipeline_cards(
        self,
        position_id: UUID,
        *,
        limit: int,
        after: Marker | None = None,
        status: ApplicationStatus | None = None,
        reference: str | None = None,
    ) -> list[Card]:
        """Newest first (submitted_at, then id, descending), in one query; `after` starts below
        a marker; `status` and `reference` (exact, normalised) narrow the list."""
        ...
