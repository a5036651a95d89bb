"""infra/aws/storage.yaml deployed into moto's CloudFormation (in-process), then checked through
boto3 as an operator would: the bucket is versioned, private, owner-enforced, encrypted with
SSE-KMS under the stack's key with a bucket key, carries its policy and lifecycle backstop; the
key rotates; the roles hold only what their code calls; the outputs work as ATS_* settings.

moto 5.2's CloudFormation applies only BucketEncryption and Tags of an AWS::S3::Bucket (not
even BucketKeyEnabled) and has no AWS::S3::BucketPolicy (moto/s3/models.py
create_from_cloudformation_json; moto/cloudformation/parsing.py warns "not supported"). The
`teach_moto` fixture fills that gap the way CloudFormation itself does: each property is passed
to the S3 API call of the same name through boto3 (botocore validates the shapes), so what is
checked afterwards is what S3 accepted from the template, not a copy of the template.
"""

from __future__ import annotations

import ast
import fnmatch
import json
from collections.abc import Iterator
from typing import Any
from uuid import uuid4

import boto3
import pytest
from moto import mock_aws
from moto.cloudformation import parsing
from moto.core.common_models import CloudFormationModel
from moto.s3.models import FakeBucket

from ats.services.sweep import GRACE
from storage.s3 import S3BlobStore
from tests.cfn_templates import AWS_DIR

REGION = "eu-west-2"
BUCKET = f"ats-infra-test-{uuid4().hex[:8]}"
ADMIN_ROLE = "arn:aws:iam::123456789012:role/ats-key-admin"


def _lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """AWS::S3::Bucket Rule -> PutBucketLifecycleConfiguration Rule (the documented mapping:
    Id -> ID, ExpiredObjectDeleteMarker -> Expiration, NoncurrentDays as is, no prefix -> the
    empty filter)."""
    out: dict[str, Any] = {"ID": rule["Id"], "Status": rule["Status"], "Filter": {"Prefix": rule.get("Prefix", "")}}
    if "AbortIncompleteMultipartUpload" in rule:
        out["AbortIncompleteMultipartUpload"] = rule["AbortIncompleteMultipartUpload"]
    if "ExpiredObjectDeleteMarker" in rule:
        out["Expiration"] = {"ExpiredObjectDeleteMarker": rule["ExpiredObjectDeleteMarker"]}
    if "NoncurrentVersionExpiration" in rule:
        out["NoncurrentVersionExpiration"] = {
            "NoncurrentDays": int(rule["NoncurrentVersionExpiration"]["NoncurrentDays"])
        }
    unknown = set(rule) - {"Id", "Status", "Prefix", "AbortIncompleteMultipartUpload",
                           "ExpiredObjectDeleteMarker", "NoncurrentVersionExpiration"}
    assert not unknown, f"teach_moto does not map lifecycle fields {unknown}"
    return out


class _BucketPolicy(CloudFormationModel):
    """AWS::S3::BucketPolicy for moto: PutBucketPolicy with the resolved document."""

    def __init__(self, bucket: str) -> None:
        self.bucket = bucket

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::S3::BucketPolicy"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return False

    @property
    def physical_resource_id(self) -> str:
        return self.bucket

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[override]
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any
    ) -> _BucketPolicy:
        properties = cloudformation_json["Properties"]
        s3 = boto3.client("s3", region_name=region_name)
        s3.put_bucket_policy(Bucket=properties["Bucket"], Policy=json.dumps(properties["PolicyDocument"]))
        return cls(properties["Bucket"])


@pytest.fixture(scope="module")
def teach_moto() -> Iterator[None]:
    original_bucket = FakeBucket.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]
    original_lookup = parsing.resource_class_from_type

    def create_bucket(cls: Any, resource_name: str, cloudformation_json: Any, account_id: str,
                      region_name: str, **kwargs: Any) -> Any:
        bucket = original_bucket(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        props = cloudformation_json.get("Properties", {})
        s3 = boto3.client("s3", region_name=region_name)
        name = bucket.name
        if "VersioningConfiguration" in props:
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration=props["VersioningConfiguration"])
        if "PublicAccessBlockConfiguration" in props:
            s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"])
        if "OwnershipControls" in props:
            s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls=props["OwnershipControls"])
        if "BucketEncryption" in props:  # again, with BucketKeyEnabled, which moto's own mapping drops
            rules = [
                {
                    "ApplyServerSideEncryptionByDefault": rule["ServerSideEncryptionByDefault"],
                    "BucketKeyEnabled": rule.get("BucketKeyEnabled", False),
                }
                for rule in props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
            ]
            s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})
        if "LifecycleConfiguration" in props:
            s3.put_bucket_lifecycle_configuration(
                Bucket=name,
                LifecycleConfiguration={"Rules": [_lifecycle_rule(r) for r in props["LifecycleConfiguration"]["Rules"]]},
            )
        return bucket

    def lookup(resource_type: str) -> Any:
        if resource_type == "AWS::S3::BucketPolicy":
            return _BucketPolicy
        return original_lookup(resource_type)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(FakeBucket, "create_from_cloudformation_json", classmethod(create_bucket))
        patch.setattr(parsing, "resource_class_from_type", lookup)
        yield


