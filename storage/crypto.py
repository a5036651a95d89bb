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


class IntegrityError(Exception):
    """The ciphertext does not authenticate under this key and associated data."""


def _aad(metadata: Mapping[str, str]) -> bytes:
    return json.dumps(dict(metadata), sort_keys=True, separators=(",", ":")).encode()


def seal(key: bytes, plaintext: bytes, metadata: Mapping[str, str]) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return MAGIC + nonce + AESGCM(key).encrypt(nonce, plaintext, _aad(metadata))


def open_sealed(key: bytes, blob: bytes, metadata: Mapping[str, str]) -> bytes:
    if not blob.startswith(MAGIC) or len(blob) < len(MAGIC) + NONCE_BYTES + 16:
        raise IntegrityError("not an ATS1 envelope")
    nonce = blob[len(MAGIC) : len(MAGIC) + NONCE_BYTES]
    try:
        return AESGCM(key).decrypt(nonce, blob[len(MAGIC) + NONCE_BYTES :], _aad(metadata))
    except InvalidTag as exc:
        raise IntegrityError("authentication failed") from exc
