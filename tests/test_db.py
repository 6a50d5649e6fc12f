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


async def test_a_populated_database_of_the_first_schema_upgrades_through_every_migration(
    tmp_path,
):
    """A database made by the first release, with data in every table, opened by this one."""
    import aiosqlite

    from storage import subscribers
    from storage.db import _split_statements, prepare_connection
    from storage.search import search

    path = tmp_path / "old.db"
    conn = await aiosqlite.connect(path, isolation_level=None)
    await prepare_connection(conn)
    first_version, _, first_sql = migrations()[0]
    for statement in _split_statements(first_sql):
        await conn.execute(statement)
    await conn.execute(f"PRAGMA user_version = {first_version}")
    await conn.executescript(
        """
        INSERT INTO digests VALUES ('d1', 'test', 'A digest', '2025-12-20T12:00:00+08:00',
            1766203200, '["AI"]', 'hash', 1766203300, 1766203300);
        INSERT INTO items (id, digest_id, position, title, author, url, summary, links) VALUES
            (1851389491200000, 'd1', 1, 'Qwen 开源模型', 'merve', 'https://x.com/a/1',
             '阿里巴巴的**开源模型**发布。', '[]');
        INSERT INTO subscribers (chat_id, status, format, tz, created_ts, updated_ts)
            VALUES (42, 'active', 'brief', 'Asia/Shanghai', 1, 1);
        INSERT INTO follows VALUES (42, 'chips');
        INSERT INTO deliveries (digest_id, chat_id, part, status, created_ts)
            VALUES ('d1', 42, 0, 'planned', 1);
        INSERT INTO saved_queries (query) VALUES ('模型');
        """
    )
    await conn.close()

    db = await connect(path)
    try:
        async with db.execute("PRAGMA user_version") as cursor:
            assert (await cursor.fetchone())[0] == len(migrations())
        subscriber = await subscribers.get_subscriber(db, 42)
        assert (subscriber.format, subscriber.tz, subscriber.topics) == (
            "brief",
            "Asia/Shanghai",
            frozenset({"chips"}),
        )
        assert subscriber.lang is None and subscriber.language == "en"
        page = await search(db, "模型")
        assert [hit.item.title for hit in page.hits] == ["Qwen 开源模型"]
        async with db.execute("SELECT count(*) FROM deliveries WHERE status = 'planned'") as c:
            assert (await c.fetchone())[0] == 1
        async with db.execute("SELECT name FROM sqlite_master WHERE type = 'table'") as c:
            tables = {row[0] for row in await c.fetchall()}
        assert "saved_searches" in tables and "saved_queries" not in tables
    finally:
        await db.close()
