"""Signed checkpoints of the audit chain's head, and the streaming check of the chain against them.

The hash chain (ats.domain.audit) shows an edit only to someone who trusts the stored hashes: a
person with database access can rewrite events and recompute every hash after them. A
checkpoint (the head's sequence number and hash) signed with a key the database never holds
(KMS, asymmetric: the private half never leaves KMS) and written outside the database (S3) pins
the chain up to that point. Checkpoints are numbered 1, 2, 3, ... and each names a digest of the
previous one's signature, so a deleted checkpoint leaves a gap that shows (the same idea as
RFC 6962's signed tree heads, which sign the log size and root hash).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from ats.domain.audit import GENESIS, canonical
from ats.domain.model import AuditEvent

PREFIX = "audit-checkpoints/"
# KMS signing algorithm for an ECC_NIST_P256 key (AWS KMS developer guide, "Key spec reference").
ALGORITHM = "ECDSA_SHA_256"
FORMAT = "ats-audit-checkpoint/1"


@dataclass(frozen=True)
class Checkpoint:
    number: int  # 1, 2, 3, ... with no gap
    seq: int  # the chain head's sequence number when taken (0: an empty chain)
    hash: str  # the head's hash (GENESIS for an empty chain)
    at: datetime
    prev: str  # sha256 (hex) of the previous checkpoint's signature; GENESIS for number 1

    def message(self) -> bytes:
        """The signed bytes: canonical JSON of every field."""
        body = {
            "format": FORMAT,
            "number": self.number,
            "seq": self.seq,
            "hash": self.hash,
            "at": self.at.astimezone(UTC).isoformat(),
            "prev": self.prev,
        }
        return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


@dataclass(frozen=True)
class SignedCheckpoint:
    checkpoint: Checkpoint
    signature: bytes
    key_id: str


def object_key(number: int) -> str:
    # Fixed width: S3 lists keys in byte order, so the listing is in checkpoint order.
    return f"{PREFIX}{number:012d}.json"


def link(signature: bytes) -> str:
    return hashlib.sha256(signature).hexdigest()


def following(last: SignedCheckpoint | None, *, seq: int, hash: str, now: datetime) -> Checkpoint:
    """The checkpoint after `last` for the head (`seq`, `hash`)."""
    if last is None:
        return Checkpoint(number=1, seq=seq, hash=hash, at=now, prev=GENESIS)
    return Checkpoint(number=last.checkpoint.number + 1, seq=seq, hash=hash, at=now, prev=link(last.signature))


def encode(signed: SignedCheckpoint) -> bytes:
    cp = signed.checkpoint
    return json.dumps(
        {
            "format": FORMAT,
            "number": cp.number,
            "seq": cp.seq,
            "hash": cp.hash,
            "at": cp.at.astimezone(UTC).isoformat(),
            "prev": cp.prev,
            "algorithm": ALGORITHM,
            "key_id": signed.key_id,
            "signature": base64.b64encode(signed.signature).decode(),
        },
        sort_keys=True,
        indent=1,
    ).encode()


def decode(body: bytes) -> SignedCheckpoint:
    """A stored checkpoint; ValueError when it is not one."""
    try:
        doc = json.loads(body)
        if doc.get("format") != FORMAT:
            raise ValueError("unknown checkpoint format")
        cp = Checkpoint(
            number=int(doc["number"]),
            seq=int(doc["seq"]),
            hash=str(doc["hash"]),
            at=datetime.fromisoformat(doc["at"]),
            prev=str(doc["prev"]),
        )
        return SignedCheckpoint(cp, base64.b64decode(doc["signature"], validate=True), str(doc["key_id"]))
    except (KeyError, TypeError, AttributeError, binascii.Error, json.JSONDecodeError) as exc:
        raise ValueError(f"malformed checkpoint: {type(exc).__name__}") from None


@dataclass(frozen=True)
class Problem:
    # edited | gap | truncated | recomputed | checkpoint_missing | checkpoint_deleted | bad_signature
    # | malformed | unsealed
    kind: str
    seq: int  # the first sequence number this problem leaves unproven
    message: str
    checkpoint: int | None = None

    def as_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "seq": self.seq, "message": self.message, "checkpoint": self.checkpoint}


def check_series(found: Iterable[tuple[str, SignedCheckpoint | None, bool]]) -> tuple[list[Checkpoint], list[Problem]]:
    """The checkpoints to trust and the problems of the series. `found` holds, in key order,
    each stored object's key, its decoded checkpoint (None: malformed) and whether its signature
    verified. A problem's seq is the first sequence number after the last checkpoint still
    trusted: from there on the chain is not proven."""
    trusted: list[Checkpoint] = []
    problems: list[Problem] = []
    prev_signed: SignedCheckpoint | None = None
    expected = 1
    for key, signed, valid in found:
        covered = trusted[-1].seq + 1 if trusted else 1
        if signed is None:
            problems.append(Problem("malformed", covered, f"{key} is not a checkpoint"))
            continue
        cp = signed.checkpoint
        if not valid or key != object_key(cp.number):
            problems.append(Problem("bad_signature", covered, f"checkpoint {cp.number}: signature does not verify", cp.number))
            continue
        if cp.number != expected:
            problems.append(
                Problem("checkpoint_missing", covered, f"checkpoints {expected}..{cp.number - 1} are missing", expected)
            )
        elif prev_signed is not None and cp.prev != link(prev_signed.signature):
            problems.append(Problem("checkpoint_missing", covered, f"checkpoint {cp.number} does not follow {cp.number - 1}", cp.number))
        elif prev_signed is None and cp.prev != GENESIS:
            problems.append(Problem("checkpoint_missing", covered, f"checkpoint {cp.number} does not follow the first", cp.number))
        if trusted and cp.seq < trusted[-1].seq:
            problems.append(Problem("bad_signature", covered, f"checkpoint {cp.number} goes back to seq {cp.seq}", cp.number))
            continue
        trusted.append(cp)
        prev_signed = signed
        expected = cp.number + 1
    return trusted, problems


def object_number(key: str) -> int | None:
    name = key.removeprefix(PREFIX).removesuffix(".json")
    return int(name) if key.startswith(PREFIX) and name.isdigit() else None


def replaced(trusted: list[Checkpoint], keys: Iterable[str]) -> list[Problem]:
    """A checkpoint deleted or overwritten (the versioned bucket's history shows it): the chain
    from just after the checkpoint before it is unproven, even if a later checkpoint took its
    number again (deleting the newest checkpoint leaves no gap in the numbers)."""
    problems = []
    for key in keys:
        number = object_number(key)
        if number is None:
            continue
        before = [cp for cp in trusted if cp.number < number]
        covered = before[-1].seq + 1 if before else 1
        problems.append(Problem("checkpoint_deleted", covered, f"checkpoint {number} was deleted or overwritten", number))
    return problems


def unsealed(trusted: list[Checkpoint], first_after: datetime | None, now: datetime, *, wait: timedelta) -> list[Problem]:
    """Events older than `wait` that no checkpoint covers yet. Checkpoints are written hourly,
    so this is a deleted newest checkpoint (whose bucket history is gone too) or a jobs service
    that stopped: either way, those events are unproven."""
    if first_after is not None and first_after.tzinfo is None:
        first_after = first_after.replace(tzinfo=UTC)
    if first_after is None or now - first_after <= wait:
        return []
    seq = trusted[-1].seq + 1 if trusted else 1
    hours = int((now - first_after).total_seconds() // 3600)
    return [Problem("unsealed", seq, f"events from seq {seq} have waited {hours} h for a checkpoint (one is written "
                    "every hour): the newest checkpoint was deleted, or the jobs service is not running")]


@dataclass
class ChainCheck:
    """Feed the chain page by page (in seq order); memory stays constant. Each event must follow
    the one before (seq + 1, prev_hash, its own hash) and, where a checkpoint was taken, carry the
    checkpoint's hash."""

    checkpoints: list[Checkpoint]
    problems: list[Problem] = field(default_factory=list)
    seq: int = 0
    prev: str = GENESIS
    events: int = 0
    _next: int = 0  # index of the next checkpoint to meet
    limit: int = 20  # problems kept (the first ones matter)
    first_unsealed_at: datetime | None = None  # the first event after the newest checkpoint

    def __post_init__(self) -> None:
        self._skip_empty()

    def _skip_empty(self) -> None:
        while self._next < len(self.checkpoints) and self.checkpoints[self._next].seq <= self.seq:
            cp = self.checkpoints[self._next]
            if cp.seq == self.seq and cp.hash != self.prev:
                self._recomputed(cp)
            self._next += 1

    def _add(self, problem: Problem) -> None:
        if len(self.problems) < self.limit:
            self.problems.append(problem)

    def _recomputed(self, cp: Checkpoint) -> None:
        before = self.checkpoints[self._next - 1].seq if self._next else 0
        self._add(
            Problem(
                "recomputed",
                before + 1,
                f"the hash at seq {cp.seq} is not the one checkpoint {cp.number} signed: "
                f"events {before + 1}..{cp.seq} were rewritten",
                cp.number,
            )
        )

    def feed(self, events: Iterable[AuditEvent]) -> None:
        for event in events:
            self.events += 1
            if event.seq != self.seq + 1:
                self._add(Problem("gap", self.seq + 1, f"events {self.seq + 1}..{event.seq - 1} are missing"))
            elif event.prev_hash != self.prev or hashlib.sha256(canonical(event)).hexdigest() != event.hash:
                self._add(Problem("edited", event.seq, f"event {event.seq} does not match its hash"))
            self.seq, self.prev = event.seq, event.hash
            if self.first_unsealed_at is None and (not self.checkpoints or event.seq > self.checkpoints[-1].seq):
                self.first_unsealed_at = event.at
            self._skip_empty()

    def finish(self) -> list[Problem]:
        """All problems, the lowest sequence number first."""
        if self.checkpoints and self.checkpoints[-1].seq > self.seq:
            latest = self.checkpoints[-1]
            self._add(
                Problem(
                    "truncated",
                    self.seq + 1,
                    f"the chain ends at seq {self.seq}, below checkpoint {latest.number} (seq {latest.seq})",
                    latest.number,
                )
            )
        return sorted(self.problems, key=lambda p: p.seq)
