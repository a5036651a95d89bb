"""A document download's reads and its audit event as hand-written SQL, each in one trip.

Why: a download ran about eleven statements through piccolo (the record, its application, its
position, the assignment, the data key, then the audit head, the event and the head's update in
a transaction of their own); on SQLite each statement is several hand-offs to aiosqlite's
thread, and together they were most of the server's extra CPU per download against a bare
`get_object` (bench/download.py, DESIGN §7). Here the scope read is one query and the audit
append one function on the connection's own thread (SQLite), or one statement that locks the
head, chains and inserts the events and moves the head (PostgreSQL, storage/audit_chain_sql.py).

The rows are read and written as piccolo reads and writes them (storage.rows builds the domain
objects; intake_sql's column lists and value conversion write the events);
tests/integration/test_document_contract.py checks both against the piccolo repository and the
fake. Call these outside a transaction: they use a connection of their own.
"""

from __future__ import annotations

import sqlite3
from typing import Any
from uuid import UUID

from piccolo.engine import Engine, PostgresEngine
from piccolo.table import Table
from piccolo.utils.encoding import dump_json

from ats.domain import audit as audit_chain
from ats.domain.model import AuditEvent, DataKeyRow
from ats.ports import DocumentScope
from storage import audit_chain_sql
from storage import tables as t
from storage.intake_sql import (
    HEAD_INSERT,
    HEAD_SQL,
    HEAD_UPDATE,
    SQLITE_INSERT,
    _ctes,
    _on_sqlite_thread,
    _values,
    postgres_fetchrow,
    postgres_first_head,
)
from storage.rows import application_from, position_from, record_from
from storage.sqlite_pool import PooledSQLiteEngine

Row = dict[str, Any]
PARTS: list[tuple[str, type[Table]]] = [("r", t.Record), ("a", t.Application), ("p", t.Position), ("k", t.DataKey)]


def select_list(parts: list[tuple[str, type[Table]]]) -> str:
    # Prefixed aliases: the tables share column names (id, status, created_at).
    return ", ".join(
        f'{alias}."{c._meta.db_column_name}" AS {alias}__{c._meta.db_column_name}'
        for alias, table in parts
        for c in table._meta.columns
    )


def split_row(row: Row, parts: list[tuple[str, type[Table]]]) -> dict[str, Row]:
    """A row read with `select_list(parts)`, one dict of columns per table alias."""
    split: dict[str, Row] = {alias: {} for alias, _ in parts}
    for name, value in row.items():
        alias, _, column = name.partition("__")
        if column:
            split[alias][column] = value
    return split


def data_key_from(key: Row) -> DataKeyRow | None:
    """The LEFT JOINed data key's columns; None once it is destroyed (crypto-shredded)."""
    return DataKeyRow(**{**key, "wrapped_key": bytes(key["wrapped_key"])}) if key["application_id"] else None


def _scope_sql(mark: str) -> str:
    """One row: the record, its application and position, the data key (NULLs once destroyed)
    and whether user `mark(2)` is assigned to the position (one lookup on the unique
    (position_id, user_id) index; false for a NULL user)."""
    return (
        f"SELECT {select_list(PARTS)}, "  # noqa: S608 (names from storage.tables, values bound)
        f'EXISTS (SELECT 1 FROM "position_assignments" pa WHERE pa.position_id = a.position_id '
        f"AND pa.user_id = {mark.format(2)}) AS assigned "
        'FROM "records" r JOIN "applications" a ON a.id = r.application_id '
        'JOIN "positions" p ON p.id = a.position_id '
        'LEFT JOIN "data_keys" k ON k.application_id = r.application_id '
        f"WHERE r.id = {mark.format(1)}"
    )


SQLITE_SCOPE = _scope_sql("?{}")  # numbered: the user id comes first in the text
POSTGRES_SCOPE = _scope_sql("${}")


def _scope_from(row: Row | None) -> DocumentScope | None:
    if row is None:
        return None
    parts = split_row(row, PARTS)
    return DocumentScope(
        record=record_from(parts["r"]),
        application=application_from(parts["a"]),
        position=position_from(parts["p"]),
        assigned=bool(row["assigned"]),
        data_key=data_key_from(parts["k"]),
    )


