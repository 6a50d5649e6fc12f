import asyncio
import sqlite3

import pytest

from storage.db import DatabaseError, connect, migrations


async def test_migrations_apply_on_empty_database(tmp_path):
    db = await connect(tmp_path / "fresh.db")
    async with db.execute("PRAGMA user_version") as cursor:
        (version,) = await cursor.fetchone()
    assert version == len(migrations())
    async with db.execute("SELECT name FROM sqlite_master WHERE type = 'table'") as cursor:
        tables = {row[0] for row in await cursor.fetchall()}
    assert {"digests", "items", "subscribers", "follows", "deliveries", "renders"} <= tables
    async with db.execute("PRAGMA journal_mode") as cursor:
        assert (await cursor.fetchone())[0] == "wal"
    async with db.execute("PRAGMA foreign_keys") as cursor:
        assert (await cursor.fetchone())[0] == 1
    await db.close()


async def test_reopening_does_not_reapply_migrations(tmp_path):
    path = tmp_path / "again.db"
    db = await connect(path)
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO subscribers (chat_id, created_ts, updated_ts) VALUES (1, 0, 0)"
        )
    await db.close()
    db = await connect(path)
    async with db.execute("SELECT count(*) FROM subscribers") as cursor:
        assert (await cursor.fetchone())[0] == 1
    await db.close()


async def test_a_failed_transaction_never_takes_another_writers_work_with_it(db):
    """The bug of the three shared connections: a failure inside migrate_chat's
    transaction rolled back a save_query another handler had already finished."""
    from storage import queries

    inside = asyncio.Event()
    release = asyncio.Event()

    async def failing_writer() -> None:
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO subscribers (chat_id, created_ts, updated_ts) VALUES (7, 0, 0)"
            )
            inside.set()
            await release.wait()
            raise RuntimeError("something failed half-way")

    failing = asyncio.create_task(failing_writer())
    await inside.wait()
    saving = asyncio.create_task(queries.save_query(db, 42, "模型"))
    await asyncio.sleep(0)  # let save_query reach the write path while the other is open
    release.set()
    with pytest.raises(RuntimeError):
        await failing
    token = await saving
    assert await queries.get_query(db, 42, token) == "模型"
    async with db.execute("SELECT count(*) FROM subscribers WHERE chat_id = 7") as cursor:
        assert (await cursor.fetchone())[0] == 0  # the failed transaction left nothing


async def test_reads_cannot_write_and_transactions_do_not_nest(db):
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        async with db.execute("DELETE FROM subscribers"):
            pass
    async with db.transaction():
        with pytest.raises(RuntimeError, match="inside a transaction"):
            async with db.transaction():
                pass


async def test_a_file_that_is_not_a_database_is_named_in_one_line(tmp_path):
    path = tmp_path / "bot.db"
    path.write_text("hello")
    with pytest.raises(DatabaseError, match=r"bot\.db: file is not a database"):
        await connect(path)
