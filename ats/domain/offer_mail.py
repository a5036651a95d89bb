"""The mail that carries a candidate's offer link (DESIGN §10: "offer and consent links").

Pure text. The subject names the position only, no personal data: subjects travel in clear
between mail servers and show in notification previews, where the body is not shown (the body,
like every outbox message, is sealed at rest with the application's key: ats.services.mail).
The link stands on a line of its own, so mail clients that wrap long lines do not break it
(RFC 3676 §4.1: a line is not wrapped when it holds one long word), and the expiry is a date
and time in UTC, the moment the signed link stops working (ats.services.links.ANSWER_WINDOW).
"""

from __future__ import annotations

from datetime import UTC, datetime

OFFER_EXTENDED = "offer.extended"  # the outbox kind
MAX_TITLE_IN_SUBJECT = 120


def _one_line(text: str) -> str:
    # A position title is one line already; collapsing whitespace makes that a rule here too,
    # since a CR/LF in a subject would be a header injection (RFC 5322 §2.2; mail.queue refuses it).
    return " ".join(text.split())


def offer_text(*, position_title: str, link: str, expires_at: datetime) -> tuple[str, str]:
    """Subject and body of the offer mail."""
    title = _one_line(position_title)
    short = title if len(title) <= MAX_TITLE_IN_SUBJECT else title[: MAX_TITLE_IN_SUBJECT - 1] + "…"
    until = expires_at.astimezone(UTC)
    when = f"{until.day} {until:%B %Y}, {until:%H:%M} UTC"
    subject = f"Your job offer: {short}"
    body = (
        "Hello,\n\n"
        f"We are pleased to offer you the position \"{title}\".\n\n"
        "Read the offer and give your answer (accept or decline) at this link:\n\n"
        f"{link}\n\n"
        f"The link works until {when}. After that it no longer works: contact your recruiter.\n\n"
        "The link is personal: please do not forward this message.\n"
    )
    return subject, body
