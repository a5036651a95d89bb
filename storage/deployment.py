"""The DeploymentInspector port over boto3: read-only S3 and KMS calls that say whether the
bucket and key are set up as DESIGN §5 and infra/ require. Needs, besides what the app uses:
s3:GetBucketVersioning, s3:GetBucketPublicAccessBlock, s3:GetBucketPolicyStatus,
s3:GetBucketAcl, s3:GetEncryptionConfiguration and kms:DescribeKey."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from ats.domain.deployment import PUBLIC_ACCESS_FLAGS, BucketFacts, KeyFacts

# Grantee groups that make an ACL public (docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html#specifying-grantee-predefined-groups).
PUBLIC_GROUPS = (
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
)
# The answers that mean "nothing configured", not "could not ask".
NOT_CONFIGURED = {
    "NoSuchPublicAccessBlockConfiguration",
    "NoSuchBucketPolicy",
    "ServerSideEncryptionConfigurationNotFoundError",
}
MISSING_BUCKET = {"NoSuchBucket", "404", "NotFound"}


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", "Unknown"))


class Boto3Inspector:
    def __init__(self, s3: Any, kms: Any) -> None:
        self.s3 = s3
        self.kms = kms

    def bucket(self, name: str) -> BucketFacts:
        errors: list[str] = []

        def ask(operation: str) -> dict[str, Any] | None:
            try:
                return dict(getattr(self.s3, operation)(Bucket=name))
            except ClientError as exc:
                if _code(exc) in NOT_CONFIGURED:
                    return None
                errors.append(f"{operation}: {_code(exc)}")
                return None
            except BotoCoreError as exc:  # endpoint unreachable, bad credentials chain ...
                errors.append(f"{operation}: {type(exc).__name__}")
                return None

        try:
            versioning = dict(self.s3.get_bucket_versioning(Bucket=name))
        except ClientError as exc:
            if _code(exc) in MISSING_BUCKET:
                return BucketFacts(exists=False)
            return BucketFacts(exists=False, errors=(f"get_bucket_versioning: {_code(exc)}",))
        except BotoCoreError as exc:
            return BucketFacts(exists=False, errors=(f"get_bucket_versioning: {type(exc).__name__}",))

        block = ask("get_public_access_block")
        flags = None
        if block is not None:
            config = block.get("PublicAccessBlockConfiguration", {})
            flags = {flag: bool(config.get(flag, False)) for flag in PUBLIC_ACCESS_FLAGS}
        status = ask("get_bucket_policy_status")
        policy_public = None if status is None else bool(status.get("PolicyStatus", {}).get("IsPublic", False))
        acl = ask("get_bucket_acl") or {}
        grants = tuple(
            sorted({g["Grantee"]["URI"] for g in acl.get("Grants", []) if g.get("Grantee", {}).get("URI") in PUBLIC_GROUPS})
        )
        encryption = ask("get_bucket_encryption")
        algorithm = key = None
        if encryption is not None:
            rules = encryption.get("ServerSideEncryptionConfiguration", {}).get("Rules", [])
            default = rules[0].get("ApplyServerSideEncryptionByDefault", {}) if rules else {}
            algorithm = default.get("SSEAlgorithm")
            key = default.get("KMSMasterKeyID")
        return BucketFacts(
            exists=True,
            versioning=versioning.get("Status"),
            public_access_block=flags,
            policy_public=policy_public,
            public_acl_grants=grants,
            encryption_algorithm=algorithm,
            encryption_key=key,
            errors=tuple(errors),
        )

    def key(self, key_id: str) -> KeyFacts:
        try:
            meta = self.kms.describe_key(KeyId=key_id)["KeyMetadata"]
        except ClientError as exc:
            return KeyFacts(found=False, error=_code(exc))
        except BotoCoreError as exc:
            return KeyFacts(found=False, error=type(exc).__name__)
        return KeyFacts(found=True, key_id=meta.get("KeyId"), arn=meta.get("Arn"), state=meta.get("KeyState"))
