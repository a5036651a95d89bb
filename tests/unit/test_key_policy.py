"""The KMS key policy in infra/aws/kms-key-policy.json against the encryption context the code
really sends (issue 9, item 11: the documented condition named a context the keyring never sends,
so real KMS would have refused every call).

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
  (S3 calls KMS for SSE-KMS with {"aws:s3:arn": <object ARN>} when no S3 Bucket Key is used) and
  kms:ViaService (conditions-kms.html#conditions-kms-via-service).
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import uuid4

import boto3
import pytest
from moto import mock_aws

from storage.keyring import HierarchicalKeyProvider
from storage.kms import KmsKeyProvider
from storage.vault import key_context

ROOT = Path(__file__).resolve().parents[2]
POLICY = ROOT / "infra" / "aws" / "kms-key-policy.json"
REGION = "eu-west-2"
ACCOUNT = "111122223333"
APP_ROLE = f"arn:aws:iam::{ACCOUNT}:role/ats-app"
ADMIN_ROLE = f"arn:aws:iam::{ACCOUNT}:role/ats-key-admin"
BUCKET = "ats-applicant-data"
PLACEHOLDERS = {
    "APP_ROLE_ARN": APP_ROLE,
    "KEY_ADMIN_ROLE_ARN": ADMIN_ROLE,
    "ATS_BUCKET": BUCKET,
    "AWS_REGION": REGION,
}


@dataclass
class Request:
    principal: str
    action: str
    context: dict[str, str] = field(default_factory=dict)
    via_service: str | None = None


def load_policy() -> dict[str, Any]:
    text = POLICY.read_text()
    for name, value in PLACEHOLDERS.items():
        text = text.replace(name, value)
    leftover = re.findall(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b", text)
    assert not leftover, f"placeholders the test does not substitute: {leftover}"
    return json.loads(text)


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
        assert allowed(policy, Request(APP_ROLE, f"kms:{operation}", context)), (operation, context)


def test_the_condition_as_first_documented_refuses_what_the_code_sends(sent) -> None:
    """infra/README.md asked for purpose = ats-application-data-key: the context of the
    application's key inside the keyring, which never reaches KMS."""
    old = copy.deepcopy(load_policy())
    for statement in old["Statement"]:
        if statement["Sid"] == "AppBranchKeys":
            statement["Condition"] = {
                "StringEquals": {"kms:EncryptionContext:purpose": "ats-application-data-key"}
            }
    for operation, context in sent:
        assert not allowed(old, Request(APP_ROLE, f"kms:{operation}", context))


def test_the_policy_refuses_other_contexts_principals_and_actions(sent) -> None:
    policy = load_policy()
    _, context = sent[0]
    refused = [
        Request(APP_ROLE, "kms:GenerateDataKey", {}),
        Request(APP_ROLE, "kms:GenerateDataKey", {**context, "purpose": "something-else"}),
        Request(APP_ROLE, "kms:Decrypt", {**context, "extra": "x"}),
        Request(APP_ROLE, "kms:Encrypt", context),
        Request(APP_ROLE, "kms:ScheduleKeyDeletion", {}),
        Request(ADMIN_ROLE, "kms:Decrypt", context),
        Request(f"arn:aws:iam::{ACCOUNT}:role/someone-else", "kms:Decrypt", context),
    ]
    for request in refused:
        assert not allowed(policy, request), request
    assert allowed(policy, Request(ADMIN_ROLE, "kms:ScheduleKeyDeletion", {}))
    assert allowed(policy, Request(APP_ROLE, "kms:DescribeKey", {}))  # a start-up check may ask


def test_s3_may_use_the_key_for_sse_kms_of_this_bucket_only() -> None:
    """S3 calls KMS on the app's behalf for SSE-KMS (storage/s3.py puts with SSEKMSKeyId), with
    the object's ARN as the encryption context; only through S3, only for this bucket."""
    policy = load_policy()
    via_s3 = f"s3.{REGION}.amazonaws.com"
    arn = {"aws:s3:arn": f"arn:aws:s3:::{BUCKET}/applications/{uuid4()}/cv/{uuid4()}"}
    for action in ("kms:GenerateDataKey", "kms:Decrypt"):
        assert allowed(policy, Request(APP_ROLE, action, arn, via_service=via_s3))
        assert not allowed(policy, Request(APP_ROLE, action, arn))  # not called directly
        other = {"aws:s3:arn": f"arn:aws:s3:::another-bucket/{uuid4()}"}
        assert not allowed(policy, Request(APP_ROLE, action, other, via_service=via_s3))
