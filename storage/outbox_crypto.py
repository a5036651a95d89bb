"""Encryption of outbox messages at rest (DESIGN §10): the recipient, subject and body are
sealed with storage.crypto's AES-256-GCM envelope, the message id and application bound as
associated data, so a sealed body cannot be moved to another row or application unnoticed
(NIST SP 800-38D §5.2.1).

Which key:
- the application's own data key where the message concerns an application: erasing the
  application destroys that key first (DESIGN §5), which shreds its undelivered mail too;
- otherwise (mail about no application yet, e.g. a verification code) a service key derived
  with HKDF-SHA256 (RFC 5869) from ATS_SECRET_KEY. Why not KMS: a KMS call per message would
  sit inside the database transaction that queues it, holding SQLite's write lock across a
  network round trip; the secret already lives only in the environment and stays off disk.
  Such mail is short-lived (delivered within seconds, abandoned after MAX_ATTEMPTS), so
  rotating ATS_SECRET_KEY only costs messages still pending at that moment (they are
  abandoned unreadable, never sent garbled: AES-GCM authenticates).
"""

from __future__ import annotations

from uuid import UUID

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from storage import crypto

HKDF_INFO = b"ats outbox service key v1"


def service_key(secret: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=HKDF_INFO).derive(secret.encode())


def _metadata(message_id: UUID, application_id: UUID | None, app_key: bool) -> dict[str, str]:
    return {
        "purpose": "ats-outbox",
        "message": str(message_id),
        "application": str(application_id) if application_id else "",
        "key": "application" if app_key else "service",
    }


class OutboxCipher:
    def __init__(self, secret: str) -> None:
        self._service_key = service_key(secret)

    def seal(self, message_id: UUID, application_id: UUID | None, app_key: bytes | None, plaintext: bytes) -> bytes:
        key = app_key if app_key is not None else self._service_key
        return bytes(crypto.seal(key, plaintext, _metadata(message_id, application_id, app_key is not None)))

    def open(self, message_id: UUID, application_id: UUID | None, app_key: bytes | None, blob: bytes) -> bytes:
        """Raise storage.crypto.IntegrityError when the blob does not open under this key."""
        key = app_key if app_key is not None else self._service_key
        return crypto.open_sealed(key, blob, _metadata(message_id, application_id, app_key is not None))
