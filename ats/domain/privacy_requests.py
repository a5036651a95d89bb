"""A data-subject request as a case (DESIGN §11): its states, its moves, its verification code.

States: awaiting_verification -> open (code right) -> fulfilled | refused (a privacy officer's
decision); awaiting_verification -> closed (five wrong codes, or an address holding no data,
answered "we hold no data about you"). Moves are pure functions that return a new request or
raise Conflict / ValidationError.

The code: six digits from `secrets` (CSPRNG), kept only as HMAC-SHA256 under a key derived from
ATS_SECRET_KEY (HKDF, RFC 5869; OWASP Forgot Password Cheat Sheet: random, single use, short
lived, stored hashed), valid 30 minutes, five tries, compared with hmac.compare_digest
(constant time). A keyed hash rather than a plain one: a million possible codes would be
brute-forced from a leaked plain hash at once.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from uuid import UUID

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ats.domain.errors import Conflict, ValidationError
from ats.domain.rights import KINDS

CODE_TTL = timedelta(minutes=30)
MAX_TRIES = 5
CODE_DIGITS = 6
MAX_DETAILS = 2000
MAX_REASON = 1000
MAX_REFERENCE = 20


class RequestStatus(StrEnum):
    AWAITING_VERIFICATION = "awaiting_verification"
    OPEN = "open"
    FULFILLED = "fulfilled"
    REFUSED = "refused"
    CLOSED = "closed"


@dataclass(frozen=True)
class PrivacyRequest:
    id: UUID
    kind: str
    status: RequestStatus
    email: str  # normalised; personal data: never logged
    reference: str | None
    details: str | None
    received_at: datetime
    code_hash: str | None = None
    code_expires_at: datetime | None = None
    tries: int = 0
    verified_at: datetime | None = None
    due_on: date | None = None
    extended_due_on: date | None = None
    extension_reason: str | None = None
    applications: tuple[UUID, ...] = ()
    jurisdictions: tuple[str, ...] = ()
    decision: str | None = None
    decision_reason: str | None = None
    decided_at: datetime | None = None
    decided_by: str | None = None
    # Set (and `email` emptied) once a closed request has been kept long enough
    # (ats.services.request_upkeep): a keyed digest of the address, for accountability only.
    email_digest: str | None = None

    @property
    def current_due_on(self) -> date | None:
        return self.extended_due_on or self.due_on

    def overdue(self, today: date) -> bool:
        due = self.current_due_on
        return self.status is RequestStatus.OPEN and due is not None and today > due


def code_key(secret: str) -> bytes:
    """The code-hashing key, derived from ATS_SECRET_KEY for this one use (HKDF-SHA256,
    RFC 5869 §3.2: `info` separates keys derived from one secret)."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"ats privacy-request codes v1").derive(
        secret.encode()
    )


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def hash_code(key: bytes, request_id: UUID, code: str) -> str:
    # Bound to the request: one request's code is no use on another.
    return hmac.new(key, request_id.bytes + code.encode(), hashlib.sha256).hexdigest()


def received(
    *, request_id: UUID, email: str, kind: object, reference: str | None, details: str | None, key: bytes, code: str, now: datetime
) -> PrivacyRequest:
    if kind not in KINDS:
        raise ValidationError(f"Choose a kind of request: {', '.join(KINDS)}.", field="kind")
    return PrivacyRequest(
        id=request_id,
        kind=str(kind),
        status=RequestStatus.AWAITING_VERIFICATION,
        email=email,
        reference=reference,
        details=details,
        received_at=now,
        code_hash=hash_code(key, request_id, code),
        code_expires_at=now + CODE_TTL,
    )


class CodeRefused(ValidationError):
    """A wrong or expired code (422); `closed` once the last try is used (then 409)."""

    code = "wrong_code"


def check_code(request: PrivacyRequest, code: object, *, key: bytes, now: datetime) -> tuple[PrivacyRequest, bool]:
    """Spend one try. Returns (the request with the try counted, right?). A request that is
    not awaiting verification is a Conflict (409) and spends nothing."""
    if request.status is not RequestStatus.AWAITING_VERIFICATION:
        raise Conflict(_not_awaiting(request))
    tries = request.tries + 1
    given = code.strip() if isinstance(code, str) else ""
    good = (
        request.code_hash is not None
        and request.code_expires_at is not None
        and now < request.code_expires_at
        and hmac.compare_digest(hash_code(key, request.id, given), request.code_hash)
    )
    if good:
        return dataclasses.replace(request, tries=tries, code_hash=None, code_expires_at=None), True
    if tries >= MAX_TRIES:
        return dataclasses.replace(request, tries=tries, code_hash=None, status=RequestStatus.CLOSED), False
    return dataclasses.replace(request, tries=tries), False


def _not_awaiting(request: PrivacyRequest) -> str:
    if request.status is RequestStatus.CLOSED and request.verified_at is None:
        return "This request was closed after too many wrong codes or expired. Make a new request."
    return "This request's identity check is complete already."


def expired(request: PrivacyRequest, now: datetime) -> bool:
    return request.code_expires_at is not None and now >= request.code_expires_at


def verified(
    request: PrivacyRequest, *, now: datetime, due_on: date, applications: tuple[UUID, ...], jurisdictions: tuple[str, ...]
) -> PrivacyRequest:
    """Identity verified: the clock starts (DESIGN §11). No applications: closed at once,
    answered "we hold no data about you"."""
    status = RequestStatus.OPEN if applications else RequestStatus.CLOSED
    return dataclasses.replace(
        request,
        status=status,
        verified_at=now,
        due_on=due_on,
        applications=applications,
        jurisdictions=jurisdictions,
        decision=None if applications else "no_data",
        decided_at=None if applications else now,
    )


def extended(request: PrivacyRequest, *, new_due_on: date, reason: str) -> PrivacyRequest:
    _require_open(request)
    return dataclasses.replace(request, extended_due_on=new_due_on, extension_reason=reason)


def decided(request: PrivacyRequest, *, fulfilled: bool, reason: str, by: str, now: datetime) -> PrivacyRequest:
    _require_open(request)
    return dataclasses.replace(
        request,
        status=RequestStatus.FULFILLED if fulfilled else RequestStatus.REFUSED,
        decision="fulfil" if fulfilled else "refuse",
        decision_reason=reason,
        decided_at=now,
        decided_by=by,
    )


def _require_open(request: PrivacyRequest) -> None:
    if request.status is not RequestStatus.OPEN:
        raise Conflict(f"This request is {request.status.value}; only an open request can be extended or decided.")


def text_field(value: object, *, field: str, limit: int, required: bool) -> str | None:
    """A free-text field: a string of at most `limit` characters, no markup, no control
    characters (it is shown to staff and may be quoted in mail)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationError(f"Give a {field.replace('_', ' ')}.", field=field)
        return None
    if not isinstance(value, str):
        raise ValidationError(f"Give {field.replace('_', ' ')} as text.", field=field)
    text = value.strip()
    if len(text) > limit:
        raise ValidationError(f"Keep {field.replace('_', ' ')} to {limit} characters at most.", field=field)
    if "<" in text or ">" in text:
        raise ValidationError(f"Leave out < and > from {field.replace('_', ' ')}: markup is not accepted.", field=field)
    if any((ord(ch) < 32 and ch not in "\n\t") or 0x7F <= ord(ch) < 0xA0 or ch in "\u2028\u2029\u202e\u202d" for ch in text):
        raise ValidationError(f"Remove control characters from {field.replace('_', ' ')}.", field=field)
    return text
