"""`ats doctor` and the production start-up checks against the emulator, a real SMTP server and
both databases: a good set-up passes; each misconfiguration is named, with a fix, and fails."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from ats.bootstrap import Container, build
from ats.bootstrap_doctor import StartupChecksFailed, run_checks
from ats.domain.doctor import Finding
from ats.settings import Settings, load_settings
from storage.emulator import free_port
from storage.smtp_server import SmtpServer, start_smtp_server
from tests.conftest import REGION, TEST_RATE_LIMITS, S3Env, make_settings
from tests.helpers import cli_env


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    server = start_smtp_server()
    yield server
    server.stop()


def encrypt(s3env: S3Env, key_id: str | None = None) -> None:
    s3env.s3.put_bucket_encryption(
        Bucket=s3env.bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {
                        "SSEAlgorithm": "aws:kms",
                        "KMSMasterKeyID": key_id or s3env.kms_key_id,
                    },
                    "BucketKeyEnabled": True,
                }
            ]
        },
    )


def settings(database_url: str, s3env: S3Env, **over: Any) -> Settings:
    """The suite's settings (conftest.make_settings) with any value replaced."""
    base = {
        "ats_env": "development",
        "ats_database_url": database_url,
        "ats_s3_bucket": s3env.bucket,
        "ats_s3_endpoint_url": s3env.endpoint_url,
        "ats_kms_key_id": s3env.kms_key_id,
        "aws_region": REGION,
        "ats_secret_key": secrets.token_urlsafe(48),
        "ats_rate_limits": TEST_RATE_LIMITS,
        "embedded": True,  # the emulator's fake credentials
    }
    return load_settings({}, **{**base, **over})


async def make_container(database_url: str, s3env: S3Env, smtp_url: str, *, migrated: bool = True, **over: Any) -> Container:
    from storage.migrate import migrate

    over.setdefault("ats_audit_signing_key_id", s3env.signing_key_id)  # as infra/ sets it (issue 11)
    c = build(settings(database_url, s3env, ats_smtp_url=smtp_url, ats_mail_from="jobs@example.com", **over))
    await c.startup()
    if migrated and database_url.startswith("sqlite"):
        await migrate()
    return c


@pytest.fixture
async def good(database_url: str, s3env: S3Env, smtp: SmtpServer) -> AsyncIterator[Container]:
    """A set-up as infra/ builds it: versioned, blocked, SSE-KMS with ATS_KMS_KEY_ID, migrated."""
    encrypt(s3env)
    c = await make_container(database_url, s3env, smtp.url)
    yield c
    await c.shutdown()


def failing(found: list[Finding]) -> dict[str, Finding]:
    return {f.check: f for f in found if not f.ok}


async def test_a_good_setup_passes(good: Container) -> None:
    found = await run_checks(good)
    assert failing(found) == {}
    assert {f.check for f in found} >= {
        "bucket.versioning",
        "bucket.public_access_block",
        "bucket.policy",
        "bucket.acl",
        "bucket.encryption",
        "bucket.encryption_key",
        "key.state",
        "key.round_trip",
        "audit.signing_key",
        "audit.checkpoints",
        "database.migrations",
        "mail.from",
        "mail.smtp",
    }


async def test_bucket_misconfigurations_are_each_named(good: Container, s3env: S3Env) -> None:
    s3, bucket = s3env.s3, s3env.bucket
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": False,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": False,
        },
    )
    s3.delete_bucket_encryption(Bucket=bucket)
    bad = failing(await run_checks(good))
    assert set(bad) == {"bucket.versioning", "bucket.public_access_block", "bucket.encryption"}
    assert "Suspended" in bad["bucket.versioning"].problem
    assert "put-bucket-versioning" in bad["bucket.versioning"].fix
    assert "IgnorePublicAcls, RestrictPublicBuckets" in bad["bucket.public_access_block"].problem
    assert "put-bucket-encryption" in bad["bucket.encryption"].fix and s3env.kms_key_id in bad["bucket.encryption"].fix


async def test_public_policy_acl_and_missing_block_are_named(good: Container, s3env: S3Env) -> None:
    s3, bucket = s3env.s3, s3env.bucket
    s3.delete_public_access_block(Bucket=bucket)
    s3.put_bucket_policy(
        Bucket=bucket,
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}
                ],
            }
        ),
    )
    s3.put_bucket_acl(Bucket=bucket, ACL="public-read")
    bad = failing(await run_checks(good))
    assert set(bad) == {"bucket.public_access_block", "bucket.policy", "bucket.acl"}
    assert "no public access block" in bad["bucket.public_access_block"].problem
    assert "AllUsers" in bad["bucket.acl"].problem


async def test_a_bucket_encrypted_with_another_key_is_named(good: Container, s3env: S3Env) -> None:
    other = s3env.kms.create_key()["KeyMetadata"]["Arn"]
    encrypt(s3env, other)
    bad = failing(await run_checks(good))
    assert set(bad) == {"bucket.encryption_key"}


async def test_a_key_scheduled_for_deletion_is_named(good: Container, s3env: S3Env) -> None:
    # moto still generates and decrypts with such a key (so the round trip passes there);
    # DescribeKey's KeyState is what says it: PendingDeletion.
    s3env.kms.schedule_key_deletion(KeyId=s3env.kms_key_id, PendingWindowInDays=7)
    bad = failing(await run_checks(good))
    assert set(bad) == {"key.state"}
    assert "scheduled for deletion" in bad["key.state"].problem
    assert "cancel-key-deletion" in bad["key.state"].fix


