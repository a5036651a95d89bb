"""A candidate's export download as hand-written SQL: the link, its record and the data key in
one read, and the link's use with its audit event in one transaction on one connection.

Why: the download read the link, the record and the key through piccolo one statement at a
time and then used the link and appended the event in a piccolo transaction (about eight trips
to the database, each through piccolo's query building); bench/download.py measured it at about
half the throughput of a bare `get_object` of the same ZIP, against DESIGN §7's 0.8. The
document download's SQL (storage/document_sql.py) does the same for the panel and the API.
tests/integration/test_exports_contract.py checks both against the fake on both databases.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any
from uuid import UUID

from piccolo.engine import Engine, PostgresEngine
from piccolo.table import Table

from ats.domain.exports import ExportLink
from ats.domain.model import AuditEvent
from ats.ports_exports import ExportScope
from storage import tables as t
from storage.document_sql import data_key_from, postgres_chain_in, select_list, split_row, sqlite_chain_in
from storage.intake_sql import _on_sqlite_thread, postgres_fetchrow
from storage.rows import record_from
from storage.sqlite_pool import PooledSQLiteEngine

PARTS: list[tuple[str, type[Table]]] = [("l", t.ExportLink), ("r", t.Record), ("k", t.DataKey)]


def _scope_sql(mark: str) -> str:
    return (
        f"SELECT {select_list(PARTS)} "  # noqa: S608 (names from storage.tables, values bound)
        'FROM "export_links" l JOIN "records" r ON r.id = l.record_id '
        'LEFT JOIN "data_keys" k ON k.application_id = l.application_id '
        f"WHERE l.id = {mark}"
    )


SQLITE_SCOPE = _scope_sql("?")
POSTGRES_SCOPE = _scope_sql("$1")
USE = 'UPDATE "export_links" SET "used_at" = {at} WHERE "id" = {id} AND "used_at" IS NULL'


def _scope_from(row: dict[str, Any] | None) -> ExportScope | None:
    if row is None:
        return None
    parts = split_row(row, PARTS)
    return ExportScope(ExportLink(**parts["l"]), record_from(parts["r"]), data_key_from(parts["k"]))


def _sqlite_scope(db: sqlite3.Connection, link_id: UUID) -> dict[str, Any] | None:
    return db.execute(SQLITE_SCOPE, (link_id,)).fetchone()


def _sqlite_use(db: sqlite3.Connection, link_id: UUID, at: datetime, events: list[AuditEvent]) -> bool:
    # IMMEDIATE: the write lock from BEGIN, so of two downloads only one finds used_at NULL.
    db.execute("BEGIN IMMEDIATE")
    try:
        used = db.execute(USE.format(at="?", id="?"), (at, link_id)).rowcount == 1
        if used:
            sqlite_chain_in(db, events)
        db.execute("COMMIT")  # nothing written when the link was used already
    except BaseException:
        db.execute("ROLLBACK")
        raise
    return used


async def _postgres_use(engine: PostgresEngine, link_id: UUID, at: datetime, events: list[AuditEvent]) -> bool:
    async with engine.transaction() as tx:
        db = tx.connection
        # The conditional UPDATE locks the link's row: a concurrent use waits for this commit,
        # then finds used_at set and changes nothing (READ COMMITTED re-checks the row).
        if await db.fetchval(USE.format(at="$1", id="$2") + " RETURNING 1", at, link_id) is None:
            return False
        await postgres_chain_in(db, events)
    return True


async def export_scope(engine: Engine, link_id: UUID) -> ExportScope | None:
    """The link, its record and the application's data key (None once destroyed); None when
    the link or its record is gone."""
    if isinstance(engine, PooledSQLiteEngine):
        return _scope_from(await engine.read_small(_sqlite_scope, link_id))
    if isinstance(engine, PostgresEngine):
        row = await postgres_fetchrow(engine, POSTGRES_SCOPE, link_id)
        return _scope_from(dict(row) if row is not None else None)
    raise TypeError(f"no export SQL for {type(engine).__name__}")


async def use_link(engine: Engine, link_id: UUID, at: datetime, events: list[AuditEvent]) -> bool:
    """Mark the link used and append `events` in one transaction; False, and nothing written,
    when the link was already used (or is gone)."""
    if isinstance(engine, PooledSQLiteEngine):
        return await _on_sqlite_thread(engine, _sqlite_use, link_id, at, events)
    if isinstance(engine, PostgresEngine):
        return await _postgres_use(engine, link_id, at, events)
    raise TypeError(f"no export SQL for {type(engine).__name__}")
