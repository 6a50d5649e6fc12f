from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.digest.models import Digest, Item, Link
from storage.digests import (
    count_digests,
    count_items,
    get_digest,
    latest_digest,
    save_digest,
    save_digests,
)

CST = timezone(timedelta(hours=8))


def without_topics(digest: Digest) -> Digest:
    """The digest as parsed: topics are added by storage."""
    return replace(digest, items=tuple(replace(item, topics=()) for item in digest.items))


async def ingested_ts(db, digest_id: str) -> int | None:
    async with db.execute("SELECT ingested_ts FROM digests WHERE id = ?", (digest_id,)) as cursor:
        row = await cursor.fetchone()
    return None if row is None else row[0]


def make_digest(
    digest_id: str = "canonical/2025-12-20-12",
    published_at: datetime = datetime(2025, 12, 20, 12, 0, 7, tzinfo=CST),
    titles: tuple[str, ...] = ("Qwen-Image-Layered 开源", "GPT5.2 + Droid"),
) -> Digest:
    items = tuple(
        Item(
            position=n,
            title=title,
            author="merve" if n == 1 else None,
            url=f"https://x.com/a/status/{n}" if n == 1 else None,
            summary=f"阿里巴巴的Qwen团队发布了**完全开源的模型** {n}",
            links=(
                (Link("Qwen-Image-Layered - merve", f"https://x.com/a/status/{n}"),)
                if n == 1
                else (Link("a", "https://a.example/1"), Link("b", "https://b.example/2"))
            ),
        )
        for n, title in enumerate(titles, start=1)
    )
    return Digest(
        id=digest_id,
        source="canonical",
        title="2025.12.20.12 过去4小时全球AI发生了什么？",
        published_at=published_at,
        categories=("AI News", "Tech Updates"),
        items=items,
    )


async def add_subscriber(db, chat_id: int, status: str) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO subscribers (chat_id, status, created_ts, updated_ts) VALUES (?, ?, 0, 0)",
            (chat_id, status),
        )


async def planned(db) -> list[tuple[str, int]]:
    async with db.execute(
        "SELECT digest_id, chat_id FROM deliveries WHERE part = 0 AND status = 'planned' "
        "ORDER BY digest_id, chat_id"
    ) as cursor:
        return [tuple(row) for row in await cursor.fetchall()]


async def item_ids(db, digest_id: str) -> list[int]:
    async with db.execute(
        "SELECT id FROM items WHERE digest_id = ? ORDER BY position", (digest_id,)
    ) as cursor:
        return [row[0] for row in await cursor.fetchall()]


async def test_round_trip_keeps_every_field(db):
    digest = make_digest()
    assert await save_digest(db, digest) == "new"
    stored = await get_digest(db, digest.id)
    assert without_topics(stored) == digest  # topics are decided when stored:
    assert stored.items[0].topics == ("models", "opensource")  # classified once, at insert
    assert stored.published_at.utcoffset() == timedelta(hours=8)
    assert stored.content_hash == digest.content_hash
    assert await get_digest(db, "nope") is None
    assert await ingested_ts(db, digest.id) is not None


async def test_same_digest_twice_is_unchanged(db):
    await add_subscriber(db, 1, "active")
    assert await save_digest(db, make_digest()) == "new"
    ids = await item_ids(db, "canonical/2025-12-20-12")
    assert await save_digest(db, make_digest()) == "unchanged"
    assert await count_digests(db) == 1
    assert await count_items(db) == 2
    assert await item_ids(db, "canonical/2025-12-20-12") == ids
    assert await planned(db) == [("canonical/2025-12-20-12", 1)]


async def test_edited_post_is_updated_in_place_and_not_replanned(db):
    await add_subscriber(db, 1, "active")
    first = make_digest()
    await save_digest(db, first)
    ingested = await ingested_ts(db, first.id)
    await add_subscriber(db, 2, "active")  # arrives after the first ingest
    edited = make_digest(titles=("Qwen-Image-Layered 开源（更正）", "GPT5.2", "Reachy Mini"))
    assert await save_digest(db, edited) == "updated"
    assert await count_digests(db) == 1
    assert without_topics(await get_digest(db, first.id)) == edited
    assert await count_items(db) == 3
    assert await ingested_ts(db, first.id) == ingested
    assert await planned(db) == [(first.id, 1)]


async def test_new_digest_plans_deliveries_for_active_subscribers_only(db):
    await add_subscriber(db, 1, "active")
    await add_subscriber(db, 2, "paused")
    await add_subscriber(db, 3, "blocked")
    await add_subscriber(db, -100123, "active")
    await save_digest(db, make_digest())
    assert await planned(db) == [
        ("canonical/2025-12-20-12", -100123),
        ("canonical/2025-12-20-12", 1),
    ]


async def test_digest_without_items(db):
    empty = Digest(
        id="hn/empty", source="hn", title="AI 快讯", published_at=datetime(2025, 12, 5, tzinfo=UTC)
    )
    assert await save_digest(db, empty) == "new"
    assert await get_digest(db, empty.id) == empty
    assert await count_items(db) == 0


async def test_item_ids_follow_digest_time_not_ingest_order(db):
    day = datetime(2025, 12, 20, 12, tzinfo=UTC)
    order = [("b", day), ("a", day - timedelta(hours=4)), ("c", day + timedelta(hours=4))]
    for digest_id, published_at in order:
        await save_digest(db, make_digest(digest_id, published_at))
    a, b, c = [await item_ids(db, digest_id) for digest_id in "abc"]
    assert max(a) < min(b) and max(b) < min(c)
    assert (await latest_digest(db)).id == "c"


async def test_digests_of_the_same_second_share_the_block_in_order(db):
    moment = datetime(2025, 12, 20, 12, tzinfo=UTC)
    await save_digest(db, make_digest("first", moment))
    await save_digest(db, make_digest("second", moment))
    first, second = await item_ids(db, "first"), await item_ids(db, "second")
    assert first[0] == int(moment.timestamp()) * 2**20
    assert max(first) < min(second) < (int(moment.timestamp()) + 1) * 2**20


async def test_latest_digest_of_an_empty_database(db):
    assert await latest_digest(db) is None
    assert await count_digests(db) == 0


async def test_a_batch_is_one_transaction(db):
    good = make_digest("good")
    bad = make_digest("bad", titles=("same position", "twice"))
    bad = Digest(**{**bad.__dict__, "items": (bad.items[0], bad.items[0])})
    with pytest.raises(sqlite3.IntegrityError):
        await save_digests(db, [good, bad])
    assert await count_digests(db) == 0 and await count_items(db) == 0
    assert await save_digests(db, [good, good]) == ["new", "unchanged"]


def test_a_digest_dated_in_the_future_is_dated_now():
    from bot.sources.ingest import with_sane_date

    now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    soon = make_digest(published_at=datetime(2026, 11, 30, 20, 0, tzinfo=CST))
    assert with_sane_date(soon, now) is soon  # within a day: clocks and zones differ
    far = make_digest(published_at=datetime(2099, 1, 1, tzinfo=CST))
    fixed = with_sane_date(far, now)
    assert fixed.published_at == now and fixed.published_at.utcoffset() == timedelta(hours=8)
    assert fixed.id == far.id and fixed.items == far.items
