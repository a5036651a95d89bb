"""SQLite engine that reuses its connections.

piccolo's SQLiteEngine opens a new aiosqlite connection (and thread) for every query outside a
transaction and for every transaction, and re-sends `PRAGMA foreign_keys` before each statement
inside one; on an intake that was over half of the server's CPU (bench/intake.py profile).
Here each connection is opened once, configured once, and returned to a small pool. Semantics
are unchanged: a connection serves one query or one transaction at a time.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import aiosqlite
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory

POOL_SIZE = 8


class PooledSQLiteTransaction(SQLiteTransaction):
    async def __aexit__(self, exception_type, exception, traceback) -> bool:  # type: ignore[no-untyped-def]
        # As SQLiteTransaction.__aexit__, but the connection goes back to the pool.
        if self._parent:
            return exception is None
        try:
            if exception:
                if not self._rolled_back:
                    await self.rollback()
            elif not self._committed and not self._rolled_back:
                await self.commit()
        except BaseException:
            await self.connection.close()
            self.engine.current_transaction.reset(self.context)
            raise
        await self.engine.release(self.connection)
        self.engine.current_transaction.reset(self.context)
        return exception is None


class PooledSQLiteEngine(SQLiteEngine):
    def __init__(self, path: str, **kwargs: Any) -> None:
        super().__init__(path=path, **kwargs)
        # aiosqlite resolves each call on the caller's loop, so a connection is not tied to
        # the loop that opened it; list.pop/append are atomic, so threads may share the pool.
        self._idle: list[aiosqlite.Connection] = []
        self._inline: sqlite3.Connection | None = None

    async def read_small(self, fn: Any, *args: Any) -> Any:
        """Run `fn(connection, *args)`, a read of a few rows by an index, on the calling
        (event-loop) thread, on a read-only connection of its own. In WAL mode a reader does not
        wait for writers (sqlite.org/wal.html) and such a read takes microseconds, less than the
        two thread switches of a hop to aiosqlite's thread (bench/download.py: context switches
        were a fifth of the server's CPU per download). The connection never waits for a lock
        (busy timeout 0): when SQLite answers busy (a checkpoint or a recovery in progress), the
        read goes to a pooled connection's thread, which may wait."""
        if self._inline is None:
            kwargs = {**self.connection_kwargs, "timeout": 0, "check_same_thread": False}
            connection = sqlite3.connect(**kwargs)
            connection.row_factory = dict_factory
            connection.execute("PRAGMA query_only = ON")  # never a write, whatever fn does
            self._inline = connection
        try:
            return fn(self._inline, *args)
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
        connection = await self.get_connection()
        try:
            result = await connection._execute(fn, connection._conn, *args)
        except BaseException:
            await connection.close()
            raise
        await self.release(connection)
        return result

    async def get_connection(self) -> aiosqlite.Connection:
        try:
            return self._idle.pop()
        except IndexError:
            pass
        pending = aiosqlite.connect(**self.connection_kwargs)
        # Idle pooled connections must not keep a finished process alive: their worker
        # threads are daemons (aiosqlite's are not by default). Committed data is safe on disk.
        thread = getattr(pending, "_thread", None)
        if thread is not None:
            thread.daemon = True
        connection = await pending
        connection.row_factory = dict_factory  # type: ignore[assignment]
        await connection.execute("PRAGMA foreign_keys = 1")
        # WAL with synchronous=NORMAL: a killed process loses no committed transaction; only an
        # OS crash or power loss can drop the last ones (sqlite.org/pragma.html#pragma_synchronous).
        await connection.execute("PRAGMA synchronous = NORMAL")
        # Deleted content is overwritten with zeros in the database file, whatever the build's
        # default (SQLITE_SECURE_DELETE): erased applicants must not linger in free pages
        # (sqlite.org/pragma.html#pragma_secure_delete). The WAL is the job's: see scrub_wal.
        await connection.execute("PRAGMA secure_delete = ON")
        return connection

    async def scrub_wal(self) -> tuple[int, int, int]:
        """Copy the write-ahead log into the database and truncate it to zero bytes. Old WAL
        frames still hold pages as they were before a delete (secure_delete zeroes the
        database file, not superseded frames), until a checkpoint rewrites them and a
        truncation drops the file's content. Waits for readers up to the busy timeout;
        returns SQLite's (busy, log frames, checkpointed frames): busy=1 means not done.
        (sqlite.org/pragma.html#pragma_wal_checkpoint)"""
        connection = await self.get_connection()
        try:
            async with connection.execute("PRAGMA wal_checkpoint(TRUNCATE)") as cursor:
                row = await cursor.fetchone()
        except BaseException:
            await connection.close()
            raise
        await self.release(connection)
        return tuple(row.values()) if isinstance(row, dict) else tuple(row)  # type: ignore[return-value]

    async def release(self, connection: aiosqlite.Connection) -> None:
        if len(self._idle) < POOL_SIZE:
            self._idle.append(connection)
        else:
            await connection.close()

    async def close(self) -> None:
        if self._inline is not None:
            self._inline.close()
            self._inline = None
        while self._idle:
            await self._idle.pop().close()

    def transaction(
        self, transaction_type: TransactionType = TransactionType.deferred, allow_nested: bool = True
    ) -> PooledSQLiteTransaction:
        return PooledSQLiteTransaction(engine=self, transaction_type=transaction_type, allow_nested=allow_nested)

    async def _run_in_new_connection(
        self, query: str, args: list[Any] | None = None, query_type: str = "generic", table: Any = None
    ) -> Any:
        connection = await self.get_connection()
        try:
            rows = await _fetch_all(connection, query, args)
        except BaseException:
            await connection.close()
            raise
        await self.release(connection)
        return rows

    async def _run_in_existing_connection(
        self, connection: Any, query: str, args: list[Any] | None = None, query_type: str = "generic", table: Any = None
    ) -> Any:
        return await _fetch_all(connection, query, args)


def _execute_fetch_close(db: sqlite3.Connection, query: str, args: list[Any]) -> list[Any]:
    cursor = db.execute(query, args)
    try:
        return cursor.fetchall()
    finally:
        cursor.close()


async def _fetch_all(connection: aiosqlite.Connection, query: str, args: list[Any] | None) -> list[Any]:
    """Execute, fetch and close the cursor in one call on the connection's thread: aiosqlite's
    `async with connection.execute(...)` and `fetchall()` hand off three times per statement
    (execute, fetch, close), and each hand-off is a thread wake-up and an event-loop callback
    (bench/download.py). `_execute` is how aiosqlite's own methods queue a call (aiosqlite/core.py),
    as storage/intake_sql.py uses it."""
    return await connection._execute(_execute_fetch_close, connection._conn, query, args or [])
