"""`ats doctor` and the production start-up checks (issue 12): is this deployment's bucket
versioned, private and SSE-KMS encrypted, is the KMS key usable with the encryption context the
code sends, can the audit chain's checkpoints be signed and listed, is the database migrated,
is mail configured? Each failure is a Finding naming the problem and its fix. Read-only, except
one data key generated and unwrapped and one probe message signed in KMS."""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from ats.domain.doctor import Finding, failed, judge_bucket, judge_bucket_key, judge_key, passed
from ats.ports import KeyProvider
from ats.ports_audit import AuditSeal
from ats.ports_ops import DeploymentInspector
from ats.settings import DEV_MAIL_FROM, EMAIL


@dataclass(frozen=True)
class Probes:
    inspector: DeploymentInspector
    bucket: str
    key_id: str
    # A keyring with nothing cached, each call: the round trip's unwrap must reach KMS itself.
    fresh_keys: Callable[[], KeyProvider]
    key_context: Mapping[str, str]  # what the vault sends for an application's data key
    pending_migrations: Callable[[], Awaitable[list[str]]]
    smtp: Callable[[], Awaitable[None]] | None  # None: ATS_SMTP_URL is not set
    mail_from: str
    production: bool
    audit_seal: AuditSeal | None = None  # None: ATS_AUDIT_SIGNING_KEY_ID is not set
    audit_key_id: str | None = None


async def diagnose(probes: Probes) -> list[Finding]:
    """Every check, in a fixed order; the caller decides what a failure stops."""
    storage, audit, database, mail = await asyncio.gather(
        asyncio.to_thread(_storage, probes), asyncio.to_thread(_audit, probes), _database(probes), _mail(probes)
    )
    return [*storage, *audit, *database, *mail]


AUDIT_KEY_FIX = (
    "set ATS_AUDIT_SIGNING_KEY_ID to an asymmetric KMS key (ECC_NIST_P256, SIGN_VERIFY): the storage stack's "
    "AtsAuditSigningKeyId output (infra/aws/storage.yaml)"
)


def _audit(probes: Probes) -> list[Finding]:
    """Tamper evidence (issue 11): checkpoints of the audit chain signed in KMS and kept in S3.
    Without them someone with database access can rewrite the chain and its hashes unseen."""
    seal = probes.audit_seal
    if seal is None:
        return [failed("audit.signing_key", "ATS_AUDIT_SIGNING_KEY_ID is not set: the audit trail gets no signed "
                       "checkpoints, so an edit by someone with database access goes undetected", AUDIT_KEY_FIX)]
    probe = b"ats doctor: audit signing probe"
    try:
        signature = seal.signer.sign(probe)
        verifies = seal.signer.verify(probe, signature) and not seal.signer.verify(probe + b"!", signature)
    except Exception as exc:  # why broad: any error of the probe is the finding itself
        return [failed(
            "audit.signing_key",
            f"KMS key {probes.audit_key_id} could not sign and verify a checkpoint ({_name(exc)})",
            AUDIT_KEY_FIX + "; the service's role needs kms:Sign and kms:Verify on it",
        )]
    if not verifies:
        return [failed("audit.signing_key", f"KMS key {probes.audit_key_id} does not verify its own signature",
                       AUDIT_KEY_FIX)]
    try:
        seal.store.list_keys()
        seal.store.replaced_keys()
    except Exception as exc:  # why broad: as above
        return [passed("audit.signing_key"), failed(
            "audit.checkpoints",
            f"the checkpoints under audit-checkpoints/ in bucket {probes.bucket} cannot be listed ({_name(exc)})",
            "allow the service's role s3:ListBucket and s3:ListBucketVersions with prefix audit-checkpoints/* and "
            "s3:GetObject, s3:PutObject "
            "and s3:PutObjectTagging on audit-checkpoints/* (infra/aws/storage.yaml)",
        )]
    return [passed("audit.signing_key"), passed("audit.checkpoints")]