async def test_a_disabled_key_is_named(good: Container, s3env: S3Env) -> None:
    s3env.kms.disable_key(KeyId=s3env.kms_key_id)
    bad = failing(await run_checks(good))
    assert "key.state" in bad and "Disabled" in bad["key.state"].problem


async def test_a_wrong_key_is_named(database_url: str, s3env: S3Env, smtp: SmtpServer) -> None:
    encrypt(s3env)
    c = await make_container(database_url, s3env, smtp.url, ats_kms_key_id="00000000-0000-4000-8000-000000000000")
    try:
        bad = failing(await run_checks(c))
    finally:
        await c.shutdown()
    assert set(bad) == {"key.exists", "key.round_trip"}
    assert "NotFoundException" in bad["key.exists"].problem
    assert "ats-branch-key" in bad["key.round_trip"].fix


async def test_a_missing_or_unusable_audit_signing_key_is_named(database_url: str, s3env: S3Env, smtp: SmtpServer) -> None:
    encrypt(s3env)
    symmetric = s3env.kms.create_key(Description="not a signing key")["KeyMetadata"]["KeyId"]
    for key, problem in ((None, "is not set"), (symmetric, "could not sign"),
                         ("00000000-0000-4000-8000-000000000000", "could not sign")):
        c = await make_container(database_url, s3env, smtp.url, ats_audit_signing_key_id=key)
        try:
            bad = failing(await run_checks(c))
        finally:
            await c.shutdown()
        assert set(bad) == {"audit.signing_key"}, key
        assert problem in bad["audit.signing_key"].problem
        assert "ATS_AUDIT_SIGNING_KEY_ID" in bad["audit.signing_key"].fix


async def test_a_missing_bucket_is_named(database_url: str, s3env: S3Env, smtp: SmtpServer) -> None:
    c = await make_container(database_url, s3env, smtp.url, ats_s3_bucket="no-such-bucket-here")
    try:
        bad = failing(await run_checks(c))
    finally:
        await c.shutdown()
    assert set(bad) == {"bucket.exists", "audit.checkpoints"}


async def test_an_unmigrated_database_is_named(good: Container) -> None:
    from piccolo.apps.migrations.tables import Migration

    latest = await Migration.select(Migration.name).order_by(Migration.name, ascending=False).first().run()
    await Migration.delete().where(Migration.name == latest["name"]).run()
    bad = failing(await run_checks(good))
    assert set(bad) == {"database.migrations"}
    assert latest["name"] in bad["database.migrations"].problem
    assert bad["database.migrations"].fix == "run ats db migrate"


async def test_a_database_never_migrated_is_named(tmp_path: Any, s3env: S3Env, smtp: SmtpServer) -> None:
    encrypt(s3env)
    c = await make_container(f"sqlite:///{tmp_path / 'empty.sqlite3'}", s3env, smtp.url, migrated=False)
    try:
        bad = failing(await run_checks(c))
    finally:
        await c.shutdown()
    assert set(bad) == {"database.migrations"}


async def test_unreachable_smtp_and_missing_mail_settings_are_named(database_url: str, s3env: S3Env) -> None:
    encrypt(s3env)
    c = await make_container(database_url, s3env, f"smtp://127.0.0.1:{free_port()}")
    try:
        bad = failing(await run_checks(c))
    finally:
        await c.shutdown()
    assert set(bad) == {"mail.smtp"}
    assert "connect failed" in bad["mail.smtp"].problem
    c = build(make_settings(database_url, s3env))  # development without ATS_SMTP_URL
    await c.startup()
    try:
        bad = failing(await run_checks(c))
    finally:
        await c.shutdown()
    assert "mail.smtp" in bad and "not set" in bad["mail.smtp"].problem


def doctor(c: Container, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ats.cli", "doctor", *args],
        env={**cli_env(c.settings), "ATS_AUDIT_SIGNING_KEY_ID": c.settings.ats_audit_signing_key_id or "", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_cli_exit_codes_and_json(good: Container, s3env: S3Env) -> None:
    fine = doctor(good, "--json")
    assert fine.returncode == 0, fine.stderr
    assert json.loads(fine.stdout)["ok"] is True
    s3env.s3.delete_bucket_encryption(Bucket=s3env.bucket)
    broken = doctor(good, "--json")
    assert broken.returncode == 1
    report = json.loads(broken.stdout)
    assert report["ok"] is False
    assert [c["check"] for c in report["checks"] if not c["ok"]] == ["bucket.encryption"]
    assert "bucket.encryption" in broken.stderr and "Fix: aws s3api put-bucket-encryption" in broken.stderr
    text = doctor(good)
    assert text.returncode == 1 and "FAIL bucket.encryption" in text.stdout


async def test_production_startup_stops_naming_each_problem(database_url: str, s3env: S3Env, smtp: SmtpServer) -> None:
    production = {
        "ats_env": "production",
        "ats_public_url": "https://jobs.example.com",
        "ats_privacy_contact": "privacy@example.com",
    }
    c = await make_container(database_url, s3env, smtp.url, **production)  # migrates, unencrypted bucket
    await c.shutdown()
    s3env.kms.schedule_key_deletion(KeyId=s3env.kms_key_id, PendingWindowInDays=7)
    checked = build(c.settings)
    checked.preflight = True
    with pytest.raises(StartupChecksFailed) as refused:
        await checked.startup()
    message = str(refused.value)
    assert "bucket.encryption" in message and "key.state" in message and "Fix:" in message
    encrypt(s3env)
    s3env.kms.cancel_key_deletion(KeyId=s3env.kms_key_id)
    s3env.kms.enable_key(KeyId=s3env.kms_key_id)
    again = build(c.settings)
    again.preflight = True
    await again.startup()  # a good set-up starts
    await again.shutdown()
