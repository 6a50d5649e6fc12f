from storage.db import connect, migrations


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
    await db.execute("INSERT INTO subscribers (chat_id, created_ts, updated_ts) VALUES (1, 0, 0)")
    await db.close()
    db = await connect(path)
    async with db.execute("SELECT count(*) FROM subscribers") as cursor:
        assert (await cursor.fetchone())[0] == 1
    await db.close()
