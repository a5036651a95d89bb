"""The intake's reads and writes as hand-written SQL, each half in one trip to the database.

Why: an application's intake wrote six tables through piccolo, one query object per statement;
on SQLite every statement cost three hand-offs to aiosqlite's thread. That was over half of the
server's CPU per intake (bench/intake.py: 13.5 ms per request against 8.1 ms with the database
stubbed). Here the lookup and the write transaction each run as one function on the
connection's own thread (SQLite); on PostgreSQL the lookup is one query and the write is BEGIN,
two statements (data-modifying CTEs) and COMMIT.

The rows are the ones piccolo writes: the column lists come from storage.tables, values go
through the same sqlite3 adapters that piccolo registers (UUID and datetime to text, UTC) and
asyncpg's own codecs, and JSON through piccolo's dump_json. tests/integration/test_intake_contract.py
reads rows written here back through the piccolo repository.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from typing import Any
from uuid import UUID

from piccolo.engine import Engine, PostgresEngine
from piccolo.table import Table
from piccolo.utils.encoding import dump_json

from ats.domain import audit as audit_chain
from ats.domain.model import PositionStatus
from ats.ports import NewSubmission, PositionClosed
from storage import tables as t
from storage.sqlite_pool import PooledSQLiteEngine

Row = dict[str, Any]


def _columns(table: type[Table]) -> list[str]:
    return [c._meta.db_column_name for c in table._meta.columns]


COLUMNS = {table: [(c._meta.db_column_name, c) for c in table._meta.columns] for table in t.TABLES}
NAMES = {table: frozenset(_columns(table)) for table in t.TABLES}
COLUMN_LIST = {table: ", ".join(_columns(table)) for table in t.TABLES}


def _values(table: type[Table], given: Row) -> tuple[Any, ...]:
    """One row's values in column order; a key that is not a column is a bug, not data to drop.
    A column not given takes its default, as piccolo would insert it."""
    if not NAMES[table].issuperset(given):
        raise KeyError(f"{table._meta.tablename} has no column(s) {sorted(set(given) - NAMES[table])}")
    return tuple(given[name] if name in given else column.get_default_value() for name, column in COLUMNS[table])


def _insert(table: type[Table], placeholder: Callable[[int], str]) -> str:
    marks = ", ".join(placeholder(i + 1) for i in range(len(NAMES[table])))
    return f'INSERT INTO "{table._meta.tablename}" ({COLUMN_LIST[table]}) VALUES ({marks})'  # noqa: S608 (names from storage.tables, values bound)


def dedupe_key(position_id: UUID, email: str) -> str:
    """One application per email and position, enforced by the unique `dedupe_key` even for
    two intakes at once (each has its own person row, so person ids cannot serve). A digest,
    not the address: the row is personal data either way and goes with the application.
    36 + 1 + 40 characters fit the column's 80."""
    return f"{position_id}:{hashlib.sha256(email.encode()).hexdigest()[:40]}"


def submission_rows(s: NewSubmission) -> list[tuple[type[Table], list[tuple[Any, ...]]]]:
    """The rows of one submission, table by table, in foreign-key order (audit rows apart)."""
    a = s.application
    application = {**vars(a), "status": a.status.value, "dedupe_key": dedupe_key(a.position_id, s.person.email)}
    records = [
        {
            **vars(r),
            "record_type": r.record_type.value,
            "legal_basis": r.legal_basis.value,
            "purpose": r.purpose.value,
            "data_subject": r.data_subject.value,
        }
        for r in s.records
    ]
    rows: list[tuple[type[Table], list[tuple[Any, ...]]]] = [(t.Person, [_values(t.Person, vars(s.person))])]
    rows.append((t.Application, [_values(t.Application, application)]))
    rows.append((t.DataKey, [_values(t.DataKey, vars(s.data_key))]))
    rows.append((t.Record, [_values(t.Record, r) for r in records]))
    rows.append((t.Referee, [_values(t.Referee, vars(r)) for r in s.referees]))
    return [(table, values) for table, values in rows if values]


def audit_rows(s: NewSubmission) -> list[tuple[Any, ...]]:
    return [_values(t.AuditEvent, {**vars(e), "details": dump_json(e.details)}) for e in s.events]


def _qmark(_: int) -> str:
    return "?"


