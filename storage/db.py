"""Connecting to SQLite: pragmas, SQL functions and numbered migrations."""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import aiosqlite

log = logging.getLogger(__name__)

MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")

# SQL functions the schema's triggers call; registered on every connection.
# storage/search.py adds its own via register_sql_function().
_SQL_FUNCTIONS: dict[str, tuple[int, Callable]] = {}


def register_sql_function(name: str, n_args: int, func: Callable) -> None:
    _SQL_FUNCTIONS[name] = (n_args, func)


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


async def connect(path: str | Path) -> aiosqlite.Connection:
    """Open (creating if needed) and migrate the database at `path`."""
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    db = await aiosqlite.connect(path, isolation_level=None)  # explicit BEGIN/COMMIT
    db.row_factory = aiosqlite.Row
    # Imported here so the search module registers its SQL functions first.
    import storage.search  # noqa: F401

    for name, (n_args, func) in _SQL_FUNCTIONS.items():
        await db.create_function(name, n_args, func, deterministic=True)
    await db.execute("PRAGMA journal_mode = WAL")
    await db.execute("PRAGMA synchronous = NORMAL")
    await db.execute("PRAGMA foreign_keys = ON")
    await db.execute("PRAGMA busy_timeout = 5000")
    await migrate(db)
    return db


async def migrate(db: aiosqlite.Connection) -> int:
    """Apply the migrations newer than PRAGMA user_version, each in its own transaction."""
    async with db.execute("PRAGMA user_version") as cursor:
        (current,) = await cursor.fetchone()
    for version, name, sql in migrations():
        if version <= current:
            continue
        log.info("applying migration %s", name)
        await db.execute("BEGIN IMMEDIATE")
        try:
            for statement in _split_statements(sql):
                await db.execute(statement)
            await db.execute(f"PRAGMA user_version = {version}")
            await db.execute("COMMIT")
        except BaseException:
            await db.execute("ROLLBACK")
            raise
        current = version
    return current


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
