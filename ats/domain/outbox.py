"""Outbox rules (DESIGN §10), pure: message kinds, the retry schedule, the sealed payload.

Retry schedule: exponential backoff with a cap, as RFC 5321 §4.5.4.1 asks of a sender ("the
retry interval SHOULD be at least 30 minutes" between attempts to one host is for relays; for
our own first hops a faster start helps the person waiting for a code) and giving up after
about two days of attempts, as common MTAs do (Postfix `maximal_queue_lifetime` = 5d, Exim's
default retry rule gives up after 4 days; a code or a link is stale long before that).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from ats.domain.errors import ValidationError

FIRST_RETRY = timedelta(minutes=1)
MAX_RETRY = timedelta(hours=6)
MAX_ATTEMPTS = 12  # 1+2+4+...+256 min, then 6 h steps: about 1.5 days in all
LEASE = timedelta(minutes=5)  # a claimed message is due again after this if its sender died

KIND = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
# Kinds the code sends now; `kind` is free-form (dotted lower-case) so new flows need no change.
DUPLICATE_APPLICATION = "application.duplicate"

_HEADER_SAFE = re.compile(r"^[^\r\n]*$")
EMAIL = re.compile(r"^[^@\s<>\"'(),;:\\\[\]]+@[^@\s<>\"'(),;:\\\[\]]+\.[^@\s<>\"'(),;:\\\[\]]+$")


def retry_delay(attempts: int) -> timedelta:
    """Delay before the next try after `attempts` failed ones: 1, 2, 4 ... minutes, capped."""
    if attempts < 1:
        return timedelta(0)
    return min(FIRST_RETRY * (2 ** min(attempts - 1, 20)), MAX_RETRY)


def next_attempt(now: datetime, attempts: int) -> datetime | None:
    """When to try again after `attempts` failed tries, or None: give up."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return now + retry_delay(attempts)


@dataclass(frozen=True)
class Draft:
    """What is sealed in the outbox: recipient, subject, body (all personal data)."""

    to: str
    subject: str
    body: str

    def to_bytes(self) -> bytes:
        return json.dumps({"to": self.to, "subject": self.subject, "body": self.body}).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> Draft:
        parsed = json.loads(data)
        return cls(to=parsed["to"], subject=parsed["subject"], body=parsed["body"])


def draft(*, kind: str, to: str, subject: str, body: str) -> Draft:
    """Check a message before it is queued: a well-formed address, a one-line subject (no
    header injection: RFC 5322 §2.2 forbids CR/LF in a field body), a non-empty body."""
    if not KIND.fullmatch(kind or ""):
        raise ValidationError("A mail kind is dotted lower-case words, e.g. application.duplicate.", field="kind")
    to = (to or "").strip()
    if len(to) > 254 or not EMAIL.fullmatch(to):
        raise ValidationError("The recipient is not a valid email address.", field="to")
    if not subject or len(subject) > 200 or not _HEADER_SAFE.fullmatch(subject):
        raise ValidationError("A subject is one line of at most 200 characters.", field="subject")
    if not body or len(body) > 100_000:
        raise ValidationError("A mail body is between 1 and 100,000 characters.", field="body")
    return Draft(to=to, subject=subject, body=body)


def duplicate_application_text(*, position_title: str, reference: str, privacy_contact: str) -> tuple[str, str]:
    """Subject and body of the private notice to a person whose address was used for a second
    application to the same position (the public answer reveals nothing)."""
    contact = privacy_contact or "the privacy contact named in the privacy notice on our site"
    subject = "A second application under your email address"
    body = (
        "Hello,\n\n"
        f"We received a second application to the position \"{position_title}\" using this email "
        "address. You have already applied to this position (your application reference is "
        f"{reference}), so the second application was not stored.\n\n"
        "If you sent it, nothing else is needed: your first application stands. To change it, "
        f"or if you did not send it, contact our privacy team at {contact}, quoting your "
        "reference.\n"
    )
    return subject, body
