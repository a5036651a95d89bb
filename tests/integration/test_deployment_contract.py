"""The DeploymentInspector port: the boto3 adapter (against the emulator) and the in-memory
fake answer the same way for the same bucket and key set-ups."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any, Protocol

import pytest

from ats.domain.deployment import PUBLIC_ACCESS_FLAGS, BucketFacts, KeyFacts
from ats.ports_ops import DeploymentInspector
from storage.deployment import Boto3Inspector
from storage.memory_deployment import FakeInspector
from tests.conftest import REGION, S3Env


class World(Protocol):
    inspector: DeploymentInspector

    def bucket(self, *, versioned: bool, blocked: bool, key: str | None) -> str: ...
    def key(self) -> str: ...
    def schedule_deletion(self, key: str) -> None: ...
    def suspend_versioning(self, bucket: str) -> None: ...


class RealWorld:
    def __init__(self, s3env: S3Env) -> None:
        self.s3, self.kms = s3env.s3, s3env.kms
        self.inspector = Boto3Inspector(self.s3, self.kms)

    def bucket(self, *, versioned: bool, blocked: bool, key: str | None) -> str:
        name = f"ats-contract-{uuid.uuid4().hex[:12]}"
        self.s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
        if versioned:
            self.s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        if blocked:
            self.s3.put_public_access_block(
                Bucket=name, PublicAccessBlockConfiguration=dict.fromkeys(PUBLIC_ACCESS_FLAGS, True)
            )
        if key:
            self.s3.put_bucket_encryption(
                Bucket=name,
                ServerSideEncryptionConfiguration={
                    "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key}}]
                },
            )
        return name

    def key(self) -> str:
        return str(self.kms.create_key()["KeyMetadata"]["KeyId"])

    def schedule_deletion(self, key: str) -> None:
        self.kms.schedule_key_deletion(KeyId=key, PendingWindowInDays=7)

    def suspend_versioning(self, bucket: str) -> None:
        self.s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})


class FakeWorld:
    def __init__(self) -> None:
        self.inspector = FakeInspector()

    def bucket(self, *, versioned: bool, blocked: bool, key: str | None) -> str:
        name = f"ats-contract-{uuid.uuid4().hex[:12]}"
        self.inspector.buckets[name] = BucketFacts(
            exists=True,
            versioning="Enabled" if versioned else None,
            public_access_block=dict.fromkeys(PUBLIC_ACCESS_FLAGS, True) if blocked else None,
            encryption_algorithm="aws:kms" if key else None,
            encryption_key=key,
        )
        return name

    def key(self) -> str:
        key_id = str(uuid.uuid4())
        arn = f"arn:aws:kms:{REGION}:123456789012:key/{key_id}"
        self.inspector.keys[key_id] = self.inspector.keys[arn] = KeyFacts(True, key_id, arn, "Enabled")
        return key_id

    def schedule_deletion(self, key: str) -> None:
        facts = replace(self.inspector.keys[key], state="PendingDeletion")
        for name in (facts.key_id, facts.arn):
            self.inspector.keys[str(name)] = facts

    def suspend_versioning(self, bucket: str) -> None:
        self.inspector.buckets[bucket] = replace(self.inspector.buckets[bucket], versioning="Suspended")


@pytest.fixture(params=["boto3", "fake"])
def world(request: pytest.FixtureRequest) -> Any:
    if request.param == "fake":
        return FakeWorld()
    return RealWorld(request.getfixturevalue("s3env"))


def test_a_configured_bucket(world: World) -> None:
    key = world.key()
    name = world.bucket(versioned=True, blocked=True, key=key)
    facts = world.inspector.bucket(name)
    assert facts == BucketFacts(
        exists=True,
        versioning="Enabled",
        public_access_block=dict.fromkeys(PUBLIC_ACCESS_FLAGS, True),
        policy_public=None,
        public_acl_grants=(),
        encryption_algorithm="aws:kms",
        encryption_key=key,
    )


def test_a_bare_bucket_reads_as_not_configured(world: World) -> None:
    name = world.bucket(versioned=False, blocked=False, key=None)
    assert world.inspector.bucket(name) == BucketFacts(exists=True)
    world.suspend_versioning(name)
    assert world.inspector.bucket(name).versioning == "Suspended"


def test_a_missing_bucket(world: World) -> None:
    assert world.inspector.bucket("ats-contract-missing") == BucketFacts(exists=False)


def test_keys_by_id_and_arn_and_their_state(world: World) -> None:
    key = world.key()
    facts = world.inspector.key(key)
    assert facts.found and facts.key_id == key and facts.state == "Enabled"
    assert facts.arn is not None and world.inspector.key(facts.arn) == facts
    world.schedule_deletion(key)
    assert world.inspector.key(key).state == "PendingDeletion"


def test_a_missing_key(world: World) -> None:
    missing = world.inspector.key("00000000-0000-4000-8000-000000000000")
    assert missing == KeyFacts(found=False, error="NotFoundException")
