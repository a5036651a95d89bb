"""Ports of the audit trail's reading and proving (issue 11 item 3).

- AuditQueries: filtered, keyset-paged reads of the chain (mixed into the repositories:
  storage/audit_repository.py, storage/memory_audit.py).
- AuditSigner and CheckpointStore: where checkpoints of the chain head are signed (KMS Sign with
  an asymmetric key) and kept (S3, under their own prefix); real adapters in
  storage/audit_seal.py, fakes in storage/memory_audit.py. Neither is reachable from the
  database: that is the point.
Contract: tests/integration/test_audit_contract.py (fakes, SQLite, PostgreSQL, the emulator)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from ats.domain.model import AuditEvent


@dataclass(frozen=True)
class AuditFilter:
    application_id: UUID | None = None
    actor: str | None = None
    action: str | None = None
    since: datetime | None = None  # at >= since
    until: datetime | None = None  # at < until


class AuditQueries(Protocol):
    async def audit_page(self, where: AuditFilter, *, after_seq: int, limit: int) -> list[AuditEvent]:
        """Events matching `where` with seq > after_seq, in seq order, at most `limit`."""
        ...

    async def audit_head(self) -> tuple[int, str]:
        """The chain head (seq, hash); (0, GENESIS) before the first event."""
        ...


class AuditSigner(Protocol):
    key_id: str

    def sign(self, message: bytes) -> bytes: ...

    def verify(self, message: bytes, signature: bytes) -> bool:
        """False for a signature that does not verify (never raises for that)."""
        ...


class CheckpointExists(Exception):
    """The checkpoint's object was written meanwhile (another replica): take the next number."""


class CheckpointStore(Protocol):
    def put_new(self, key: str, body: bytes) -> None:
        """Write `key` only if it does not exist yet (else CheckpointExists)."""
        ...

    def get(self, key: str) -> bytes: ...

    def list_keys(self) -> list[str]:
        """Every key under the checkpoints' prefix, in order."""
        ...

    def replaced_keys(self) -> list[str]:
        """Keys under the prefix that were ever deleted or written twice (a delete marker or a
        second version in the versioned bucket's history), in order. A checkpoint is written
        once and never removed, so each of these is a checkpoint someone took away, even one
        whose number a later checkpoint re-used."""
        ...


@dataclass(frozen=True)
class AuditSeal:
    signer: AuditSigner
    store: CheckpointStore
