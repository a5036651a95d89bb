"""The embedded SMTP server (aiosmtpd) for local runs and tests (DESIGN §10): a real SMTP
listener on a loopback port that keeps what it receives in memory, never on disk. It is the
Inbox the panel's development mailbox shows. Not for production: no auth, no TLS, no relay.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

from ats.ports import ReceivedMail
from storage.emulator import free_port, require_embedded_extra

KEEP = 500  # the newest messages kept; a development inbox, not an archive
# aiosmtpd logs every envelope's sender and recipients at INFO on "mail.log" (aiosmtpd/smtp.py);
# logs never carry addresses (DESIGN §10), whatever level the process logs at.
AIOSMTPD_LOGGER = "mail.log"


class _Handler:
    def __init__(self, inbox: MemoryInbox) -> None:
        self.inbox = inbox

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.inbox.reply is not None:
            return self.inbox.reply
        parsed = message_from_bytes(envelope.original_content or envelope.content, policy=default_policy)
        assert isinstance(parsed, EmailMessage)
        body = parsed.get_body(preferencelist=("plain",))
        self.inbox.add(
            ReceivedMail(
                received_at=datetime.now(UTC),
                sender=str(envelope.mail_from),
                recipients=tuple(str(r) for r in envelope.rcpt_tos),
                subject=str(parsed.get("Subject", "")),
                body=body.get_content().replace("\r\n", "\n") if body is not None else "",
            )
        )
        return "250 Message accepted for delivery"


class MemoryInbox:
    """Thread-safe: the server's loop runs in its own thread, readers in the app's."""

    def __init__(self) -> None:
        self._messages: deque[ReceivedMail] = deque(maxlen=KEEP)
        self._lock = threading.Lock()
        self.reply: str | None = None  # e.g. "451 4.3.0 try later": refuse every message

    def add(self, message: ReceivedMail) -> None:
        with self._lock:
            self._messages.append(message)

    def messages(self) -> list[ReceivedMail]:
        """Newest first."""
        with self._lock:
            return list(reversed(self._messages))

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()


class SmtpServer:
    def __init__(self, host: str = "127.0.0.1", port: int | None = None) -> None:
        self.inbox = MemoryInbox()
        self.host = host
        self.port = port or free_port()
        require_embedded_extra()  # aiosmtpd is in the optional `embedded` extra
        from aiosmtpd.controller import Controller

        logging.getLogger(AIOSMTPD_LOGGER).setLevel(logging.WARNING)
        self._controller = Controller(_Handler(self.inbox), hostname=host, port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    def start(self) -> SmtpServer:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_smtp_server() -> SmtpServer:
    return SmtpServer().start()
