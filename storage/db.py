"""The SQLite database: pragmas, SQL functions, numbered migrations and the one write path.

Modelled on datasette's `Database`: one object owns the file's connections.
- Writes: ONE write connection. Every write goes through `transaction()`, which
  serialises writers in this process with a lock and runs each inside `BEGIN
  IMMEDIATE`, so a transaction never swallows another task's statements and a failure
  rolls back only its own work. A failed COMMIT (a deferred constraint, a full disk)
  rolls back too, as sqlite-utils' atomic() does, so it never leaves the connection
  inside a transaction. A transaction opened again inside one, by the same task or a
  task started inside it, is refused at once (it would wait for itself forever). Other
  processes (`digest-bot ingest` while the bot runs) wait on SQLite's lock for up to
  BUSY_TIMEOUT_MS.
- Reads: `execute()` runs on a separate read connection (`query_only`, so a write
  there fails loudly). In WAL mode each read sees the last committed state.
SQL functions are registered on each connection explicitly (`prepare_connection`,
as datasette does), never through an import side effect. The triggers that keep the
search index and the items' topics call them, so both are derived once, at insert,
in the database's own thread.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager, suppress
from importlib import resources
from pathlib import Path
from typing import Any, TypeAlias

import aiosqlite
from aiosqlite.context import Result

from bot.digest.languages import source_language, text_language
from bot.digest.topics import classify
from storage.search_index import search_grams, search_text, story_key

log = logging.getLogger(__name__)

MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")
BUSY_TIMEOUT_MS = 30_000  # how long a writer waits for another process's transaction

# The transaction open in this task's context. A task started inside a transaction
# inherits it: that is how a child task's write is told from another task's.
_OPEN_TRANSACTION: contextvars.ContextVar[object | None] = contextvars.ContextVar(
    "open_transaction", default=None
)


class DatabaseError(Exception):
    """The database file cannot be opened or used; the message names the file and why."""


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) of every bundled migration, in order."""
    found = []
    for entry in resources.files("storage.migrations").iterdir():
        match = MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [version for version, _, _ in found]
    if versions != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations must be numbered 001, 002, ... without gaps: {versions}")
    return found


def classify_topics(title: str | None, author: str | None, summary: str | None) -> str:
    """The built-in topics of an item as JSON {key: why} (bot/digest/topics.classify)."""
    return json.dumps(classify(title or "", author, summary or ""), ensure_ascii=False)


async def prepare_connection(conn: aiosqlite.Connection) -> None:
    """Pragmas and the SQL functions the schema's triggers call, on one connection."""
    await conn.create_function("search_text", 3, search_text, deterministic=True)
    await conn.create_function("search_grams", 3, search_grams, deterministic=True)
    await conn.create_function("classify_topics", 3, classify_topics, deterministic=True)
    await conn.create_function("story_key", 1, story_key, deterministic=True)
    await conn.create_function("text_language", 2, text_language, deterministic=True)
    await conn.create_function("source_language", 2, source_language, deterministic=True)
    await conn.execute("PRAGMA foreign_keys = ON")
    await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    await conn.execute("PRAGMA synchronous = NORMAL")


async def _open_connection(path: str | Path) -> aiosqlite.Connection:
    conn = aiosqlite.connect(path, isolation_level=None)  # explicit BEGIN/COMMIT
    try:
        await conn
        conn.row_factory = aiosqlite.Row
        await prepare_connection(conn)
        return conn
    except BaseException:
        # After a failed connect aiosqlite has only *asked* its worker thread to stop:
        # wait for it, or the process hangs or prints the thread's error at exit.
        with suppress(Exception):
            await conn.close()
        thread = getattr(conn, "_thread", None)
        if thread is not None and thread.is_alive():
            await asyncio.to_thread(thread.join, 5)
        raise


