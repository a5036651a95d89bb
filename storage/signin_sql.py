"""The sign-in lookups of every staff request as hand-written SQL, one query each.

Why: each panel or API request first finds who is asking (the session's user, or the API
token and its user). Through piccolo that was one or two queries whose building and result
conversion cost more of the server's CPU than the document read itself (bench/download.py
profile, DESIGN §7). Here the user is one query, and the token with its user one joined query,
on a connection of their own: call them outside a transaction. Rows are read as piccolo reads
them; tests/integration/test_document_contract.py checks both against the piccolo repository
and the fake.
"""

from __future__ import annotations

import sqlite3
from typing import Any
from uuid import UUID

from piccolo.engine import Engine, PostgresEngine

from ats.domain.model import User
from ats.domain.tokens import ApiToken
from storage import tables as t
from storage.intake_sql import postgres_fetchrow
from storage.rows import user_from
from storage.sqlite_pool import PooledSQLiteEngine

Row = dict[str, Any]


def _columns(alias: str, table: Any) -> str:
    return ", ".join(
        f'{alias}."{c._meta.db_column_name}" AS {alias}__{c._meta.db_column_name}' for c in table._meta.columns
    )


def _user_sql(mark: str) -> str:
    return f'SELECT {_columns("u", t.User)} FROM "users" u WHERE u.id = {mark}'  # noqa: S608 (names from tables)


def _token_sql(mark: str) -> str:
    return (
        f'SELECT {_columns("u", t.User)}, {_columns("k", t.ApiToken)} '  # noqa: S608 (names from tables)
        'FROM "api_tokens" k JOIN "users" u ON u.id = k.user_id '
        f"WHERE k.token_hash = {mark}"
    )


SQLITE_USER, POSTGRES_USER = _user_sql("?"), _user_sql("$1")
SQLITE_TOKEN, POSTGRES_TOKEN = _token_sql("?"), _token_sql("$1")


def _split(row: Row) -> dict[str, Row]:
    parts: dict[str, Row] = {"u": {}, "k": {}}
    for name, value in row.items():
        alias, _, column = name.partition("__")
        parts[alias][column] = value
    return parts


def _sqlite_one(db: sqlite3.Connection, sql: str, value: Any) -> Row | None:
    return db.execute(sql, (value,)).fetchone()


async def _one(engine: Engine, sqlite_sql: str, postgres_sql: str, value: Any) -> Row | None:
    if isinstance(engine, PooledSQLiteEngine):
        return await engine.read_small(_sqlite_one, sqlite_sql, value)
    if isinstance(engine, PostgresEngine):
        row = await postgres_fetchrow(engine, postgres_sql, value)
        return dict(row) if row is not None else None
    raise TypeError(f"no sign-in SQL for {type(engine).__name__}")


async def user(engine: Engine, user_id: UUID) -> User | None:
    row = await _one(engine, SQLITE_USER, POSTGRES_USER, user_id)
    return user_from(_split(row)["u"]) if row else None


async def token_and_user(engine: Engine, token_hash: str) -> tuple[ApiToken, User] | None:
    from storage.accounts_repository import token_from

    row = await _one(engine, SQLITE_TOKEN, POSTGRES_TOKEN, token_hash)
    if row is None:
        return None
    parts = _split(row)
    return token_from(parts["k"]), user_from(parts["u"])
