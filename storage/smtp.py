"""The SMTP mailer (Mailer port) over aiosmtplib.

ATS_SMTP_URL: `smtp://[user:pass@]host[:port]` (default port 25) upgrades with STARTTLS when
the server offers it (aiosmtplib's `start_tls=None`: "upgrade will be initiated if supported
by the server"), `smtps://...` (default port 465) is TLS from the first byte (RFC 8314 §3.3).
Certificates are verified (aiosmtplib's default `validate_certs=True`). User and password are
percent-decoded from the URL. Errors become MailDeferred (4xx, connection, timeout: try again)
or MailRejected (5xx); their text carries the SMTP class and code only, because servers echo
addresses in their replies ("550 <x@y>: unknown user") and our logs never carry addresses.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import aiosmtplib

from ats.ports import MailDeferred, MailRejected, OutgoingMail
from ats.settings import SmtpTarget

TIMEOUT_SECONDS = 20.0


def to_email(message: OutgoingMail) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = message.sender
    mail["To"] = message.to
    mail["Subject"] = message.subject
    mail["Date"] = format_datetime(datetime.now(UTC))
    # Message-ID from our outbox id: a retried message keeps its id, so receivers can tell.
    mail["Message-ID"] = make_msgid(idstring=message.message_id.hex, domain=message.sender.rpartition("@")[2] or None)
    mail.set_content(message.body)
    return mail


class SmtpMailer:
    def __init__(self, target: SmtpTarget, *, timeout: float = TIMEOUT_SECONDS) -> None:
        self.target = target
        self.timeout = timeout

    async def send(self, message: OutgoingMail) -> None:
        t = self.target
        try:
            await aiosmtplib.send(
                to_email(message),
                hostname=t.host,
                port=t.port,
                username=t.username,
                password=t.password,
                use_tls=t.implicit_tls,
                start_tls=False if t.implicit_tls else None,
                timeout=self.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = sorted({r.code for r in exc.recipients})
            raise _by_code(codes[0] if codes else 550, "SMTPRecipientsRefused") from None
        except aiosmtplib.SMTPResponseException as exc:
            raise _by_code(exc.code, type(exc).__name__) from None
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise MailDeferred(type(exc).__name__) from None


def _by_code(code: int, name: str) -> Exception:
    # RFC 5321 §4.2.1: 4yz transient negative completion, 5yz permanent.
    text = f"{name} {code}"
    return MailRejected(text) if 500 <= code < 600 else MailDeferred(text)
