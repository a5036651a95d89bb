"""In-memory fake of the Mailer port: keeps what it was asked to send (tests, unit services).
`fail` makes it defer or reject, as a down or refusing SMTP server would."""

from __future__ import annotations

from ats.ports import MailDeferred, MailRejected, OutgoingMail


class MemoryMailer:
    def __init__(self) -> None:
        self.sent: list[OutgoingMail] = []
        self.fail: str | None = None  # None | "defer" | "reject"

    async def send(self, message: OutgoingMail) -> None:
        if self.fail == "defer":
            raise MailDeferred("MemoryMailer deferred")
        if self.fail == "reject":
            raise MailRejected("MemoryMailer rejected 550")
        self.sent.append(message)


class UnconfiguredMailer:
    """Development without ATS_SMTP_URL: nothing is sent, every message waits in the outbox
    (production refuses to start without ATS_SMTP_URL)."""

    async def send(self, message: OutgoingMail) -> None:
        raise MailDeferred("no ATS_SMTP_URL configured")
