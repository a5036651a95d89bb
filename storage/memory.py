"""In-memory fakes of every port, for unit tests and as the contract tests' second subject."""

from __future__ import annotations

import asyncio
import copy
import json
import os
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ats.domain import audit as audit_chain
from ats.domain.model import (
    Application,
    AuditEvent,
    DataKeyRow,
    Person,
    Position,
    Record,
    User,
)
from ats.domain.paging import Marker
from ats.ports import (
    BlobMissing,
    DataKey,
    Duplicate,
    IntakeLookup,
    KeyAccessDenied,
    NewSubmission,
    ObjectInfo,
    PositionClosed,
    StoredVersion,
)
from storage.lease_memory import MemoryLeases
from storage.memory_accounts import MemoryAccounts
from storage.memory_assignments import MemoryAssignments
from storage.memory_audit import MemoryAuditQueries
from storage.memory_documents import MemoryDocuments
from storage.memory_exports import MemoryExports
from storage.memory_outbox import MemoryOutbox
from storage.memory_oversight import MemoryOversight
from storage.memory_pipeline import MemoryPipeline
from storage.memory_record_retention import MemoryRecordRetention
from storage.memory_requests import MemoryRequests
from storage.memory_retention import MemoryRetention
from storage.memory_rights import MemoryRights
from storage.memory_upkeep import MemoryUpkeep
from storage.memory_workflow import MemoryWorkflow

MAX_TAGS = 10  # S3's limit per object


class FixedClock:
    def __init__(self, now: datetime | None = None) -> None:
        self._now = now or datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, **kwargs: float) -> None:
        self._now += timedelta(**kwargs)


class MemoryKeyProvider:
    """Wraps data keys with a master key, binding the context as associated data, like KMS."""

    def __init__(self, key_id: str = "memory-key") -> None:
        self.key_id = key_id
        self._master = AESGCM(AESGCM.generate_key(bit_length=256))
        self.calls = 0

    @staticmethod
    def _aad(context: Mapping[str, str]) -> bytes:
        return json.dumps(dict(context), sort_keys=True).encode()

    def generate_data_key(self, context: Mapping[str, str]) -> DataKey:
        self.calls += 1
        plaintext = AESGCM.generate_key(bit_length=256)
        nonce = os.urandom(12)
        wrapped = nonce + self._master.encrypt(nonce, plaintext, self._aad(context))
        return DataKey(plaintext=plaintext, wrapped=wrapped, key_id=self.key_id)

    def decrypt_data_key(self, wrapped: bytes, context: Mapping[str, str]) -> bytes:
        self.calls += 1
        try:
            return self._master.decrypt(wrapped[:12], wrapped[12:], self._aad(context))
        except (InvalidTag, ValueError) as exc:
            raise KeyAccessDenied("the data key does not open under this context") from exc


class MemoryBlobStore:
    def __init__(self, kms_key_id: str = "memory-key", clock: Any = None) -> None:
        self.kms_key_id = kms_key_id
        self.location = "memory"
        # Last-modified times follow the test's clock when given, so grace periods are testable.
        self._clock = clock
        self.objects: dict[str, list[dict[str, Any]]] = {}
        self.requests = 0

    def put(self, key: str, body: bytes, tags: Mapping[str, str]) -> str:
        self.requests += 1
        if len(tags) > MAX_TAGS:
            raise ValueError(f"S3 allows at most {MAX_TAGS} tags per object")
        version_id = uuid.uuid4().hex
        self.objects.setdefault(key, []).append(
            {
                "version_id": version_id,
                "body": bytes(body),
                "tags": dict(tags),
                "at": self._clock.now() if self._clock else datetime.now(UTC),
            }
        )
        return version_id

    def _version(self, key: str, version_id: str) -> dict[str, Any]:
        for version in self.objects.get(key, []):
            if version["version_id"] == version_id:
                return version
        raise BlobMissing(key)

    def get(self, key: str, version_id: str) -> bytes:
        self.requests += 1
        return self._version(key, version_id)["body"]

    def head(self, key: str, version_id: str) -> ObjectInfo:
        self.requests += 1
        body = self._version(key, version_id)["body"]
        return ObjectInfo(server_side_encryption="aws:kms", kms_key_id=self.kms_key_id, size=len(body))

    def get_tags(self, key: str, version_id: str) -> dict[str, str]:
        self.requests += 1
        return dict(self._version(key, version_id)["tags"])

    def put_tags(self, key: str, version_id: str, tags: Mapping[str, str]) -> None:
        self.requests += 1
        if len(tags) > MAX_TAGS:
            raise ValueError(f"S3 allows at most {MAX_TAGS} tags per object")
        self._version(key, version_id)["tags"] = dict(tags)

    def list_versions(self, prefix: str) -> list[StoredVersion]:
        self.requests += 1
        return [
            StoredVersion(key=k, version_id=v["version_id"], last_modified=v["at"])
            for k, versions in sorted(self.objects.items())
            if k.startswith(prefix)
            for v in versions
        ]

    def delete_versions(self, items: list[tuple[str, str]]) -> list[tuple[str, str]]:
        for start in range(0, len(items), 1000):
            self.requests += 1
            for key, version_id in items[start : start + 1000]:
                versions = self.objects.get(key, [])
                versions[:] = [v for v in versions if v["version_id"] != version_id]
                if not versions:
                    self.objects.pop(key, None)
        return []


