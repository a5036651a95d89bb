"""The KMS key policy against the encryption context the code really sends (issue 9, item 11:
the documented condition named a context the keyring never sends, so real KMS would have refused
every call). The policy is read from the CloudFormation template that deploys the key
(infra/aws/storage.yaml, the one source of truth since issue 12), its intrinsics resolved.

The context is not copied from the code: a real HierarchicalKeyProvider over a real KmsKeyProvider
and boto3 KMS client (moto, in-process, no network) runs GenerateDataKey and, from a fresh process
cache, Decrypt; a botocore hook records the EncryptionContext of each request as boto3 sends it.

moto does not evaluate key policies, so a small evaluator of the condition operators the policy
uses decides; it refuses any operator it does not know, so the policy cannot outgrow it unnoticed.
Semantics from the AWS docs:
- docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-encryption-context
  (kms:EncryptionContext:context-key: single-valued, a request without that pair does not match)
  and #conditions-kms-encryption-context-keys (kms:EncryptionContextKeys: multi-valued, used with
  ForAllValues; ForAllValues is also true for an empty set, hence the StringEquals beside it);
- docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
  (StringEquals / StringLike: any of the listed values; all operators and keys must match);
- docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html#encryption-context
  (S3 calls KMS for SSE-KMS with {"aws:s3:arn": <object ARN>}, or <bucket ARN> when an S3 Bucket
  Key is used, as the template's bucket does: .../bucket-key.html) and kms:ViaService
  (conditions-kms.html#conditions-kms-via-service).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any
from uuid import uuid4

import boto3
import pytest
from moto import mock_aws

from storage.keyring import HierarchicalKeyProvider
from storage.kms import KmsKeyProvider
from storage.vault import key_context
from tests.cfn_templates import load, resolve

REGION = "eu-west-2"
ACCOUNT = "111122223333"
WEB_ROLE = f"arn:aws:iam::{ACCOUNT}:role/ats-web"
JOBS_ROLE = f"arn:aws:iam::{ACCOUNT}:role/ats-jobs"
ADMIN_ROLE = f"arn:aws:iam::{ACCOUNT}:role/ats-key-admin"
BUCKET = "ats-applicant-data"
NAMES = {
    "KeyAdminRoleArn": ADMIN_ROLE,
    "WebTaskRole.Arn": WEB_ROLE,
    "JobsTaskRole.Arn": JOBS_ROLE,
    "BucketName": BUCKET,
    "AWS::Region": REGION,
    "AWS::Partition": "aws",
    "AWS::AccountId": ACCOUNT,
}


@dataclass
class Request:
    principal: str
    action: str
    context: dict[str, str] = field(default_factory=dict)
    via_service: str | None = None


def load_policy() -> dict[str, Any]:
    key = load("storage.yaml")["Resources"]["DataKey"]
    assert key["Type"] == "AWS::KMS::Key"
    return resolve(key["Properties"]["KeyPolicy"], NAMES)


# --- the evaluator -------------------------------------------------------------------------------


def _values(request: Request, key: str) -> list[str] | None:
    """The request's values for a condition key (None: the key is absent from the request)."""
    name = key.lower()  # condition key names are case-insensitive; values are not
    if name.startswith("kms:encryptioncontext:"):
        wanted = key.split(":", 2)[2].lower()
        found = [v for k, v in request.context.items() if k.lower() == wanted]
        return found or None
    if name == "kms:encryptioncontextkeys":
        return list(request.context) or None
    if name == "kms:viaservice":
        return [request.via_service] if request.via_service else None
    raise AssertionError(f"the evaluator does not know the condition key {key}")


def _like(pattern: str, value: str) -> bool:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, flags=re.DOTALL) is not None


def _operator(name: str, key: str, wanted: list[str], request: Request) -> bool:
    got = _values(request, key)
    if name == "StringEquals":
        return got is not None and len(got) == 1 and got[0] in wanted
    if name == "StringLike":
        return got is not None and len(got) == 1 and any(_like(p, got[0]) for p in wanted)
    if name == "ForAllValues:StringEquals":
        return all(v in wanted for v in got or [])
    raise AssertionError(f"the evaluator does not know the operator {name}")


def _matches(statement: dict[str, Any], request: Request) -> bool:
    principals = statement["Principal"]["AWS"]
    principals = [principals] if isinstance(principals, str) else principals
    if request.principal not in principals:
        return False
    actions = statement["Action"]
    actions = [actions] if isinstance(actions, str) else actions
    if not any(_like(a.lower(), request.action.lower()) for a in actions):
        return False
    for operator, pairs in statement.get("Condition", {}).items():
        for key, wanted in pairs.items():
            if not _operator(operator, key, [wanted] if isinstance(wanted, str) else wanted, request):
                return False
    return True


def allowed(policy: dict[str, Any], request: Request) -> bool:
    """Deny by default; an explicit Deny wins over any Allow."""
    hits = [s["Effect"] for s in policy["Statement"] if _matches(s, request)]
    return "Allow" in hits and "Deny" not in hits


