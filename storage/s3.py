"""The S3 bucket through boto3: SSE-KMS and the full tag set on every put, exact versions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from botocore.exceptions import ClientError

from ats.ports import BlobMissing, ObjectInfo, StoredVersion

DELETE_BATCH = 1000  # DeleteObjects' limit per request
MAX_TAGS = 10  # S3's limit per object


class S3BlobStore:
    def __init__(self, client: Any, bucket: str, kms_key_id: str) -> None:
        self.client = client
        self.bucket = bucket
        self.kms_key_id = kms_key_id
        # The region the client signs for: with SigV4 a bucket answers only in its own region,
        # so this is the bucket's region (the `location` of every record, issue 11).
        self.location: str = client.meta.region_name or "us-east-1"

    def put(self, key: str, body: bytes, tags: Mapping[str, str]) -> str:
        if len(tags) > MAX_TAGS:
            # Checked here because moto stores the object before it refuses the tags.
            raise ValueError(f"S3 allows at most {MAX_TAGS} tags per object")
        response = self.client.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=body,
            ContentType="application/octet-stream",
            ServerSideEncryption="aws:kms",
            SSEKMSKeyId=self.kms_key_id,
            Tagging=urlencode(dict(tags)),
        )
        version_id = response.get("VersionId")
        if not version_id or version_id == "null":
            raise RuntimeError(f"bucket {self.bucket} must have versioning enabled")
        return version_id

    def _call(self, method: str, **kwargs: Any) -> Any:
        try:
            return getattr(self.client, method)(Bucket=self.bucket, **kwargs)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in {"NoSuchKey", "NoSuchVersion", "404", "InvalidArgument"}:
                raise BlobMissing(kwargs.get("Key", "")) from exc
            raise

    def get(self, key: str, version_id: str) -> bytes:
        return self._call("get_object", Key=key, VersionId=version_id)["Body"].read()

    def head(self, key: str, version_id: str) -> ObjectInfo:
        meta = self._call("head_object", Key=key, VersionId=version_id)
        return ObjectInfo(
            server_side_encryption=meta.get("ServerSideEncryption"),
            kms_key_id=meta.get("SSEKMSKeyId"),
            size=meta["ContentLength"],
        )

    def get_tags(self, key: str, version_id: str) -> dict[str, str]:
        tagset = self._call("get_object_tagging", Key=key, VersionId=version_id)["TagSet"]
        return {tag["Key"]: tag["Value"] for tag in tagset}

    def put_tags(self, key: str, version_id: str, tags: Mapping[str, str]) -> None:
        if len(tags) > MAX_TAGS:
            raise ValueError(f"S3 allows at most {MAX_TAGS} tags per object")
        self._call(
            "put_object_tagging",
            Key=key,
            VersionId=version_id,
            Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in tags.items()]},
        )

    def list_versions(self, prefix: str) -> list[StoredVersion]:
        found: list[StoredVersion] = []
        paginator = self.client.get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            for item in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]:
                found.append(
                    StoredVersion(
                        key=item["Key"],
                        version_id=item["VersionId"],
                        last_modified=item["LastModified"],
                    )
                )
        return found

    def delete_versions(self, items: list[tuple[str, str]]) -> list[tuple[str, str]]:
        failed: list[tuple[str, str]] = []
        for start in range(0, len(items), DELETE_BATCH):
            batch = items[start : start + DELETE_BATCH]
            response = self.client.delete_objects(
                Bucket=self.bucket,
                Delete={
                    "Objects": [{"Key": k, "VersionId": v} for k, v in batch],
                    "Quiet": True,
                },
            )
            failed += [(e["Key"], e.get("VersionId", "")) for e in response.get("Errors", [])]
        return failed
