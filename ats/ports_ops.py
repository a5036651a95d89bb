"""Ports for operating the module (`ats doctor`, production start-up checks): what the
deployment's bucket and key look like, read without changing anything."""

from __future__ import annotations

from typing import Protocol

from ats.domain.deployment import PUBLIC_ACCESS_FLAGS, BucketFacts, KeyFacts

__all__ = ["PUBLIC_ACCESS_FLAGS", "BucketFacts", "DeploymentInspector", "KeyFacts"]


class DeploymentInspector(Protocol):
    def bucket(self, name: str) -> BucketFacts: ...

    def key(self, key_id: str) -> KeyFacts: ...
