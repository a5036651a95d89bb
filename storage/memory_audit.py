"""In-memory fakes of the audit ports (ats.ports_audit): the filtered reads over the fake
repository's list, a signer (HMAC-SHA256 under a random key held by the fake alone: test use
only; the real one is KMS) and a dict of checkpoint objects."""

from __future__ import annotations

import copy
import hashlib
import hmac
import secrets

from ats.domain import audit as audit_chain
from ats.domain.audit_checkpoints import PREFIX
from ats.domain.model import AuditEvent
from ats.ports_audit import AuditFilter, CheckpointExists


class MemoryAuditQueries:
    audit: list[AuditEvent]

    async def audit_page(self, where: AuditFilter, *, after_seq: int, limit: int) -> list[AuditEvent]:
        def wanted(e: AuditEvent) -> bool:
            return (
                e.seq > after_seq
                and (where.application_id is None or e.application_id == where.application_id)
                and (where.actor is None or e.actor == where.actor)
                and (where.action is None or e.action == where.action)
                and (where.since is None or e.at >= where.since)
                and (where.until is None or e.at < where.until)
            )

        return [copy.deepcopy(e) for e in self.audit if wanted(e)][:limit]

    async def audit_head(self) -> tuple[int, str]:
        return (self.audit[-1].seq, self.audit[-1].hash) if self.audit else (0, audit_chain.GENESIS)


class MemorySigner:
    def __init__(self, key_id: str = "memory-signing-key") -> None:
        self.key_id = key_id
        self._key = secrets.token_bytes(32)

    def sign(self, message: bytes) -> bytes:
        return hmac.new(self._key, message, hashlib.sha256).digest()

    def verify(self, message: bytes, signature: bytes) -> bool:
        return hmac.compare_digest(self.sign(message), signature)


class MemoryCheckpointStore:
    """A versioned bucket's behaviour, in memory: a deleted or overwritten key is remembered."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.history: dict[str, int] = {}  # key -> writes and deletions seen

    def put_new(self, key: str, body: bytes) -> None:
        if key in self.objects:
            raise CheckpointExists(key)
        self.objects[key] = body
        self.history[key] = self.history.get(key, 0) + 1

    def delete(self, key: str) -> None:
        """What someone with the bucket's DeleteObject could do (tests)."""
        self.objects.pop(key, None)
        self.history[key] = self.history.get(key, 0) + 1

    def overwrite(self, key: str, body: bytes) -> None:
        """A PutObject without the create-only condition (tests)."""
        self.objects[key] = body
        self.history[key] = self.history.get(key, 0) + 1

    def replaced_keys(self) -> list[str]:
        return sorted(k for k, n in self.history.items() if n > 1 and k.startswith(PREFIX))

    def get(self, key: str) -> bytes:
        return self.objects[key]

    def list_keys(self) -> list[str]:
        return sorted(k for k in self.objects if k.startswith(PREFIX))
