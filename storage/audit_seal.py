"""The audit checkpoints' real adapters: KMS Sign/Verify with an asymmetric key (the private
half never leaves KMS, so neither the database nor this process can forge a checkpoint) and S3
objects under their own prefix, written only if absent (S3 conditional writes, If-None-Match: *,
AWS S3 user guide "Conditional writes")."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from botocore.exceptions import ClientError

from ats.domain.audit_checkpoints import ALGORITHM, PREFIX
from ats.ports_audit import CheckpointExists

CHECKPOINT_TAGS = {"legal-basis": "legal-obligation", "purpose": "accountability", "record-type": "audit-checkpoint"}


class KmsAuditSigner:
    def __init__(self, client: Any, key_id: str) -> None:
        self.client = client
        self.key_id = key_id

    def sign(self, message: bytes) -> bytes:
        response = self.client.sign(KeyId=self.key_id, Message=message, MessageType="RAW", SigningAlgorithm=ALGORITHM)
        return response["Signature"]

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            response = self.client.verify(
                KeyId=self.key_id, Message=message, MessageType="RAW", Signature=signature, SigningAlgorithm=ALGORITHM
            )
        except ClientError as exc:
            # KMS answers KMSInvalidSignatureException for a signature that does not verify
            # (AWS KMS API reference, Verify).
            if exc.response.get("Error", {}).get("Code") == "KMSInvalidSignatureException":
                return False
            raise
        return bool(response.get("SignatureValid"))


class S3CheckpointStore:
    def __init__(self, client: Any, bucket: str, kms_key_id: str) -> None:
        self.client = client
        self.bucket = bucket
        self.kms_key_id = kms_key_id

    def put_new(self, key: str, body: bytes) -> None:
        try:
            self.client.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=body,
                ContentType="application/json",
                IfNoneMatch="*",
                # The bucket policy denies untagged puts (infra/aws/storage.yaml): the audit
                # trail is kept for accountability (GDPR Art. 5(2)), no personal data.
                Tagging=urlencode(CHECKPOINT_TAGS),
                ServerSideEncryption="aws:kms",
                SSEKMSKeyId=self.kms_key_id,
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"PreconditionFailed", "ConditionalRequestConflict"}:
                raise CheckpointExists(key) from exc
            raise

    def get(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def list_keys(self) -> list[str]:
        found: list[str] = []
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=PREFIX):
            found.extend(item["Key"] for item in page.get("Contents", []))
        return sorted(found)

    def replaced_keys(self) -> list[str]:
        # The bucket is versioned (infra/aws/storage.yaml): a DeleteObject leaves a delete marker
        # and an overwrite a second version, kept until the lifecycle's noncurrent expiry
        # (S3 user guide, "Working with delete markers"). Needs s3:ListBucketVersions.
        versions: dict[str, int] = {}
        replaced: set[str] = set()
        for page in self.client.get_paginator("list_object_versions").paginate(Bucket=self.bucket, Prefix=PREFIX):
            for item in page.get("Versions", []):
                versions[item["Key"]] = versions.get(item["Key"], 0) + 1
            replaced.update(item["Key"] for item in page.get("DeleteMarkers", []))
        return sorted(replaced | {key for key, n in versions.items() if n > 1})