@pytest.fixture(scope="module")
def stack(teach_moto: None) -> Iterator[dict[str, str]]:
    """The storage stack's outputs, moto running for the module."""
    with pytest.MonkeyPatch.context() as patch:
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            patch.setenv(name, "testing")
        patch.setenv("AWS_DEFAULT_REGION", REGION)
        with mock_aws():
            cfn = boto3.client("cloudformation", region_name=REGION)
            cfn.create_stack(
                StackName="ats-storage",
                TemplateBody=(AWS_DIR / "storage.yaml").read_text(),
                Parameters=[
                    {"ParameterKey": "BucketName", "ParameterValue": BUCKET},
                    {"ParameterKey": "KeyAdminRoleArn", "ParameterValue": ADMIN_ROLE},
                ],
                Capabilities=["CAPABILITY_IAM"],
            )
            described = cfn.describe_stacks(StackName="ats-storage")["Stacks"][0]
            assert described["StackStatus"] == "CREATE_COMPLETE", described.get("StackStatusReason")
            yield {o["OutputKey"]: o["OutputValue"] for o in described["Outputs"]}


@pytest.fixture(scope="module")
def s3(stack: dict[str, str]) -> Any:
    return boto3.client("s3", region_name=REGION)


def test_outputs_name_the_settings(stack: dict[str, str]) -> None:
    assert stack["AtsS3Bucket"] == BUCKET
    assert stack["AtsKmsKeyId"].startswith(f"arn:aws:kms:{REGION}:")
    assert stack["AwsRegion"] == REGION


def test_bucket_is_versioned_private_and_owner_enforced(s3: Any) -> None:
    assert s3.get_bucket_versioning(Bucket=BUCKET)["Status"] == "Enabled"
    block = s3.get_public_access_block(Bucket=BUCKET)["PublicAccessBlockConfiguration"]
    assert block == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }
    rules = s3.get_bucket_ownership_controls(Bucket=BUCKET)["OwnershipControls"]["Rules"]
    assert rules == [{"ObjectOwnership": "BucketOwnerEnforced"}]


def test_default_encryption_is_sse_kms_with_the_stack_key_and_a_bucket_key(s3: Any, stack: dict[str, str]) -> None:
    (rule,) = s3.get_bucket_encryption(Bucket=BUCKET)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rule["ApplyServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": stack["AtsKmsKeyId"],
    }
    assert rule["BucketKeyEnabled"] is True


