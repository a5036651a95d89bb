"""What `ats doctor` and the production start-up checks conclude from what they read: one
Finding per check, each failure naming the problem and how to fix it. Pure: the facts come in."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ats.domain.deployment import PUBLIC_ACCESS_FLAGS, BucketFacts, KeyFacts


@dataclass(frozen=True)
class Finding:
    check: str  # bucket.versioning, key.state, database.migrations, mail.smtp ...
    ok: bool
    problem: str = ""
    fix: str = ""

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def passed(check: str) -> Finding:
    return Finding(check, True)


def failed(check: str, problem: str, fix: str) -> Finding:
    return Finding(check, False, problem, fix)


def judge_bucket(name: str, facts: BucketFacts, key_id: str) -> list[Finding]:
    """Versioned (erasure deletes exact versions, DESIGN §5), private, encrypted with SSE-KMS."""
    if not facts.exists:
        why = f" ({'; '.join(facts.errors)})" if facts.errors else ""
        return [
            failed(
                "bucket.exists",
                f"bucket {name} does not exist or cannot be read with these credentials{why}",
                "create it from infra/aws (or your S3 store), set ATS_S3_BUCKET to its name, and grant "
                "s3:GetBucketVersioning to the service's role",
            )
        ]
    found = [passed("bucket.exists")]
    if facts.versioning == "Enabled":
        found.append(passed("bucket.versioning"))
    else:
        found.append(
            failed(
                "bucket.versioning",
                f"bucket {name} is not versioned (status: {facts.versioning or 'never enabled'})",
                f"aws s3api put-bucket-versioning --bucket {name} --versioning-configuration Status=Enabled",
            )
        )
    block_fix = (
        f"aws s3api put-public-access-block --bucket {name} --public-access-block-configuration "
        + ",".join(f"{flag}=true" for flag in PUBLIC_ACCESS_FLAGS)
    )
    if facts.public_access_block is None:
        found.append(failed("bucket.public_access_block", f"bucket {name} has no public access block", block_fix))
    else:
        off = [flag for flag in PUBLIC_ACCESS_FLAGS if not facts.public_access_block.get(flag)]
        if off:
            found.append(
                failed("bucket.public_access_block", f"bucket {name}'s public access block is off: {', '.join(off)}", block_fix)
            )
        else:
            found.append(passed("bucket.public_access_block"))
    if facts.policy_public:
        found.append(
            failed(
                "bucket.policy",
                f"bucket {name}'s policy makes it public",
                "remove the statements that allow Principal \"*\" without a condition (aws s3api get-bucket-policy "
                f"--bucket {name}); infra/aws's policy only denies",
            )
        )
    else:
        found.append(passed("bucket.policy"))
    if facts.public_acl_grants:
        found.append(
            failed(
                "bucket.acl",
                f"bucket {name}'s ACL grants access to {', '.join(g.rsplit('/', 1)[-1] for g in facts.public_acl_grants)}",
                f"aws s3api put-bucket-ownership-controls --bucket {name} --ownership-controls "
                "'Rules=[{ObjectOwnership=BucketOwnerEnforced}]' (disables ACLs), or put-bucket-acl --acl private",
            )
        )
    else:
        found.append(passed("bucket.acl"))
    encrypt_fix = (
        f"aws s3api put-bucket-encryption --bucket {name} --server-side-encryption-configuration "
        "'{\"Rules\":[{\"ApplyServerSideEncryptionByDefault\":{\"SSEAlgorithm\":\"aws:kms\",\"KMSMasterKeyID\":\""
        f"{key_id}\"}},\"BucketKeyEnabled\":true}}]}}'"
    )
    if facts.encryption_algorithm not in ("aws:kms", "aws:kms:dsse"):
        found.append(
            failed(
                "bucket.encryption",
                f"bucket {name} has no default SSE-KMS encryption (default: {facts.encryption_algorithm or 'none'})",
                encrypt_fix,
            )
        )
    else:
        found.append(passed("bucket.encryption"))
    for error in facts.errors:
        found.append(
            failed(
                "bucket.inspect",
                f"could not read bucket {name}'s configuration: {error}",
                "grant the service's role s3:GetBucketPublicAccessBlock, s3:GetBucketPolicyStatus, "
                "s3:GetBucketAcl and s3:GetEncryptionConfiguration; an S3-compatible store must support these calls",
            )
        )
    return found


def judge_key(key_id: str, key: KeyFacts) -> list[Finding]:
    if not key.found:
        return [
            failed(
                "key.exists",
                f"KMS key {key_id} cannot be found or described ({key.error or 'unknown error'})",
                "set ATS_KMS_KEY_ID to the key's id, ARN or alias (infra/aws outputs it) in this region, "
                "and grant kms:DescribeKey to the service's role",
            )
        ]
    found = [passed("key.exists")]
    if key.state == "Enabled":
        found.append(passed("key.state"))
    elif key.state == "PendingDeletion":
        found.append(
            failed(
                "key.state",
                f"KMS key {key.key_id} is scheduled for deletion: every stored document becomes unreadable when it goes",
                f"aws kms cancel-key-deletion --key-id {key.key_id} && aws kms enable-key --key-id {key.key_id}",
            )
        )
    else:
        found.append(
            failed(
                "key.state",
                f"KMS key {key.key_id} is {key.state}, not Enabled",
                f"aws kms enable-key --key-id {key.key_id} (or point ATS_KMS_KEY_ID at an enabled key)",
            )
        )
    return found


def judge_bucket_key(name: str, bucket_key: KeyFacts | None, key: KeyFacts) -> Finding:
    """The bucket's default encryption key is ATS_KMS_KEY_ID's key (compared as resolved key ids:
    the bucket may name it by ARN, the setting by alias)."""
    if bucket_key is None:  # no KMS key named: S3's AWS-managed key (aws/s3)
        return failed(
            "bucket.encryption_key",
            f"bucket {name}'s default encryption uses the AWS-managed key, not ATS_KMS_KEY_ID",
            f"set KMSMasterKeyID of the bucket's default encryption to {key.arn or key.key_id}",
        )
    if not bucket_key.found or bucket_key.key_id != key.key_id:
        return failed(
            "bucket.encryption_key",
            f"bucket {name}'s default encryption key is not ATS_KMS_KEY_ID's key ({key.key_id})",
            f"set KMSMasterKeyID of the bucket's default encryption to {key.arn or key.key_id}, or ATS_KMS_KEY_ID "
            "to the bucket's key",
        )
    return passed("bucket.encryption_key")


def failures(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if not f.ok]


def summary(findings: list[Finding]) -> str:
    """One line per failure: what is wrong, then how to fix it."""
    return "\n".join(f"- {f.check}: {f.problem}. Fix: {f.fix}" for f in failures(findings))
