"""PooledSQLiteEngine.read_small: small indexed reads on the event loop's thread (storage/sqlite_pool.py):
they see what is committed, never write, and never wait on the loop for a lock."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from storage.engine import engine_from_url


def _rows(db: sqlite3.Connection) -> list[dict]:
    return db.execute("SELECT id, v FROM t ORDER BY id").fetchall()


def _write(db: sqlite3.Connection) -> None:
    db.execute("INSERT INTO t VALUES (99, 'x')")


@pytest.fixture
def engine(tmp_path: Path):  # type: ignore[no-untyped-def]
    engine = engine_from_url(f"sqlite:///{tmp_path / 'small.db'}")
    db = sqlite3.connect(tmp_path / "small.db", isolation_level=None)
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    db.execute("INSERT INTO t VALUES (1, 'a')")
    db.close()
    yield engine, tmp_path / "small.db"


async def test_reads_what_is_committed_on_the_calling_thread(engine) -> None:  # type: ignore[no-untyped-def]
    engine, path = engine
    seen: list[int] = []

    def read(db: sqlite3.Connection) -> list[dict]:
        seen.append(threading.get_ident())
        return _rows(db)

    assert await engine.read_small(read) == [{"id": 1, "v": "a"}]
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("INSERT INTO t VALUES (2, 'b')")
    db.close()
    assert await engine.read_small(read) == [{"id": 1, "v": "a"}, {"id": 2, "v": "b"}]
    assert seen == [threading.get_ident()] * 2
    await engine.close()


async def test_never_writes(engine) -> None:  # type: ignore[no-untyped-def]
    engine, _ = engine
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        await engine.read_small(_write)
    assert await engine.read_small(_rows) == [{"id": 1, "v": "a"}]
    await engine.close()


async def test_a_locked_database_sends_the_read_to_a_pooled_thread(engine) -> None:  # type: ignore[no-untyped-def]
    engine, path = engine
    # An exclusive lock (as no WAL writer takes, but a recovery or a rollback-journal file may):
    # the inline read must not wait on the event loop; it is answered busy and goes to a thread.
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("INSERT INTO t VALUES (3, 'c')")
    threads: list[int] = []

    def read(db: sqlite3.Connection) -> list[dict]:
        threads.append(threading.get_ident())
        return _rows(db)

    released = threading.Timer(0.2, lambda: (holder.execute("COMMIT"), holder.close()))
    released.start()
    try:
        rows = await engine.read_small(read)
    finally:
        released.join()
    assert threads[0] == threading.get_ident() and threads[-1] != threading.get_ident()
    assert rows[-1] == {"id": 3, "v": "c"}
    await engine.close()
