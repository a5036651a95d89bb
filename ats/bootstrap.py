"""The composition root: everything is built here, once, from settings."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from piccolo.engine import Engine

from ats.domain.oversight import OversightConfig
from ats.policy_loader import load_policy
from ats.ports import BlobStore, Clock, Inbox, KeyProvider, Mailer, UnitOfWork
from ats.services.deps import Deps
from ats.services.links import LinkSigner
from ats.services.mailroom import Mailroom
from ats.services.request_desk import RequestDesk
from ats.services.throttle import LoginThrottle
from ats.settings import Settings, load_settings, parse_smtp_url
from storage import engine as db
from storage.emulator import Emulator, clients, provision, provision_signing_key, start_emulator
from storage.keyring import HierarchicalKeyProvider
from storage.kms import KmsKeyProvider
from storage.mailbox import UnconfiguredMailer
from storage.outbox_crypto import OutboxCipher
from storage.repository import PiccoloUnitOfWork
from storage.s3 import S3BlobStore
from storage.smtp import SmtpMailer
from storage.smtp_server import SmtpServer, start_smtp_server
from storage.vault import RecordVault


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class Container:
    settings: Settings
    deps: Deps
    engine: Engine | None = None
    emulator: Emulator | None = None
    s3: Any = None
    kms: Any = None
    extras: dict[str, Any] = field(default_factory=dict)
    smtp_server: SmtpServer | None = None  # embedded mode's in-process SMTP server
    # Run `ats doctor`'s checks at start-up when ATS_ENV=production (`ats serve` sets it).
    preflight: bool = False

    async def startup(self) -> None:
        if self.engine is not None:
            await db.start(self.engine)
        if self.preflight and self.settings.production:
            from ats.bootstrap_doctor import startup_checks

            try:
                await startup_checks(self)  # raises naming every problem and its fix
            except Exception:
                await self.shutdown()
                raise

    async def shutdown(self) -> None:
        if self.engine is not None:
            await db.stop(self.engine)
        if self.emulator is not None:
            self.emulator.stop()
        if self.smtp_server is not None:
            self.smtp_server.stop()
            self.smtp_server = None


def build(
    settings: Settings,
    *,
    uow: UnitOfWork | None = None,
    keys: KeyProvider | None = None,
    blobs: BlobStore | None = None,
    clock: Clock | None = None,
    emulator: Emulator | None = None,
    mailer: Mailer | None = None,
    smtp_server: SmtpServer | None = None,
) -> Container:
    """Real adapters from settings; tests may pass fakes for any port."""
    engine = None
    if uow is None:
        engine = db.engine_from_url(settings.ats_database_url)
        db.bind(engine)
        uow = PiccoloUnitOfWork(engine)
    s3 = kms = None
    if keys is None or blobs is None:
        s3, kms = clients(settings.ats_s3_endpoint_url, settings.aws_region, emulated=settings.embedded)
        keys = keys or HierarchicalKeyProvider(KmsKeyProvider(kms, settings.ats_kms_key_id))
        blobs = blobs or S3BlobStore(s3, settings.ats_s3_bucket, settings.ats_kms_key_id)
    seal = None
    if settings.ats_audit_signing_key_id:
        # Checkpoints of the audit chain (ats.services.audit): signed in KMS, kept in S3.
        from ats.ports_audit import AuditSeal
        from storage.audit_seal import KmsAuditSigner, S3CheckpointStore

        s3, kms = (s3, kms) if s3 is not None else clients(
            settings.ats_s3_endpoint_url, settings.aws_region, emulated=settings.embedded
        )
        seal = AuditSeal(
            KmsAuditSigner(kms, settings.ats_audit_signing_key_id),
            S3CheckpointStore(s3, settings.ats_s3_bucket, settings.ats_kms_key_id),
        )
    deps = Deps(
        audit_seal=seal,
        uow=uow,
        vault=RecordVault(keys, blobs),
        clock=clock or SystemClock(),
        max_upload_bytes=settings.max_upload_bytes,
        policy=load_policy(),  # an invalid policy file stops start-up here
        links=LinkSigner(settings.ats_secret_key.get_secret_value()),
        public_url=settings.ats_public_url,
        mail=_mailroom(settings, mailer, smtp_server.inbox if smtp_server else None),
        # The per-client sign-in budget is ATS_RATE_LIMITS' `login`; the per-account one is fixed.
        login_throttle=LoginThrottle(client=settings.ats_rate_limits["login"]),
        requests=RequestDesk(settings.ats_secret_key.get_secret_value()),
        oversight=OversightConfig(
            stale_position_months=settings.ats_stale_position_months,
            storage_region=settings.aws_region,
            controller=settings.ats_controller_name,
            privacy_contact=settings.ats_privacy_contact,
        ),
    )
    return Container(
        settings=settings, deps=deps, engine=engine, emulator=emulator, s3=s3, kms=kms, smtp_server=smtp_server
    )


def _mailroom(settings: Settings, mailer: Mailer | None, inbox: Inbox | None) -> Mailroom:
    if mailer is None:
        url = settings.ats_smtp_url
        mailer = SmtpMailer(parse_smtp_url(url.get_secret_value())) if url else UnconfiguredMailer()
    return Mailroom(
        mailer=mailer,
        cipher=OutboxCipher(settings.ats_secret_key.get_secret_value()),
        sender=settings.ats_mail_from,
        inbox=inbox,
    )


def from_environment(*, preflight: bool = False) -> Container:
    container = build(load_settings())
    container.preflight = preflight
    return container


def embedded(data_dir: Path, *, database_url: str | None = None, public_url: str | None = None) -> Container:
    """`ats serve --embedded`: the S3/KMS emulator on loopback and SQLite, set up from nothing.
    `public_url` is where the server listens (links to candidates point there)."""
    emulator = start_emulator()
    smtp_server = start_smtp_server()  # a real SMTP listener on loopback; mail stays in memory
    region = "eu-west-2"
    s3, kms = clients(emulator.endpoint_url, region, emulated=True)
    bucket = "ats-embedded"
    key_id = provision(s3, kms, bucket, region)
    signing_key_id = provision_signing_key(kms)
    data_dir.mkdir(parents=True, exist_ok=True)
    db_path = data_dir / "embedded.sqlite3"
    if database_url is None:
        # The emulator forgets its objects when it stops, so rows from an earlier run would
        # point at nothing: every embedded run starts from an empty database.
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    settings = load_settings(
        {},
        ats_env="development",
        ats_database_url=database_url or f"sqlite:///{db_path}",
        ats_s3_bucket=bucket,
        ats_s3_endpoint_url=emulator.endpoint_url,
        ats_kms_key_id=key_id,
        ats_audit_signing_key_id=signing_key_id,
        aws_region=region,
        ats_secret_key=secrets.token_urlsafe(48),
        ats_public_url=public_url or "",
        ats_smtp_url=smtp_server.url,
        embedded=True,
    )
    return build(settings, emulator=emulator, smtp_server=smtp_server)
