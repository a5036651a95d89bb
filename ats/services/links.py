"""Signed, expiring links for candidates (offer answers, background-check consent).

Tokens are itsdangerous URLSafeTimedSerializer signatures (HMAC-SHA1 over a salted, derived
key; https://itsdangerous.palletsprojects.com/en/stable/timed/): tampering or age beyond
`max_age` makes them invalid. They carry ids only.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal
from urllib.parse import quote
from uuid import UUID

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ats.domain.errors import DomainError

ANSWER_WINDOW = timedelta(days=14)
# Withdrawal must stay possible long after the answer window (GDPR Art. 7(3)).
WITHDRAW_WINDOW = timedelta(days=4 * 366 + 366)


class LinkInvalid(DomainError):
    code = "invalid_link"


class LinkExpired(DomainError):
    code = "expired_link"


class LinkSigner:
    def __init__(self, secret: str) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="ats-candidate-link")

    def sign(self, kind: str, application_id: UUID, subject_id: UUID | None = None) -> str:
        return self._serializer.dumps({"k": kind, "a": str(application_id), "s": str(subject_id or "")})

    def verify(self, token: str, kind: str, max_age: timedelta) -> tuple[UUID, UUID | None]:
        try:
            data: Any = self._serializer.loads(token, max_age=int(max_age.total_seconds()))
        except SignatureExpired:
            raise LinkExpired("This link has expired. Ask the recruiter for a new one.") from None
        except BadSignature:
            raise LinkInvalid("This link is not valid. Check that you copied all of it.") from None
        if not isinstance(data, dict) or data.get("k") != kind:
            raise LinkInvalid("This link is not valid for this page.")
        try:
            return UUID(data["a"]), (UUID(data["s"]) if data.get("s") else None)
        except (KeyError, ValueError):
            raise LinkInvalid("This link is not valid.") from None


# The candidate pages these tokens open (ats.web.candidate_links serves them at these paths).
LINK_PATHS = {"offer": "/offer/", "consent": "/consent/", "report": "/report/"}


def candidate_link(public_url: str, kind: Literal["offer", "consent", "report"], token: str) -> str:
    """The absolute link for a person, on ATS_PUBLIC_URL: never on the request's Host header,
    which whoever sends the request chooses (DESIGN §8; OWASP "Host header injection")."""
    return f"{public_url.rstrip('/')}{LINK_PATHS[kind]}{quote(token, safe='')}"