class Database:
    """One SQLite file: a write connection behind `transaction()`, a read connection."""

    def __init__(
        self, path: str | Path, writer: aiosqlite.Connection, reader: aiosqlite.Connection
    ):
        self.path = path
        self._writer = writer
        self._reader = reader
        self._write_lock = asyncio.Lock()
        self._open: object | None = None  # the marker of the transaction now open
        self.transactions = 0  # write transactions opened (tests count them)

    @classmethod
    async def open(cls, path: str | Path) -> Database:
        """Open (creating if needed) and migrate the database at `path`.
        Raises DatabaseError naming the file when it is not a usable database."""
        if str(path) != ":memory:":
            try:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise DatabaseError(f"{path}: cannot create its folder: {error.strerror}") from None
        writer = reader = None
        try:
            writer = await _open_connection(path)
            await writer.execute("PRAGMA journal_mode = WAL")
            await migrate(writer)
            reader = await _open_connection(path)
            await reader.execute("PRAGMA query_only = ON")
        except sqlite3.Error as error:
            for conn in (writer, reader):
                if conn is not None:
                    with suppress(Exception):
                        await conn.close()
            raise DatabaseError(f"{path}: {error}") from None
        return cls(path, writer, reader)

    async def close(self) -> None:
        await self._reader.close()
        await self._writer.close()

    # --- reads -----------------------------------------------------------------------------

    def execute(
        self, sql: str, parameters: Iterable[Any] | dict[str, Any] | None = None
    ) -> Result[aiosqlite.Cursor]:
        """A read on the read connection: `async with db.execute(...) as cursor`."""
        return self._reader.execute(sql, parameters)

    # --- the write path --------------------------------------------------------------------

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """The write connection inside BEGIN IMMEDIATE ... COMMIT, one transaction at a
        time; ROLLBACK when the body or the COMMIT fails. Not re-entrant: inside a
        transaction (in its task, or in a task started inside it) pass the connection
        down; opening another there raises RuntimeError at once."""
        if self._open is not None and _OPEN_TRANSACTION.get() is self._open:
            raise RuntimeError(
                "transaction() inside a transaction (or in a task started inside one): "
                "it would wait for itself; pass the transaction's connection down"
            )
        async with self._write_lock:
            marker = self._open = object()
            token = _OPEN_TRANSACTION.set(marker)
            self.transactions += 1
            try:
                await self._writer.execute("BEGIN IMMEDIATE")
                try:
                    yield self._writer
                    await self._writer.execute("COMMIT")
                except BaseException:
                    await self._rollback()
                    raise
            finally:
                _OPEN_TRANSACTION.reset(token)
                self._open = None

    async def _rollback(self) -> None:
        """End the failed transaction. SQLite may have rolled it back already (a full
        disk, an I/O error); a ROLLBACK that fails is logged, the first error raised."""
        if not self._writer.in_transaction:
            return
        try:
            await self._writer.execute("ROLLBACK")
        except sqlite3.Error:
            log.exception("ROLLBACK failed after a failed transaction")

    async def maintenance(self, sql: str) -> None:
        """A statement that cannot run inside a transaction (VACUUM, wal_checkpoint),
        on the write connection, between transactions."""
        async with self._write_lock, self._writer.execute(sql) as cursor:
            await cursor.fetchall()

    @property
    def total_changes(self) -> int:
        """Rows changed by the write connection since it opened."""
        return self._writer.total_changes


# Either side can run a read: the Database (its read connection) or the write
# connection inside a transaction (to read what the transaction wrote).
Reader: TypeAlias = Database | aiosqlite.Connection


async def connect(path: str | Path) -> Database:
    """Open the database at `path` (Database.open)."""
    return await Database.open(path)


async def migrate(conn: aiosqlite.Connection) -> int:
    """Apply the migrations newer than PRAGMA user_version, each in its own transaction."""
    async with conn.execute("PRAGMA user_version") as cursor:
        (current,) = await one_row(cursor)
    known = migrations()
    latest = known[-1][0] if known else 0
    if current > latest:  # its tables may mean something this code does not know
        raise sqlite3.DatabaseError(
            f"written by a newer digest-bot (schema {current}; this one knows up to"
            f" {latest}): upgrade digest-bot, or use another DATABASE_PATH"
        )
    for version, name, sql in known:
        if version <= current:
            continue
        log.info("applying migration %s", name)
        await conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _split_statements(sql):
                await conn.execute(statement)
            await conn.execute(f"PRAGMA user_version = {version}")
            await conn.execute("COMMIT")
        except BaseException:
            await conn.execute("ROLLBACK")
            raise
        current = version
    return current


async def one_row(cursor: aiosqlite.Cursor) -> aiosqlite.Row:
    """The row of a query that always returns one (an aggregate, a PRAGMA)."""
    row = await cursor.fetchone()
    if row is None:
        raise DatabaseError("expected a row, the query returned none")
    return row


def _split_statements(sql: str) -> list[str]:
    """Statements of a script; executescript() would COMMIT, so we run them one by one."""
    statements, buffer = [], ""
    for line in sql.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip() and not buffer.strip().startswith("--"):
        statements.append(buffer.strip())
    return statements
