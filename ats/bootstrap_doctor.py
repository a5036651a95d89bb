"""Composition for `ats doctor` and the production start-up checks: the real probes of a
Container (its S3 and KMS clients, its database, its SMTP URL)."""

from __future__ import annotations

import uuid
from functools import partial
from typing import TYPE_CHECKING

from ats.domain.doctor import Finding, failures, summary
from ats.services.doctor import Probes, diagnose
from ats.settings import SettingsError, parse_smtp_url
from storage.deployment import Boto3Inspector
from storage.emulator import clients
from storage.keyring import HierarchicalKeyProvider
from storage.kms import KmsKeyProvider
from storage.migration_status import pending_migrations
from storage.smtp_probe import probe_smtp
from storage.vault import key_context

if TYPE_CHECKING:
    from ats.bootstrap import Container


class StartupChecksFailed(SettingsError):
    """Production start-up refused: the message names each problem and its fix."""


def probes(container: Container) -> Probes:
    settings = container.settings
    s3, kms = container.s3, container.kms
    if s3 is None or kms is None:
        s3, kms = clients(settings.ats_s3_endpoint_url, settings.aws_region, emulated=settings.embedded)
    smtp_url = settings.ats_smtp_url
    return Probes(
        inspector=Boto3Inspector(s3, kms),
        bucket=settings.ats_s3_bucket,
        key_id=settings.ats_kms_key_id,
        fresh_keys=lambda: HierarchicalKeyProvider(KmsKeyProvider(kms, settings.ats_kms_key_id)),
        key_context=key_context(uuid.uuid4()),
        pending_migrations=pending_migrations,
        smtp=partial(probe_smtp, parse_smtp_url(smtp_url.get_secret_value())) if smtp_url else None,
        mail_from=settings.ats_mail_from,
        production=settings.production,
        audit_seal=container.deps.audit_seal,
        audit_key_id=settings.ats_audit_signing_key_id,
    )


async def run_checks(container: Container) -> list[Finding]:
    return await diagnose(probes(container))


async def startup_checks(container: Container) -> None:
    """ATS_ENV=production: refuse to start on a bucket, key, database or mail set-up that
    `ats doctor` would fail, naming every problem at once."""
    found = await run_checks(container)
    if failures(found):
        raise StartupChecksFailed("Production start-up checks failed (ats doctor shows the same):\n" + summary(found))
