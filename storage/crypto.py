"""AES-256-GCM envelope for one object (DESIGN §5), via `cryptography`'s AEAD primitive.

Format: b"ATS1" | 12-byte random nonce | ciphertext with 16-byte tag. The associated data is
the record's metadata (object key, application, record type, legal basis) as canonical JSON, so
a ciphertext moved to another key or relabelled fails authentication (NIST SP 800-38D §5.2.1).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"ATS1"
NONCE_BYTES = 12  # 96-bit random nonces: safe far beyond one key's few objects (SP 800-38D §8.3)
TAG_BYTES = 16
HEAD = len(MAGIC) + NONCE_BYTES


class IntegrityError(Exception):
    """The ciphertext does not authenticate under this key and associated data."""


def _aad(metadata: Mapping[str, str]) -> bytes:
    return json.dumps(dict(metadata), sort_keys=True, separators=(",", ":")).encode()


def seal(key: bytes, plaintext: bytes, metadata: Mapping[str, str]) -> bytearray:
    nonce = os.urandom(NONCE_BYTES)
    # Encrypted straight into the envelope: `MAGIC + nonce + ciphertext` copied the whole
    # ciphertext once more, a fresh megabyte per CV (bench/intake.py).
    blob = bytearray(HEAD + len(plaintext) + TAG_BYTES)
    blob[:HEAD] = MAGIC + nonce
    AESGCM(key).encrypt_into(nonce, plaintext, _aad(metadata), memoryview(blob)[HEAD:])
    return blob


def open_sealed(key: bytes, blob: bytes, metadata: Mapping[str, str]) -> bytes:
    if not blob.startswith(MAGIC) or len(blob) < HEAD + TAG_BYTES:
        raise IntegrityError("not an ATS1 envelope")
    nonce = blob[len(MAGIC) : HEAD]
    try:
        return AESGCM(key).decrypt(nonce, memoryview(blob)[HEAD:], _aad(metadata))
    except InvalidTag as exc:
        raise IntegrityError("authentication failed") from exc
