"""In-memory fake of the DeploymentInspector port: buckets and keys as a test sets them."""

from __future__ import annotations

from ats.domain.deployment import BucketFacts, KeyFacts


class FakeInspector:
    def __init__(self) -> None:
        self.buckets: dict[str, BucketFacts] = {}
        self.keys: dict[str, KeyFacts] = {}  # by every name that finds the key (id, ARN, alias)

    def bucket(self, name: str) -> BucketFacts:
        return self.buckets.get(name, BucketFacts(exists=False))

    def key(self, key_id: str) -> KeyFacts:
        return self.keys.get(key_id, KeyFacts(found=False, error="NotFoundException"))