# --- what the code sends -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sent(monkeypatch_module: pytest.MonkeyPatch) -> list[tuple[str, dict[str, str]]]:
    """(operation, EncryptionContext) of every KMS call of one intake key and one unwrap."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch_module.setenv(name, "testing")
    calls: list[tuple[str, dict[str, str]]] = []

    def record(params: dict[str, Any], model: Any, **_: Any) -> None:
        calls.append((model.name, dict(params.get("EncryptionContext") or {})))

    with mock_aws():
        client = boto3.client("kms", region_name=REGION)
        client.meta.events.register("provide-client-params.kms.*", record)
        key_id = client.create_key(KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]["KeyId"]
        calls.clear()
        application = key_context(uuid4())
        key = HierarchicalKeyProvider(KmsKeyProvider(client, key_id)).generate_data_key(application)
        # Another process (empty branch cache) opening the key goes through KMS Decrypt.
        fresh = HierarchicalKeyProvider(KmsKeyProvider(client, key_id))
        assert fresh.decrypt_data_key(key.wrapped, application) == key.plaintext
    return calls


@pytest.fixture(scope="module")
def monkeypatch_module() -> Any:
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_every_kms_call_of_the_keyring_is_allowed_by_the_documented_policy(sent) -> None:
    assert [op for op, _ in sent] == ["GenerateDataKey", "Decrypt"]
    policy = load_policy()
    for operation, context in sent:
        assert allowed(policy, Request(WEB_ROLE, f"kms:{operation}", context)), (operation, context)


def test_the_jobs_role_may_unwrap_branch_keys_but_not_make_them(sent) -> None:
    """ats jobs mail opens outbox messages sealed with an application's key (unwrap only)."""
    policy = load_policy()
    (_, made), (_, opened) = sent
    assert allowed(policy, Request(JOBS_ROLE, "kms:Decrypt", opened))
    assert not allowed(policy, Request(JOBS_ROLE, "kms:GenerateDataKey", made))
    assert not allowed(policy, Request(JOBS_ROLE, "kms:Decrypt", {**opened, "extra": "x"}))


def test_the_condition_as_first_documented_refuses_what_the_code_sends(sent) -> None:
    """infra/README.md asked for purpose = ats-application-data-key: the context of the
    application's key inside the keyring, which never reaches KMS."""
    old = copy.deepcopy(load_policy())
    for statement in old["Statement"]:
        if statement["Sid"] == "WebBranchKeys":
            statement["Condition"] = {
                "StringEquals": {"kms:EncryptionContext:purpose": "ats-application-data-key"}
            }
    for operation, context in sent:
        assert not allowed(old, Request(WEB_ROLE, f"kms:{operation}", context))


def test_the_policy_refuses_other_contexts_principals_and_actions(sent) -> None:
    policy = load_policy()
    _, context = sent[0]
    refused = [
        Request(WEB_ROLE, "kms:GenerateDataKey", {}),
        Request(WEB_ROLE, "kms:GenerateDataKey", {**context, "purpose": "something-else"}),
        Request(WEB_ROLE, "kms:Decrypt", {**context, "extra": "x"}),
        Request(WEB_ROLE, "kms:Encrypt", context),
        Request(WEB_ROLE, "kms:ScheduleKeyDeletion", {}),
        Request(JOBS_ROLE, "kms:ScheduleKeyDeletion", {}),
        Request(ADMIN_ROLE, "kms:Decrypt", context),
        Request(f"arn:aws:iam::{ACCOUNT}:role/someone-else", "kms:Decrypt", context),
    ]
    for request in refused:
        assert not allowed(policy, request), request
    assert allowed(policy, Request(ADMIN_ROLE, "kms:ScheduleKeyDeletion", {}))
    for role in (WEB_ROLE, JOBS_ROLE):  # the start-up checks (storage/deployment.py) ask
        assert allowed(policy, Request(role, "kms:DescribeKey", {}))


def test_s3_may_use_the_key_for_sse_kms_of_this_bucket_only() -> None:
    """S3 calls KMS on the web role's behalf for SSE-KMS (storage/s3.py puts with SSEKMSKeyId);
    the template's bucket uses an S3 Bucket Key, so the context is the bucket's ARN. Only
    through S3, only for this bucket, never for the jobs (they read no document)."""
    bucket = load("storage.yaml")["Resources"]["Bucket"]["Properties"]
    (rule,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["BucketKeyEnabled"] is True  # else S3 would send the object's ARN
    policy = load_policy()
    via_s3 = f"s3.{REGION}.amazonaws.com"
    arn = {"aws:s3:arn": f"arn:aws:s3:::{BUCKET}"}
    for action in ("kms:GenerateDataKey", "kms:Decrypt"):
        assert allowed(policy, Request(WEB_ROLE, action, arn, via_service=via_s3))
        assert not allowed(policy, Request(WEB_ROLE, action, arn))  # not called directly
        assert not allowed(policy, Request(JOBS_ROLE, action, arn, via_service=via_s3))
        for other in ("arn:aws:s3:::another-bucket", f"arn:aws:s3:::{BUCKET}-copy"):
            assert not allowed(policy, Request(WEB_ROLE, action, {"aws:s3:arn": other}, via_service=via_s3))
