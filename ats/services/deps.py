"""What every service needs, built once by the composition root (ats.bootstrap)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import anyio.to_thread

from ats.domain.actors import Actor
from ats.domain.jurisdiction import PolicyBook
from ats.domain.model import AuditEvent
from ats.domain.notices import NoticeBook
from ats.domain.oversight import OversightConfig
from ats.policy_loader import load_notices, load_policy
from ats.ports import Clock, UnitOfWork, Vault
from ats.ports_audit import AuditSeal
from ats.services.links import LinkSigner
from ats.services.mailroom import Mailroom, default_mailroom
from ats.services.passwords import Passwords
from ats.services.request_desk import RequestDesk
from ats.services.throttle import LoginThrottle

T = TypeVar("T")


@dataclass
class Deps:
    uow: UnitOfWork
    vault: Vault
    clock: Clock
    max_upload_bytes: int = 10 * 1024 * 1024
    policy: PolicyBook = field(default_factory=load_policy)
    notices: NoticeBook = field(default_factory=load_notices)  # background-check notices (ats.domain.notices)
    links: LinkSigner = field(default_factory=lambda: LinkSigner(secrets.token_urlsafe(32)))
    # ATS_PUBLIC_URL: the origin of every link sent to a person (ats.services.links.candidate_link).
    public_url: str = "http://127.0.0.1:8000"
    # Per-process sign-in state: argon2 slots and login throttling (ats.services.throttle).
    passwords: Passwords = field(default_factory=Passwords)
    login_throttle: LoginThrottle = field(default_factory=LoginThrottle)
    mail: Mailroom = field(default_factory=default_mailroom)  # DESIGN §10 (ats.services.mail)
    requests: RequestDesk = field(default_factory=RequestDesk)  # DESIGN §11 (ats.services.privacy_requests)
    oversight: OversightConfig = field(default_factory=OversightConfig)  # issue 11 (ats.services.dashboard)
    # Signs and keeps the audit chain's checkpoints (ats.services.audit); None: not configured.
    audit_seal: AuditSeal | None = None

    async def blocking(self, fn: Callable[..., T], *args: Any) -> T:
        """boto3 is synchronous: run it on a worker thread so the event loop keeps serving."""
        return await anyio.to_thread.run_sync(fn, *args)

    def event(self, actor: Actor, action: str, **ids: Any) -> AuditEvent:
        details = ids.pop("details", {}) or {}
        return AuditEvent(actor=actor.label, action=action, at=self.clock.now(), details=details, **ids)

    async def audit(self, actor: Actor, action: str, **ids: Any) -> None:
        """Record one event in its own transaction (for reads; writes audit in theirs)."""
        async with self.uow.transaction() as repo:
            await repo.append_audit([self.event(actor, action, **ids)])
