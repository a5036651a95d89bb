"""Hash chain over audit events (invariant 6): each event commits to the one before it."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC

from ats.domain.model import AuditEvent

GENESIS = "0" * 64


def canonical(event: AuditEvent) -> bytes:
    body = {
        "seq": event.seq,
        "actor": event.actor,
        "action": event.action,
        "at": event.at.astimezone(UTC).isoformat(),  # databases hand times back in UTC
        "application_id": str(event.application_id) if event.application_id else None,
        "position_id": str(event.position_id) if event.position_id else None,
        "record_id": str(event.record_id) if event.record_id else None,
        "details": event.details,
        "prev_hash": event.prev_hash,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def chain(events: list[AuditEvent], *, head_seq: int, head_hash: str) -> list[AuditEvent]:
    """Number and hash `events` after the current head; returns them, filled in."""
    seq, prev = head_seq, head_hash
    for event in events:
        seq += 1
        event.seq = seq
        event.prev_hash = prev
        event.hash = hashlib.sha256(canonical(event)).hexdigest()
        prev = event.hash
    return events


def verify(events: list[AuditEvent]) -> int | None:
    """Return the seq of the first event that breaks the chain, or None if all hold."""
    prev = GENESIS
    for event in events:
        if event.prev_hash != prev or hashlib.sha256(canonical(event)).hexdigest() != event.hash:
            return event.seq
        prev = event.hash
    return None