class MemoryRepository(
    MemoryRetention,
    MemoryRecordRetention,
    MemoryWorkflow,
    MemoryOutbox,
    MemoryAccounts,
    MemoryPipeline,
    MemoryAssignments,
    MemoryDocuments,
    MemoryExports,
    MemoryLeases,
    MemoryRights,
    MemoryRequests,
    MemoryUpkeep,
    MemoryOversight,
    MemoryAuditQueries,
):
    def __init__(self) -> None:
        self.state: dict[str, dict[Any, Any]] = {
            name: {}
            for name in (
                "positions",
                "persons",
                "applications",
                "data_keys",
                "records",
                "users",
                "tokens",
                "assignments",
            )
        }
        self.audit: list[AuditEvent] = []

    def _unique(self, table: str, attr: str, value: Any) -> None:
        if any(getattr(row, attr) == value for row in self.state[table].values()):
            raise Duplicate(f"{table}.{attr}")

    async def add_position(self, position: Position) -> None:
        self.state["positions"][position.id] = copy.copy(position)

    async def get_position(self, position_id: UUID) -> Position | None:
        return copy.copy(self.state["positions"].get(position_id))

    async def list_positions(self, *, open_only: bool) -> list[Position]:
        rows = sorted(self.state["positions"].values(), key=lambda p: p.title)
        return [copy.copy(p) for p in rows if p.is_open or not open_only]

    async def get_person_by_email(self, email: str) -> Person | None:
        found = [p for p in self.state["persons"].values() if p.email == email]
        return copy.copy(found[0]) if found else None

    async def get_person(self, person_id: UUID) -> Person | None:
        return copy.copy(self.state["persons"].get(person_id))

    async def add_person(self, person: Person) -> None:
        # No unique email: each application has its own contact row (issue 9 #10).
        self.state["persons"][person.id] = copy.copy(person)

    async def intake_lookup(self, position_id: UUID, email: str) -> IntakeLookup:
        persons = self.state["persons"]
        duplicate = [
            a.id
            for a in self.state["applications"].values()
            if a.position_id == position_id and a.person_id in persons and persons[a.person_id].email == email
        ]
        position = await self.get_position(position_id)
        return IntakeLookup(position, duplicate[0] if duplicate and position else None)

    async def add_application(self, application: Application) -> None:
        self._unique("applications", "reference", application.reference)
        if await self.find_application(application.person_id, application.position_id):
            raise Duplicate("applications.dedupe_key")
        self.state["applications"][application.id] = copy.copy(application)

    async def get_application(self, application_id: UUID) -> Application | None:
        return copy.copy(self.state["applications"].get(application_id))

    async def lock_application(self, application_id: UUID) -> Application | None:
        return await self.get_application(application_id)

    async def find_application(self, person_id: UUID, position_id: UUID) -> Application | None:
        for a in self.state["applications"].values():
            if a.person_id == person_id and a.position_id == position_id:
                return copy.copy(a)
        return None

    async def list_applications(
        self, position_id: UUID, *, limit: int | None = None, after: Marker | None = None
    ) -> list[tuple[Application, Person]]:
        apps = [a for a in self.state["applications"].values() if a.position_id == position_id]
        if after is not None:
            apps = [a for a in apps if (a.submitted_at, a.id) < (after.at, after.id)]
        apps.sort(key=lambda a: (a.submitted_at, a.id), reverse=True)
        return [(copy.copy(a), copy.copy(self.state["persons"][a.person_id])) for a in apps[:limit]]

    async def add_data_key(self, key: DataKeyRow) -> None:
        if key.application_id in self.state["data_keys"]:
            raise Duplicate("data_keys")
        self.state["data_keys"][key.application_id] = copy.copy(key)

    async def get_data_key(self, application_id: UUID) -> DataKeyRow | None:
        return copy.copy(self.state["data_keys"].get(application_id))

    async def add_records(self, records: list[Record]) -> None:
        for record in records:
            self._unique("records", "object_key", record.object_key)
            self.state["records"][record.id] = copy.copy(record)

    async def get_record(self, record_id: UUID) -> Record | None:
        return copy.copy(self.state["records"].get(record_id))

    async def list_records(self, application_id: UUID) -> list[Record]:
        rows = [r for r in self.state["records"].values() if r.application_id == application_id]
        return [copy.copy(r) for r in sorted(rows, key=lambda r: r.created_at)]

    async def append_audit(self, events: list[AuditEvent]) -> None:
        head = self.audit[-1] if self.audit else None
        audit_chain.chain(
            events,
            head_seq=head.seq if head else 0,
            head_hash=head.hash if head else audit_chain.GENESIS,
        )
        self.audit.extend(copy.deepcopy(events))

    async def list_audit(self, *, after_seq: int = 0, limit: int = 1000) -> list[AuditEvent]:
        return [copy.deepcopy(e) for e in self.audit if e.seq > after_seq][:limit]

    async def add_user(self, user: User) -> None:
        self._unique("users", "email", user.email)
        self.state["users"][user.id] = copy.copy(user)

    async def get_user(self, user_id: UUID) -> User | None:
        return copy.copy(self.state["users"].get(user_id))

    async def get_user_by_email(self, email: str) -> User | None:
        found = [u for u in self.state["users"].values() if u.email == email]
        return copy.copy(found[0]) if found else None

    async def bump_session_version(self, user_id: UUID) -> None:
        self.state["users"][user_id].session_version += 1

    # tokens and the users' lifecycle: storage/memory_accounts.py (MemoryAccounts)


