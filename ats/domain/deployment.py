"""What a deployment's bucket and key look like, as the S3 and KMS APIs report them (read by the
DeploymentInspector port, judged by ats.domain.doctor)."""

from __future__ import annotations

from dataclasses import dataclass, field

PUBLIC_ACCESS_FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


@dataclass(frozen=True)
class BucketFacts:
    """One bucket's configuration as the S3 API reports it. `None` means "not configured"."""

    exists: bool
    versioning: str | None = None  # "Enabled", "Suspended"; None: never enabled
    # The bucket's public access block, flag -> on; None: no block configured at all.
    public_access_block: dict[str, bool] | None = None
    policy_public: bool | None = None  # S3's own verdict (GetBucketPolicyStatus); None: no policy
    public_acl_grants: tuple[str, ...] = ()  # grantee group URIs (AllUsers, AuthenticatedUsers)
    encryption_algorithm: str | None = None  # default encryption: "aws:kms", "AES256"; None: none
    encryption_key: str | None = None  # the default encryption's KMS key as configured
    # S3 calls the endpoint answered with an error other than "not configured" (e.g. an
    # S3-compatible store without public access blocks), as "Operation: Code".
    errors: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class KeyFacts:
    """A KMS key as DescribeKey reports it; `found` False when it does not exist or may not be read."""

    found: bool
    key_id: str | None = None
    arn: str | None = None
    state: str | None = None  # Enabled, Disabled, PendingDeletion, PendingImport, Unavailable ...
    error: str | None = None  # the KMS error code when not found