def test_bucket_policy_denies_plain_http_and_puts_without_sse_kms(s3: Any, stack: dict[str, str]) -> None:
    policy = json.loads(s3.get_bucket_policy(Bucket=BUCKET)["Policy"])
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    assert all(s["Effect"] == "Deny" for s in by_sid.values())
    tls = by_sid["DenyInsecureTransport"]
    assert tls["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert set(tls["Resource"]) == {f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"}
    sse = by_sid["DenyPutsWithoutSseKms"]
    assert sse["Action"] == "s3:PutObject"
    assert sse["Condition"] == {"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}}
    other_key = by_sid["DenyPutsWithAnotherKey"]["Condition"]["StringNotEqualsIfExists"]
    assert other_key == {"s3:x-amz-server-side-encryption-aws-kms-key-id": stack["AtsKmsKeyId"]}


def test_lifecycle_is_a_backstop_longer_than_the_sweep_grace(s3: Any) -> None:
    rules = {r["ID"]: r for r in s3.get_bucket_lifecycle_configuration(Bucket=BUCKET)["Rules"]}
    assert set(rules) == {
        "abort-incomplete-multipart-uploads",
        "remove-expired-delete-markers",
        "expire-noncurrent-versions",
    }
    assert all(r["Status"] == "Enabled" for r in rules.values())
    assert rules["remove-expired-delete-markers"]["Expiration"] == {"ExpiredObjectDeleteMarker": True}
    days = rules["expire-noncurrent-versions"]["NoncurrentVersionExpiration"]["NoncurrentDays"]
    assert days * 86400 > GRACE.total_seconds()
    # Never the current versions: retention runs from the end of hiring, which S3 cannot know.
    assert not any("Days" in r.get("Expiration", {}) or "Date" in r.get("Expiration", {}) for r in rules.values())


def test_key_rotates_and_its_policy_names_the_task_roles(stack: dict[str, str]) -> None:
    kms = boto3.client("kms", region_name=REGION)
    key = stack["AtsKmsKeyId"]
    assert kms.get_key_rotation_status(KeyId=key)["KeyRotationEnabled"] is True
    policy = kms.get_key_policy(KeyId=key, PolicyName="default")["Policy"]
    # moto keeps a CloudFormation KeyPolicy as the object it was given (AWS returns JSON text).
    policy = json.loads(policy) if isinstance(policy, str) else policy
    principals = {
        s["Sid"]: s["Principal"]["AWS"] for s in policy["Statement"]
    }
    assert principals["WebBranchKeys"] == stack["WebTaskRoleArn"]
    assert principals["JobsBranchKeysUnwrap"] == stack["JobsTaskRoleArn"]
    assert principals["KeyAdministration"] == ADMIN_ROLE


def _allowed_statements(role_arn: str) -> list[dict[str, Any]]:
    iam = boto3.client("iam", region_name=REGION)
    name = role_arn.rsplit("/", 1)[1]
    statements: list[dict[str, Any]] = []
    for policy_name in iam.list_role_policies(RoleName=name)["PolicyNames"]:
        document = iam.get_role_policy(RoleName=name, PolicyName=policy_name)["PolicyDocument"]
        if isinstance(document, str):  # moto 5.2 keeps a CloudFormation inline policy as repr()
            document = ast.literal_eval(document)
        for statement in document["Statement"]:
            assert statement["Effect"] == "Allow"
            statements.append(statement)
    assert not iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
    return statements


def _listed(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


# What "the documents" means for a grant: any object under applications/ (object actions) or a
# listing of the bucket under that prefix (bucket actions). A grant scoped elsewhere (the audit
# checkpoints under audit-checkpoints/) does not reach them.
DOCUMENT_ARN = f"arn:aws:s3:::{BUCKET}/applications/{uuid4()}/cv/{uuid4()}"
BUCKET_ARN = f"arn:aws:s3:::{BUCKET}"
BUCKET_ACTIONS = {"s3:listbucket", "s3:listbucketversions"}


def _grants(statements: list[dict[str, Any]], wanted: str) -> bool:
    """Whether some statement allows `wanted` on the applicants' documents (IAM matching: action
    and resource wildcards are case-insensitive / case-sensitive globs; an s3:prefix condition
    limits a listing)."""
    on_bucket = wanted.lower() in BUCKET_ACTIONS
    target = BUCKET_ARN if on_bucket else DOCUMENT_ARN
    for statement in statements:
        if not any(fnmatch.fnmatchcase(wanted.lower(), a.lower()) for a in _listed(statement["Action"])):
            continue
        if not any(fnmatch.fnmatchcase(target, r) for r in _listed(statement["Resource"])):
            continue
        prefixes = statement.get("Condition", {}).get("StringLike", {}).get("s3:prefix")
        if on_bucket and prefixes and not any(fnmatch.fnmatchcase("applications/", p) for p in _listed(prefixes)):
            continue
        return True
    return False


def test_web_role_cannot_list_or_delete_versions(stack: dict[str, str]) -> None:
    statements = _allowed_statements(stack["WebTaskRoleArn"])
    for needed in ("s3:PutObject", "s3:PutObjectTagging", "s3:GetObjectVersion", "s3:GetObjectVersionTagging"):
        assert _grants(statements, needed), needed
    for refused in ("s3:ListBucket", "s3:ListBucketVersions", "s3:DeleteObject", "s3:DeleteObjectVersion",
                    "s3:PutBucketPolicy", "s3:PutLifecycleConfiguration"):
        assert not _grants(statements, refused), refused


def test_jobs_role_cannot_read_documents(stack: dict[str, str]) -> None:
    statements = _allowed_statements(stack["JobsTaskRoleArn"])
    for needed in ("s3:ListBucketVersions", "s3:DeleteObjectVersion", "s3:PutObjectVersionTagging"):
        assert _grants(statements, needed), needed
    for refused in ("s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:GetObjectVersionTagging"):
        assert not _grants(statements, refused), refused


def test_both_roles_keep_the_audit_checkpoints_and_nothing_else_there(stack: dict[str, str]) -> None:
    """The checkpoint grants (issue 11) are the only reads of a whole object either role holds,
    and only under audit-checkpoints/."""
    for role in ("WebTaskRoleArn", "JobsTaskRoleArn"):
        for statement in _allowed_statements(stack[role]):
            if "s3:GetObject" in _listed(statement["Action"]):
                assert _listed(statement["Resource"]) == [f"arn:aws:s3:::{BUCKET}/audit-checkpoints/*"]


def test_the_app_stores_through_the_outputs(s3: Any, stack: dict[str, str]) -> None:
    """The app's own S3 adapter, configured from the outputs, gets a version id (versioning) and
    an SSE-KMS object under the stack's key. moto treats a bucket-policy Deny with a Condition
    as deny-all (DESIGN section 5), so the policy is lifted for this put and put back."""
    policy = s3.get_bucket_policy(Bucket=BUCKET)["Policy"]
    s3.delete_bucket_policy(Bucket=BUCKET)
    try:
        store = S3BlobStore(s3, stack["AtsS3Bucket"], stack["AtsKmsKeyId"])
        key = f"applications/{uuid4()}/cv/{uuid4()}"
        version = store.put(key, b"sealed bytes", {"legal-basis": "legitimate-interests"})
        info = store.head(key, version)
    finally:
        s3.put_bucket_policy(Bucket=BUCKET, Policy=policy)
    assert info.server_side_encryption == "aws:kms"
    assert info.kms_key_id == stack["AtsKmsKeyId"]
