"""The hierarchical keyring over a fake KMS: per-application keys, bound to their context,
one KMS call per branch key, readable by another process through KMS."""

from __future__ import annotations

import pytest

from ats.ports import KeyAccessDenied
from storage.keyring import HierarchicalKeyProvider
from storage.memory import MemoryKeyProvider

CTX_A = {"purpose": "ats-application-data-key", "application": "a"}
CTX_B = {"purpose": "ats-application-data-key", "application": "b"}


def test_each_application_gets_its_own_key_and_one_kms_call_serves_many() -> None:
    kms = MemoryKeyProvider()
    ring = HierarchicalKeyProvider(kms)
    keys = [ring.generate_data_key(CTX_A) for _ in range(50)]
    assert len({k.plaintext for k in keys}) == 50 and all(len(k.plaintext) == 32 for k in keys)
    assert kms.calls == 1
    assert all(ring.decrypt_data_key(k.wrapped, CTX_A) == k.plaintext for k in keys)
    assert kms.calls == 1  # the branch key is cached


def test_wrong_context_tampering_and_garbage_are_refused() -> None:
    ring = HierarchicalKeyProvider(MemoryKeyProvider())
    key = ring.generate_data_key(CTX_A)
    with pytest.raises(KeyAccessDenied):
        ring.decrypt_data_key(key.wrapped, CTX_B)
    flipped = key.wrapped[:-1] + bytes([key.wrapped[-1] ^ 1])
    with pytest.raises(KeyAccessDenied):
        ring.decrypt_data_key(flipped, CTX_A)
    for junk in (b"", b"ATSK1", b"not a key", key.wrapped[:30]):
        with pytest.raises(KeyAccessDenied):
            ring.decrypt_data_key(junk, CTX_A)


def test_another_process_opens_keys_through_kms_and_kms_context_binds_the_branch() -> None:
    kms = MemoryKeyProvider()
    key = HierarchicalKeyProvider(kms).generate_data_key(CTX_A)
    other = HierarchicalKeyProvider(kms)  # a fresh process: empty cache
    assert other.decrypt_data_key(key.wrapped, CTX_A) == key.plaintext
    assert kms.calls == 2  # one GenerateDataKey, one Decrypt of the branch key
    # A branch id swapped in the blob no longer matches the KMS context of the branch key.
    forged = key.wrapped[:5] + bytes(16) + key.wrapped[21:]
    with pytest.raises(KeyAccessDenied):
        HierarchicalKeyProvider(kms).decrypt_data_key(forged, CTX_A)


def test_branch_keys_rotate_by_use_count() -> None:
    kms = MemoryKeyProvider()
    ring = HierarchicalKeyProvider(kms, max_uses=3)
    keys = [ring.generate_data_key(CTX_A) for _ in range(7)]
    assert kms.calls == 3
    assert len({k.wrapped[5:21] for k in keys}) == 3  # three branch ids
    assert all(ring.decrypt_data_key(k.wrapped, CTX_A) == k.plaintext for k in keys)
