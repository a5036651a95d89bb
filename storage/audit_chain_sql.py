"""Appending audit events on PostgreSQL in one statement: the head locked, the events hashed
into the chain, inserted, and the head moved, in a single round trip (autocommit).

Why: a read's audit event (a document download's `record.downloaded`) was BEGIN, the head
locked, one INSERT ... UPDATE statement and COMMIT: four round trips to the server, which on the
download benchmark's loaded machine were the largest part of the event loop's time per download
(bench/download.py, py-spy: the socket writes of those statements). The chain's hash needs the
head's hash, which only the locked row knows, so the hashing moves into SQL: the event's
canonical JSON (ats.domain.audit.canonical) is built in Python around two holes, the previous
hash and the sequence number, and PostgreSQL fills them and takes the SHA-256 (`sha256()`,
PostgreSQL 11+), each event chained to the one before by a recursive CTE. A statement that
locks the head with FOR UPDATE waits for a concurrent append to commit and then reads its new
head (READ COMMITTED re-reads the locked row), so appends stay serialised as before.

tests/integration/test_document_contract.py and the audit tests check that the hashes are those
`canonical` gives (ats audit verify recomputes them in Python).
"""

from __future__ import annotations

import uuid
from typing import Any

from ats.domain.audit import canonical
from ats.domain.model import AuditEvent

# The canonical JSON's keys are sorted: "prev_hash" is followed only by "record_id" and "seq".
SEQ_TAIL = ',"seq":0}'

APPEND_SQL = """
WITH RECURSIVE
e AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::text[],
                         $6::uuid[], $7::uuid[], $8::uuid[], $9::text[])
        WITH ORDINALITY AS u(pre, mid, at, actor, action, application_id, position_id, record_id, details, i)
),
head AS (SELECT seq, hash FROM "audit_head" WHERE id = 1 FOR UPDATE),
c(i, seq, prev, hash) AS (
    SELECT 0::bigint, seq, NULL::varchar, hash::varchar FROM head
    UNION ALL
    SELECT c.i + 1, c.seq + 1, c.hash,
           encode(sha256(convert_to(e.pre || c.hash || e.mid || (c.seq + 1)::text || '}', 'UTF8')), 'hex')::varchar
    FROM c JOIN e ON e.i = c.i + 1
),
ins AS (
    INSERT INTO "audit_events" (seq, at, actor, action, application_id, position_id, record_id, details, prev_hash, hash)
    SELECT c.seq, e.at, e.actor, e.action, e.application_id, e.position_id, e.record_id, e.details::json, c.prev, c.hash
    FROM c JOIN e ON e.i = c.i
    RETURNING seq, prev_hash, hash
),
moved AS (
    UPDATE "audit_head" h SET seq = last.seq, hash = last.hash
    FROM (SELECT seq, hash FROM ins ORDER BY seq DESC LIMIT 1) AS last
    WHERE h.id = 1
)
SELECT seq, prev_hash, hash FROM ins ORDER BY seq
"""


# The common case, a single read's event: the same chaining without unnest and recursion, which
# PostgreSQL plans and runs for less (bench/download.py's database CPU per download; measured
# with a script appending 3,000 events one at a time: about 280 to 220 µs of PostgreSQL CPU).
APPEND_ONE_SQL = """
WITH
head AS (SELECT seq, hash FROM "audit_head" WHERE id = 1 FOR UPDATE),
ins AS (
    INSERT INTO "audit_events" (seq, at, actor, action, application_id, position_id, record_id, details, prev_hash, hash)
    SELECT head.seq + 1, $3::timestamptz, $4::text, $5::text, $6::uuid, $7::uuid, $8::uuid, $9::text::json, head.hash,
           encode(sha256(convert_to($1::text || head.hash || $2::text || (head.seq + 1)::text || '}', 'UTF8')), 'hex')
    FROM head
    RETURNING seq, prev_hash, hash
),
moved AS (UPDATE "audit_head" h SET seq = ins.seq, hash = ins.hash FROM ins WHERE h.id = 1)
SELECT seq, prev_hash, hash FROM ins
"""


def holes(event: AuditEvent) -> tuple[str, str]:
    """The event's canonical JSON as (before the previous hash, between it and the seq)."""
    sentinel = uuid.uuid4().hex  # cannot occur elsewhere in the text: ids and hex are all it holds
    saved = event.prev_hash, event.seq
    event.prev_hash, event.seq = sentinel, 0
    try:
        text = canonical(event).decode("ascii")  # json.dumps escapes non-ASCII (ensure_ascii)
    finally:
        event.prev_hash, event.seq = saved
    marker = f'"prev_hash":"{sentinel}"'
    before, found, after = text.partition(marker)
    if not found or not after.endswith(SEQ_TAIL) or marker in after:
        raise ValueError("the audit event's canonical form is not the one this statement fills in")
    return before + '"prev_hash":"', '"' + after[: -len("0}")]


def arguments(events: list[AuditEvent], dump_json: Any) -> list[list[Any]]:
    pre, mid = zip(*(holes(e) for e in events), strict=True)
    return [
        list(pre),
        list(mid),
        [e.at for e in events],
        [e.actor for e in events],
        [e.action for e in events],
        [e.application_id for e in events],
        [e.position_id for e in events],
        [e.record_id for e in events],
        [dump_json(e.details) for e in events],
    ]


async def append(db: Any, events: list[AuditEvent], dump_json: Any) -> bool:
    """Append `events` on connection `db` (not in a transaction: the statement is its own).
    False when there is no head row yet (a new database): the caller takes the slow path."""
    columns = arguments(events, dump_json)
    if len(events) == 1:
        rows = await db.fetch(APPEND_ONE_SQL, *(column[0] for column in columns))
    else:
        rows = await db.fetch(APPEND_SQL, *columns)
    if not rows:
        return False
    for event, row in zip(events, rows, strict=True):
        event.seq, event.prev_hash, event.hash = row["seq"], row["prev_hash"], row["hash"]
    return True
