"""The CheckpointStore port (ats/ports_audit.py): one contract, run on the in-memory fake and on
S3CheckpointStore against the emulator's versioned bucket. Checkpoints are written once, listed
in order, and a deleted or overwritten one stays visible in `replaced_keys`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from ats.domain import audit_checkpoints as cps
from ats.ports_audit import CheckpointExists, CheckpointStore
from storage.audit_seal import S3CheckpointStore
from storage.memory_audit import MemoryCheckpointStore
from tests.conftest import S3Env

# (store, delete(key), overwrite(key, body)): what someone with the bucket's rights could do.
Backend = tuple[CheckpointStore, Callable[[str], Any], Callable[[str, bytes], Any]]


@pytest.fixture(params=["memory", "s3"])
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    if request.param == "memory":
        fake = MemoryCheckpointStore()
        yield fake, fake.delete, fake.overwrite
        return
    s3env: S3Env = request.getfixturevalue("s3env")
    store = S3CheckpointStore(s3env.s3, s3env.bucket, s3env.kms_key_id)
    yield (
        store,
        lambda key: s3env.s3.delete_object(Bucket=s3env.bucket, Key=key),
        lambda key, body: s3env.s3.put_object(Bucket=s3env.bucket, Key=key, Body=body),
    )


def test_written_once_listed_in_order_and_removals_remembered(backend: Backend) -> None:
    store, delete, overwrite = backend
    for number in (2, 1, 3, 10):
        store.put_new(cps.object_key(number), f"checkpoint {number}".encode())
    with pytest.raises(CheckpointExists):
        store.put_new(cps.object_key(2), b"again")
    assert store.get(cps.object_key(2)) == b"checkpoint 2"
    assert store.list_keys() == [cps.object_key(n) for n in (1, 2, 3, 10)]
    assert store.replaced_keys() == []

    delete(cps.object_key(10))
    overwrite(cps.object_key(2), b"forged")
    assert store.list_keys() == [cps.object_key(n) for n in (1, 2, 3)]
    store.put_new(cps.object_key(10), b"the number taken again")  # allowed: the key is gone
    assert store.replaced_keys() == [cps.object_key(2), cps.object_key(10)]
