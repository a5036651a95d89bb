"""Lifting a restriction of processing (GDPR Art. 18(3)): the reason a privacy officer gives and
the notice the person receives before the restriction is lifted. Pure: no I/O."""

from __future__ import annotations

from ats.domain.errors import ValidationError

MAX_REASON = 500
LIFT_NOTICE = "application.restriction_lifted"  # the outbox kind


def lift_reason(reason: object) -> str:
    """The officer's reason, whitespace folded; required, at most MAX_REASON characters."""
    text = " ".join(reason.split()) if isinstance(reason, str) else ""
    if not text:
        raise ValidationError(
            "Give the reason the restriction is lifted (e.g. the accuracy check is complete); "
            "the candidate is told it.",
            field="reason",
        )
    if len(text) > MAX_REASON:
        raise ValidationError(f"The reason must be at most {MAX_REASON} characters.", field="reason")
    return text


def lift_notice(*, reference: str, reason: str) -> tuple[str, str]:
    """Subject and body of the mail that tells the person before the restriction is lifted
    (GDPR Art. 18(3): "shall be informed by the controller before the restriction of processing
    is lifted")."""
    subject = f"The restriction on your application {reference} is being lifted"
    body = (
        f"You asked us to restrict the use of your data in application {reference} (GDPR Art. 18).\n"
        "As GDPR Art. 18(3) requires, we are telling you before we lift that restriction.\n\n"
        f"Why: {reason}\n\n"
        "From now on we use your data again for the recruitment you applied for, and erase it at "
        "the end of its retention period as our privacy notice says. If you disagree, reply to "
        "this message or make a new request on our privacy page.\n"
    )
    return subject, body