def _storage(probes: Probes) -> list[Finding]:
    bucket = probes.inspector.bucket(probes.bucket)
    key = probes.inspector.key(probes.key_id)
    found = [*judge_bucket(probes.bucket, bucket, probes.key_id), *judge_key(probes.key_id, key)]
    if bucket.exists and key.found and bucket.encryption_algorithm in ("aws:kms", "aws:kms:dsse"):
        bucket_key = probes.inspector.key(bucket.encryption_key) if bucket.encryption_key else None
        found.append(judge_bucket_key(probes.bucket, bucket_key, key))
    found.append(_round_trip(probes))
    return found


def _round_trip(probes: Probes) -> Finding:
    """GenerateDataKey, then Decrypt by a second keyring, under the contexts the code sends
    (the keyring's branch context to KMS, the vault's application context around it): a key
    policy whose conditions do not match them fails here, not at the first application."""
    try:
        made = probes.fresh_keys().generate_data_key(probes.key_context)
        opened = probes.fresh_keys().decrypt_data_key(made.wrapped, probes.key_context)
    except Exception as exc:  # why broad: any error of the round trip is the finding itself
        return failed(
            "key.round_trip",
            f"KMS key {probes.key_id} could not generate and decrypt a data key with the app's encryption "
            f"context ({_name(exc)})",
            "allow the service's role kms:GenerateDataKey and kms:Decrypt on the key with the encryption context "
            "purpose=ats-branch-key (the key policy in infra/aws/storage.yaml), and check AWS_REGION and ATS_S3_ENDPOINT_URL",
        )
    if not hmac.compare_digest(opened, made.plaintext):
        return failed("key.round_trip", "the decrypted data key differs from the one generated", "check the KMS endpoint")
    return passed("key.round_trip")


async def _database(probes: Probes) -> list[Finding]:
    try:
        pending = await probes.pending_migrations()
    except Exception as exc:  # why broad: unreachable, refused, wrong database: all named below
        return [
            failed(
                "database.reachable",
                f"the database cannot be read ({_name(exc)})",
                "check ATS_DATABASE_URL (host, port, user, password, database name) and that the database accepts "
                "connections from here",
            )
        ]
    if pending:
        return [
            passed("database.reachable"),
            failed(
                "database.migrations",
                f"{len(pending)} migration(s) not applied, the first {pending[0]}",
                "run ats db migrate",
            ),
        ]
    return [passed("database.reachable"), passed("database.migrations")]


async def _mail(probes: Probes) -> list[Finding]:
    found = []
    if not EMAIL.fullmatch(probes.mail_from) or (probes.production and probes.mail_from == DEV_MAIL_FROM):
        found.append(
            failed(
                "mail.from",
                "ATS_MAIL_FROM is not an address candidates can reply to",
                "set ATS_MAIL_FROM to an address of your domain, e.g. no-reply@example.com",
            )
        )
    else:
        found.append(passed("mail.from"))
    if probes.smtp is None:
        found.append(
            failed(
                "mail.smtp",
                "ATS_SMTP_URL is not set: mail to candidates waits in the outbox",
                "set ATS_SMTP_URL=smtp://user:pass@mail.example.com:587 (or smtps://...:465)",
            )
        )
        return found
    try:
        await probes.smtp()
    except Exception as exc:  # why broad: the probe's message names the step and code only
        found.append(
            failed(
                "mail.smtp",
                f"the SMTP server of ATS_SMTP_URL cannot be used ({exc})",
                "check ATS_SMTP_URL's host, port, scheme (smtps:// for TLS from the start) and credentials, and "
                "that the server is reachable from here",
            )
        )
    else:
        found.append(passed("mail.smtp"))
    return found


def _name(exc: BaseException) -> str:
    """The error's type and, for AWS errors, its code: never a message that could echo data."""
    response = getattr(exc, "response", None)
    code = response.get("Error", {}).get("Code") if isinstance(response, dict) else None
    return f"{type(exc).__name__}: {code}" if code else type(exc).__name__
