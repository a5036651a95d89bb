"""How the services reach mail: the mailer, the outbox cipher, the sender address, and (local
runs only) the embedded SMTP server's inbox. Built by the composition root (ats.bootstrap)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from ats.ports import Inbox, MailCipher, Mailer


@dataclass
class Mailroom:
    mailer: Mailer
    cipher: MailCipher
    sender: str = "no-reply@ats.localhost"
    inbox: Inbox | None = None  # the embedded SMTP server's messages (development mailbox)


def default_mailroom() -> Mailroom:
    """For Deps built without the composition root (unit tests): the in-memory mailer and a
    cipher under a random secret. Imported late: services do not depend on storage."""
    from storage.mailbox import MemoryMailer
    from storage.outbox_crypto import OutboxCipher

    return Mailroom(mailer=MemoryMailer(), cipher=OutboxCipher(secrets.token_urlsafe(32)))
