"""What a data-subject request acts on and what its fulfilment answers (DESIGN §11).

The requests service (ats/services/privacy_requests.py) verifies who is asking and finds their
applications; the fulfilment services (ats/services/exports.py, ats/services/rights.py) act on
them and answer an Outcome, which the requests service records and mails to the person."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

KINDS = (
    "access",
    "portability",
    "rectification",
    "erasure",
    "restriction",
    "objection",
    "withdraw_consent",
)


@dataclass(frozen=True)
class Subject:
    """The verified person a request is about: every application made with their address (or
    only the one whose reference they gave)."""

    request_id: UUID
    email: str  # normalised (lower-cased); never logged
    application_ids: tuple[UUID, ...]


@dataclass(frozen=True)
class Outcome:
    """A fulfilment's answer. `reason` is recorded on the request for the privacy officer;
    `message` is what the person is told by mail (no special-category detail); `link` is the
    export's single-use download link when there is one."""

    fulfilled: bool
    reason: str
    message: str
    link: str | None = None
