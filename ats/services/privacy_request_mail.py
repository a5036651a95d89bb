"""The mail of data-subject requests (DESIGN §10-§11): (subject, body) pairs, plain text.

The code mail is the same for every address, known or not, and says nothing about what we hold;
the code stands on a line of its own, so it can be read and copied without error."""

from __future__ import annotations

from ats.domain.privacy_requests import CODE_TTL, PrivacyRequest
from ats.domain.rights import Outcome

KIND_NAMES = {
    "access": "a copy of your data (access)",
    "portability": "a portable copy of your data",
    "rectification": "a correction of your data",
    "erasure": "the erasure of your data",
    "restriction": "a restriction of the use of your data",
    "objection": "an objection to the use of your data",
    "withdraw_consent": "the withdrawal of your consent",
}
SIGNATURE = "The privacy team"


def _lines(*paragraphs: str) -> str:
    return "\n\n".join(paragraphs) + "\n"


def code_mail(request: PrivacyRequest, code: str) -> tuple[str, str]:
    minutes = int(CODE_TTL.total_seconds() // 60)
    return "Your verification code", _lines(
        f"We received a request for {KIND_NAMES[request.kind]} made with this email address.",
        f"To confirm that it was you, enter this code on the request page within {minutes} minutes:",
        code,
        "If you did not make this request, ignore this message: nothing will happen.",
        SIGNATURE,
    )


def no_data_mail(request: PrivacyRequest) -> tuple[str, str]:
    return "Your privacy request", _lines(
        f"You confirmed your request for {KIND_NAMES[request.kind]}.",
        "We hold no data about you under this email address"
        + (" and reference" if request.reference else "")
        + ", so there is nothing to send, correct or erase. Your request is closed.",
        "If you applied with another email address, make a new request with that address.",
        SIGNATURE,
    )


def opened_mail(request: PrivacyRequest) -> tuple[str, str]:
    assert request.due_on is not None
    return "Your privacy request is being handled", _lines(
        f"You confirmed your request for {KIND_NAMES[request.kind]}.",
        f"We will answer by {request.due_on.isoformat()} at the latest.",
        SIGNATURE,
    )


def extended_mail(request: PrivacyRequest) -> tuple[str, str]:
    assert request.extended_due_on is not None
    return "Your privacy request: more time needed", _lines(
        f"We need more time to answer your request for {KIND_NAMES[request.kind]}.",
        f"Why: {request.extension_reason}",
        f"We will answer by {request.extended_due_on.isoformat()} at the latest.",
        "You may complain to a data protection authority if you disagree.",
        SIGNATURE,
    )


def refusal_message(request: PrivacyRequest, reason: str) -> str:
    return f"We cannot do what you asked ({KIND_NAMES[request.kind]}). Why: {reason}"


def outcome_mail(request: PrivacyRequest, outcome: Outcome) -> tuple[str, str]:
    parts = [outcome.message]
    if outcome.link:
        parts += ["Download it here (the link works once and expires):", outcome.link]
    if not outcome.fulfilled:
        parts.append("You may complain to a data protection authority, or seek a judicial remedy.")
    return "Your privacy request: our answer", _lines(*parts, SIGNATURE)