SQLITE_INSERT = {table: _insert(table, _qmark) for table in t.TABLES}
HEAD_SQL = 'SELECT seq, hash FROM "audit_head" WHERE id = 1'
HEAD_INSERT = 'INSERT INTO "audit_head" (id, seq, hash) VALUES (1, 0, {mark})'
HEAD_UPDATE = 'UPDATE "audit_head" SET seq = {a}, hash = {b} WHERE id = 1'


# ---------------------------------------------------------------------------------------------
# SQLite: each function runs whole on the connection's thread.

SQLITE_POSITION = 'SELECT * FROM "positions" WHERE id = ?'
# By email through the join (persons.email and applications.person_id are indexed), so rows
# written before each application had its own person row are found too.
SQLITE_DUPLICATE = (
    'SELECT a.id FROM "applications" a JOIN "persons" pe ON pe.id = a.person_id '
    "WHERE pe.email = ? AND a.position_id = ? LIMIT 1"
)
SQLITE_STILL_OPEN = 'SELECT status FROM "positions" WHERE id = ?'
OPEN = PositionStatus.OPEN.value


def _sqlite_lookup(db: sqlite3.Connection, position_id: UUID, email: str) -> tuple[Row | None, UUID | None]:
    position = db.execute(SQLITE_POSITION, (position_id,)).fetchone()
    duplicate = db.execute(SQLITE_DUPLICATE, (email, position_id)).fetchone() if position else None
    return position, duplicate["id"] if duplicate else None


def _sqlite_save(db: sqlite3.Connection, s: NewSubmission) -> None:
    # IMMEDIATE takes the write lock at BEGIN, as PiccoloUnitOfWork.transaction does: no
    # conclusion can commit between this check and the COMMIT (issue 9 #2).
    db.execute("BEGIN IMMEDIATE")
    try:
        position = db.execute(SQLITE_STILL_OPEN, (s.application.position_id,)).fetchone()
        if position is None or position["status"] != OPEN:
            raise PositionClosed(str(s.application.position_id))
        for table, values in submission_rows(s):
            db.executemany(SQLITE_INSERT[table], values)
        head = db.execute(HEAD_SQL).fetchone()
        if head is None:
            db.execute(HEAD_INSERT.format(mark="?"), (audit_chain.GENESIS,))
            head = {"seq": 0, "hash": audit_chain.GENESIS}
        audit_chain.chain(s.events, head_seq=head["seq"], head_hash=head["hash"])
        db.executemany(SQLITE_INSERT[t.AuditEvent], audit_rows(s))
        last = s.events[-1]
        db.execute(HEAD_UPDATE.format(a="?", b="?"), (last.seq, last.hash))
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


async def _on_sqlite_thread(engine: PooledSQLiteEngine, fn: Callable[..., Any], *args: Any) -> Any:
    connection = await engine.get_connection()
    try:
        # aiosqlite runs every call as a function on the connection's thread; `_execute` is how
        # its own methods queue one (aiosqlite/core.py), used here to queue a batch as one.
        result = await connection._execute(fn, connection._conn, *args)
    except BaseException:
        await connection.close()
        raise
    await engine.release(connection)
    return result


# ---------------------------------------------------------------------------------------------
# PostgreSQL: few round trips. The lookup is one query; the write is BEGIN, one statement that
# inserts every row (data-modifying CTEs) and locks the audit head, one that appends the chained
# events and moves the head, COMMIT. asyncpg prepares each distinct text once per connection;
# the texts vary only with the number of rows (a handful of shapes).

POSTGRES_LOOKUP = """
SELECT p.*,
       (SELECT a.id FROM "applications" a JOIN "persons" pe ON pe.id = a.person_id
        WHERE pe.email = $2 AND a.position_id = $1 LIMIT 1) AS duplicate_of
FROM (SELECT 1) AS one
LEFT JOIN "positions" p ON p.id = $1
"""
# FOR SHARE on the position: a conclusion that updated it first makes this wait and then read
# the concluded row (READ COMMITTED re-reads a locked row); one that comes later waits for
# this commit, so its UPDATE of the applications sees this one. Same lock order as the
# conclusion (position, then audit head): no deadlock.
POSTGRES_STILL_OPEN = 'SELECT status FROM "positions" WHERE id = {mark} FOR SHARE'
POSTGRES_RESULT = (
    "SELECT (SELECT status FROM still) AS position_status, (SELECT seq FROM head) AS seq, "
    "(SELECT hash FROM head) AS hash"
)



