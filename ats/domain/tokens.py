"""API tokens with a lifecycle (issue 9, item 12): each has an id people can name, an expiry,
and may be revoked. Only a SHA-256 of the secret is stored, and listings show its last four
characters at most (enough to tell tokens apart, nothing to use)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

DEFAULT_DAYS = 90
MAX_DAYS = 366
HINT_CHARS = 4


@dataclass
class ApiToken:
    id: UUID
    user_id: UUID
    token_hash: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None
    hint: str = ""

    def status(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if now >= self.expires_at else "active"

    def usable(self, now: datetime) -> bool:
        return self.status(now) == "active"


def lifetime(days: int | None) -> timedelta:
    """The validity of a new token; ValueError names the allowed range."""
    days = DEFAULT_DAYS if days is None else days
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"A token lasts from 1 to {MAX_DAYS} days (default {DEFAULT_DAYS}).")
    return timedelta(days=days)


def listing(token: ApiToken, now: datetime) -> dict[str, object]:
    """What a listing shows: never the token nor its hash."""
    return {
        "id": str(token.id),
        "created_at": token.created_at.isoformat(),
        "expires_at": token.expires_at.isoformat(),
        "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
        "status": token.status(now),
        "last4": token.hint,
    }
