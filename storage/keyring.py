"""A hierarchical keyring: per-application data keys wrapped by a short-lived branch key that
KMS generated, as the AWS Database Encryption SDK's "AWS KMS Hierarchical keyring" does
(docs.aws.amazon.com/database-encryption-sdk/latest/devguide/use-hierarchical-keyring.html).

Why: one KMS GenerateDataKey per application made KMS the largest cost of an intake
(bench/intake.py); here KMS is called once per branch key (every few minutes per process).
What is kept: every application still has its own random AES-256 key; its wrapped form is
bound to the application (AES-GCM associated data = the KMS-style encryption context), so it
opens under no other application's context; deleting it shreds the application's objects.
The branch key travels inside each wrapped key, itself wrapped by KMS under the context
{"purpose": "ats-branch-key", "branch": id}, so any process can open it through KMS.

Wrapped format: b"ATSK1" | branch id (16) | len (2) | KMS blob | nonce (12) | AES-GCM(key).
"""

from __future__ import annotations

import json
import os
import struct
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ats.ports import DataKey, KeyAccessDenied, KeyProvider

MAGIC = b"ATSK1"
BRANCH_TTL_SECONDS = 300.0  # a branch key wraps new application keys for at most 5 minutes
BRANCH_MAX_USES = 10_000
CACHE_SIZE = 1024


@dataclass
class _Branch:
    id: bytes
    key: bytes
    kms_blob: bytes
    created: float
    uses: int = 0


def _branch_context(branch_id: bytes) -> dict[str, str]:
    return {"purpose": "ats-branch-key", "branch": str(uuid.UUID(bytes=branch_id))}


def _aad(context: Mapping[str, str], branch_id: bytes) -> bytes:
    return json.dumps({"context": dict(context), "branch": branch_id.hex()}, sort_keys=True).encode()


class HierarchicalKeyProvider:
    def __init__(self, kms: KeyProvider, *, ttl: float = BRANCH_TTL_SECONDS, max_uses: int = BRANCH_MAX_USES) -> None:
        self.kms = kms
        self.ttl = ttl
        self.max_uses = max_uses
        self._lock = threading.Lock()
        self._active: _Branch | None = None
        self._cache: dict[bytes, bytes] = {}  # branch id -> branch key (for unwrapping)

    def _branch(self) -> _Branch:
        with self._lock:
            branch = self._active
            if branch is None or time.monotonic() - branch.created > self.ttl or branch.uses >= self.max_uses:
                branch_id = uuid.uuid4().bytes
                fresh = self.kms.generate_data_key(_branch_context(branch_id))
                branch = _Branch(branch_id, fresh.plaintext, fresh.wrapped, time.monotonic())
                self._active = branch
                self._remember(branch_id, fresh.plaintext)
                self.key_id = fresh.key_id
            branch.uses += 1
            return branch

    def _remember(self, branch_id: bytes, key: bytes) -> None:
        if len(self._cache) >= CACHE_SIZE:
            self._cache.pop(next(iter(self._cache)))
        self._cache[branch_id] = key

    def generate_data_key(self, context: Mapping[str, str]) -> DataKey:
        branch = self._branch()
        plaintext = AESGCM.generate_key(bit_length=256)
        nonce = os.urandom(12)
        sealed = AESGCM(branch.key).encrypt(nonce, plaintext, _aad(context, branch.id))
        wrapped = MAGIC + branch.id + struct.pack(">H", len(branch.kms_blob)) + branch.kms_blob + nonce + sealed
        return DataKey(plaintext=plaintext, wrapped=wrapped, key_id=getattr(self, "key_id", ""))

    def decrypt_data_key(self, wrapped: bytes, context: Mapping[str, str]) -> bytes:
        try:
            if not wrapped.startswith(MAGIC):
                raise ValueError("not a keyring blob")
            at = len(MAGIC)
            branch_id = wrapped[at : at + 16]
            (blob_len,) = struct.unpack(">H", wrapped[at + 16 : at + 18])
            kms_blob = wrapped[at + 18 : at + 18 + blob_len]
            rest = wrapped[at + 18 + blob_len :]
            nonce, sealed = rest[:12], rest[12:]
            if len(branch_id) != 16 or len(nonce) != 12 or not sealed:
                raise ValueError("truncated keyring blob")
        except (ValueError, struct.error) as exc:
            raise KeyAccessDenied("malformed wrapped key") from exc
        with self._lock:
            branch_key = self._cache.get(branch_id)
        if branch_key is None:
            branch_key = self.kms.decrypt_data_key(kms_blob, _branch_context(branch_id))
            with self._lock:
                self._remember(branch_id, branch_key)
        try:
            return AESGCM(branch_key).decrypt(nonce, sealed, _aad(context, branch_id))
        except InvalidTag as exc:
            raise KeyAccessDenied("the data key does not open under this context") from exc
