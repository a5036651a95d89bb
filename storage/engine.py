"""Build the piccolo engine from ATS_DATABASE_URL and bind every table to it."""

from __future__ import annotations

import os
import sqlite3
from typing import Any
from urllib.parse import urlparse

from piccolo.apps.migrations.tables import Migration
from piccolo.engine import Engine, PostgresEngine

import storage.piccolo_conf as piccolo_conf
from storage.sqlite_pool import PooledSQLiteEngine
from storage.tables import TABLES

# SQLite waits this long for another writer's lock before giving up.
SQLITE_BUSY_SECONDS = 30


def engine_from_url(url: str) -> Engine:
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        # sqlite:///relative.db or sqlite:////absolute/path.db, as SQLAlchemy spells it.
        path = url[len("sqlite:///") :]
        if not path:
            raise ValueError("a sqlite URL needs a path, like sqlite:///ats.db")
        _prepare_sqlite(path)
        return PooledSQLiteEngine(path=path, timeout=SQLITE_BUSY_SECONDS)
    if parsed.scheme in {"postgresql", "postgres"}:
        return PostgresEngine(config={"dsn": url}, log_queries=False)
    raise ValueError("must start with sqlite:/// or postgresql://")


def _prepare_sqlite(path: str) -> None:
    # WAL lets readers proceed while one writer commits; it is a property of the file.
    with sqlite3.connect(path, timeout=SQLITE_BUSY_SECONDS) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
    os.chmod(path, 0o600)


def bind(engine: Engine) -> None:
    """Point piccolo (tables, migrations, engine_finder) at `engine`."""
    os.environ.setdefault("PICCOLO_CONF", "storage.piccolo_conf")
    piccolo_conf.DB = engine
    for table in [*TABLES, Migration]:
        table._meta.db = engine


async def start(engine: Engine) -> None:
    if isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(min_size=1, max_size=10, reset=_keep_session)


async def _keep_session(connection: Any) -> None:
    """The pool's reset on release. asyncpg has already rolled back any open transaction and
    dropped listeners before calling this (Pool `reset=`, asyncpg >= 0.30). Its default would
    also send `pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL`: a round trip on
    every release, for session state this application never creates (it issues no SET,
    LISTEN, advisory lock or held cursor). Whoever adds one must restore the default here."""


async def stop(engine: Engine) -> None:
    if isinstance(engine, PostgresEngine):
        await engine.close_connection_pool()
    elif isinstance(engine, PooledSQLiteEngine):
        await engine.close()
