"""Stored topics follow the classifier: the reclassifying migration re-derives item_topics
(run as storage.db.migrate runs a migration, on a database already past it)."""

from __future__ import annotations

from bot.digest.parse import parse_file
from bot.digest.topics import classify
from storage.db import _split_statements, migrations
from storage.digests import save_digest


def reclassify_sql() -> str:
    """The newest reclassifying migration (later migrations need not apply twice)."""
    return max(
        (v, sql) for v, name, sql in migrations() if name.endswith("_reclassify_topics.sql")
    )[1]


async def stored_topics(db) -> set[tuple[int, str, str]]:
    async with db.execute("SELECT item_id, topic, why FROM item_topics") as cursor:
        return {tuple(row) for row in await cursor.fetchall()}


async def test_topics_stored_by_an_older_classifier_are_rederived(db, shared_data):
    digest = parse_file(shared_data / "digests/smol-ai-ainews/issues/26-08-21-not-much.md")
    await save_digest(db, digest)
    async with db.execute("SELECT id, title, author, summary FROM items") as cursor:
        items = await cursor.fetchall()
    expected = {
        (item_id, topic, why)
        for item_id, title, author, summary in items
        for topic, why in classify(title, author, summary or "").items()
    }
    assert await stored_topics(db) == expected  # the trigger, at insert
    # What an older classifier left: other explanations, a topic since dropped, one missing.
    async with db.transaction() as conn:
        await conn.execute("UPDATE item_topics SET why = 'old'")
        await conn.execute(
            "INSERT OR IGNORE INTO item_topics (item_id, topic, why) VALUES (?, 'robotics', 'old')",
            (items[0][0],),
        )
        await conn.execute("DELETE FROM item_topics WHERE item_id = ?", (items[1][0],))
    assert await stored_topics(db) != expected

    async with db.transaction() as conn:  # as storage.db.migrate runs it
        for statement in _split_statements(reclassify_sql()):
            await conn.execute(statement)
    assert await stored_topics(db) == expected