class MemoryUnitOfWork:
    """Snapshot on entry, restore on error: the same all-or-nothing a database gives."""

    def __init__(self, repo: MemoryRepository | None = None) -> None:
        self.repo = repo or MemoryRepository()
        self._lock = asyncio.Lock()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[MemoryRepository]:
        async with self._lock:
            saved = copy.deepcopy((self.repo.state, self.repo.audit))
            try:
                yield self.repo
            except BaseException:
                self.repo.state, self.repo.audit = saved
                raise

    async def scrub_after_erasure(self) -> bool:
        return True  # nothing of a dict outlives its deletion on disk

    async def append_audit_alone(self, events: list[AuditEvent]) -> None:
        async with self.transaction() as repo:
            await repo.append_audit(events)

    async def use_export_link_audited(self, link_id: UUID, at: datetime, events: list[AuditEvent]) -> bool:
        async with self.transaction() as repo:
            if not await repo.use_export_link(link_id, at):
                return False
            await repo.append_audit(events)
            return True

    async def save_submission(self, submission: NewSubmission) -> None:
        async with self.transaction() as repo:
            position = repo.state["positions"].get(submission.application.position_id)
            if position is None or not position.is_open:
                raise PositionClosed(str(submission.application.position_id))
            found = await repo.intake_lookup(submission.application.position_id, submission.person.email)
            if found.duplicate_of is not None:  # the unique dedupe_key of the real tables
                raise Duplicate("applications.dedupe_key")
            await repo.add_person(submission.person)
            await repo.add_application(submission.application)
            await repo.add_data_key(submission.data_key)
            await repo.add_records(submission.records)
            await repo.add_referees(submission.referees)
            await repo.append_audit(submission.events)