def _sqlite_scope(db: sqlite3.Connection, record_id: UUID, user_id: UUID | None) -> Row | None:
    return db.execute(SQLITE_SCOPE, (record_id, user_id)).fetchone()


def _event_rows(events: list[AuditEvent]) -> list[tuple[Any, ...]]:
    return [_values(t.AuditEvent, {**vars(e), "details": dump_json(e.details)}) for e in events]


def _sqlite_append(db: sqlite3.Connection, events: list[AuditEvent]) -> None:
    # IMMEDIATE takes the write lock at BEGIN (as PiccoloUnitOfWork.transaction): the head read
    # here is still the head at COMMIT, so two appends never share a sequence number.
    db.execute("BEGIN IMMEDIATE")
    try:
        sqlite_chain_in(db, events)
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


def sqlite_chain_in(db: sqlite3.Connection, events: list[AuditEvent]) -> None:
    """Chain and insert `events` inside the caller's write transaction (BEGIN IMMEDIATE)."""
    head = db.execute(HEAD_SQL).fetchone()
    if head is None:
        db.execute(HEAD_INSERT.format(mark="?"), (audit_chain.GENESIS,))
        head = {"seq": 0, "hash": audit_chain.GENESIS}
    audit_chain.chain(events, head_seq=head["seq"], head_hash=head["hash"])
    db.executemany(SQLITE_INSERT[t.AuditEvent], _event_rows(events))
    db.execute(HEAD_UPDATE.format(a="?", b="?"), (events[-1].seq, events[-1].hash))


async def _postgres_scope(engine: PostgresEngine, record_id: UUID, user_id: UUID | None) -> Row | None:
    row = await postgres_fetchrow(engine, POSTGRES_SCOPE, record_id, user_id)
    return dict(row) if row is not None else None


async def _postgres_append(engine: PostgresEngine, events: list[AuditEvent]) -> None:
    # One statement, one round trip (storage/audit_chain_sql.py); the transaction below only
    # for a database whose head row does not exist yet.
    if engine.pool is not None:
        async with engine.pool.acquire() as db:
            if await audit_chain_sql.append(db, events, dump_json):
                return
    async with engine.transaction() as tx:
        await _postgres_chain_slowly(tx.connection, events)


async def postgres_chain_in(db: Any, events: list[AuditEvent]) -> None:
    """Chain and insert `events` inside the caller's transaction on connection `db`: the one
    statement, or on a new database (no head row yet) the head made first."""
    if not await audit_chain_sql.append(db, events, dump_json):
        await _postgres_chain_slowly(db, events)


async def _postgres_chain_slowly(db: Any, events: list[AuditEvent]) -> None:
    # The head row lock serialises chain appends across writers (as append_audit does).
    head = await db.fetchrow(f"{HEAD_SQL} FOR UPDATE")
    if head is None:
        head = await postgres_first_head(db)
    audit_chain.chain(events, head_seq=head["seq"], head_hash=head["hash"])
    args: list[Any] = []
    ctes = _ctes([(t.AuditEvent, _event_rows(events))], args)
    head_update = HEAD_UPDATE.format(a=f"${len(args) + 1}", b=f"${len(args) + 2}")
    await db.execute(f"WITH {', '.join(ctes)} {head_update}", *args, events[-1].seq, events[-1].hash)


async def document_scope(engine: Engine, record_id: UUID, user_id: UUID | None) -> DocumentScope | None:
    """The record with its application, position, assignment of `user_id` and data key; None
    when the record (or its application or position) does not exist."""
    if isinstance(engine, PooledSQLiteEngine):
        return _scope_from(await engine.read_small(_sqlite_scope, record_id, user_id))
    if isinstance(engine, PostgresEngine):
        return _scope_from(await _postgres_scope(engine, record_id, user_id))
    raise TypeError(f"no document SQL for {type(engine).__name__}")


async def append_audit(engine: Engine, events: list[AuditEvent]) -> None:
    """Chain and append `events` in a transaction of their own; committed when this returns."""
    if not events:
        return
    if isinstance(engine, PooledSQLiteEngine):
        await _on_sqlite_thread(engine, _sqlite_append, events)
    elif isinstance(engine, PostgresEngine):
        await _postgres_append(engine, events)
    else:
        raise TypeError(f"no document SQL for {type(engine).__name__}")