def _ctes(groups: list[tuple[type[Table], list[tuple[Any, ...]]]], args: list[Any]) -> list[str]:
    """INSERT ... VALUES clauses as CTEs, their values appended to `args` as $n parameters."""
    ctes = []
    for i, (table, rows) in enumerate(groups):
        tuples = []
        for row in rows:
            start = len(args)
            args.extend(row)
            tuples.append("(" + ", ".join(f"${start + k + 1}" for k in range(len(row))) + ")")
        ctes.append(
            f'w{i} AS (INSERT INTO "{table._meta.tablename}" ({COLUMN_LIST[table]}) '  # noqa: S608
            f"VALUES {', '.join(tuples)})"
        )
    return ctes


async def postgres_fetchrow(engine: PostgresEngine, sql: str, *args: Any) -> Any:
    """One query, on a pooled connection, or on one of its own without a pool (the CLI and
    tests), as piccolo does."""
    if engine.pool is None:
        db = await engine.get_new_connection()
        try:
            return await db.fetchrow(sql, *args)
        finally:
            await db.close()
    async with engine.pool.acquire() as db:
        return await db.fetchrow(sql, *args)


async def postgres_first_head(db: Any) -> Any:
    """The first write of a new database, maybe several at once: one inserts the audit head,
    the others wait for it and lock the committed row."""
    await db.execute(HEAD_INSERT.format(mark="$1") + " ON CONFLICT (id) DO NOTHING", audit_chain.GENESIS)
    return await db.fetchrow(f"{HEAD_SQL} FOR UPDATE")


async def _postgres_lookup(engine: PostgresEngine, position_id: UUID, email: str) -> tuple[Row | None, UUID | None]:
    row = await postgres_fetchrow(engine, POSTGRES_LOOKUP, position_id, email)
    position = {k: v for k, v in row.items() if k != "duplicate_of"}
    return (position if position["id"] is not None else None), row["duplicate_of"]


async def _postgres_save(engine: PostgresEngine, s: NewSubmission) -> None:
    async with engine.transaction() as tx:
        db = tx.connection
        args: list[Any] = []
        ctes = _ctes(submission_rows(s), args)
        args.append(s.application.position_id)
        ctes.append(f"still AS ({POSTGRES_STILL_OPEN.format(mark=f'${len(args)}')})")
        # The head row lock serialises chain appends across writers (as append_audit does),
        # taken by an UPDATE that changes nothing, whose EXISTS (an init plan, run before the
        # scan) locks the position first: the conclusion's order too, so the two never deadlock.
        ctes.append(
            'head AS (UPDATE "audit_head" SET seq = seq WHERE id = 1 AND EXISTS (SELECT 1 FROM still) '
            "RETURNING seq, hash)"
        )
        row = await db.fetchrow(f"WITH {', '.join(ctes)} {POSTGRES_RESULT}", *args)
        if row["position_status"] != OPEN:
            raise PositionClosed(str(s.application.position_id))  # rolls back every insert
        head = row if row["seq"] is not None else None
        if head is None:
            head = await postgres_first_head(db)
        audit_chain.chain(s.events, head_seq=head["seq"], head_hash=head["hash"])
        args = []
        ctes = _ctes([(t.AuditEvent, audit_rows(s))], args)
        last = s.events[-1]
        head_update = HEAD_UPDATE.format(a=f"${len(args) + 1}", b=f"${len(args) + 2}")
        await db.execute(f"WITH {', '.join(ctes)} {head_update}", *args, last.seq, last.hash)


# ---------------------------------------------------------------------------------------------


async def lookup(engine: Engine, position_id: UUID, email: str) -> tuple[Row | None, UUID | None]:
    """The position's row, and an application to it under this email if there is one."""
    if isinstance(engine, PooledSQLiteEngine):
        return await engine.read_small(_sqlite_lookup, position_id, email)  # two indexed reads
    if isinstance(engine, PostgresEngine):
        return await _postgres_lookup(engine, position_id, email)
    raise TypeError(f"no intake SQL for {type(engine).__name__}")


async def save(engine: Engine, submission: NewSubmission) -> None:
    """Every row of one submission and its audit events, in one transaction; PositionClosed
    (nothing written) when the position is no longer open inside it."""
    if isinstance(engine, PooledSQLiteEngine):
        await _on_sqlite_thread(engine, _sqlite_save, submission)
    elif isinstance(engine, PostgresEngine):
        await _postgres_save(engine, submission)
    else:
        raise TypeError(f"no intake SQL for {type(engine).__name__}")
