"""Digests and their items: idempotent ingest, edits in place, reads.

items.id is chosen from the digest's publication time: published_ts * 2**20 + k.
So rowid order is digest-time order (newest = highest id) even when posts are
ingested out of order, and search can walk FTS5 in rowid order instead of sorting.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.digest.models import Digest
from bot.timezones import effective_zone, fixed_offset_name
from storage.db import Database, Reader, one_row
from storage.digest_sources import plan_pushes, record_digest, stored_chat_sources
from storage.items import item_from_row
from storage.stories import link_repeats

ID_BLOCK = 2**20  # item ids per second of digest time


async def save_digest(db: Database, digest: Digest, *, now: int | None = None) -> str:
    """Store `digest` in one transaction; "new", "updated" (content changed: row and
    items replaced in place, nothing re-planned) or "unchanged" (a re-ingest).
    A new digest gets a planned delivery row per active subscriber, atomically."""
    (outcome,) = await save_digests(db, [digest], now=now)
    return outcome


async def save_digests(
    db: Database, digests: Iterable[Digest], *, now: int | None = None
) -> list[str]:
    """save_digest for many digests in ONE transaction (all or none): for bulk
    ingest. FTS5 writes an index segment per commit, so a commit per post costs
    several ms of index work; a batch shares it (see bench/ingest.py). `now`: the
    clock (tests)."""
    now = int(time.time()) if now is None else now
    async with db.transaction() as conn:
        return [await _save(conn, digest, now) for digest in digests]


async def _save(db: aiosqlite.Connection, digest: Digest, now: int) -> str:
    content_hash = digest.content_hash  # a JSON dump and a SHA-256: computed once
    async with db.execute("SELECT content_hash FROM digests WHERE id = ?", (digest.id,)) as cursor:
        row = await cursor.fetchone()
    if row is not None and row[0] == content_hash:
        return "unchanged"
    if row is None:
        await _write_digest(db, digest, content_hash, now)
        await _insert_items(db, digest)
        await _mark_shared_links(db, digest.id)
        await link_repeats(db, digest.id)
        await record_digest(db, digest.source, digest.id, now)
        await plan_pushes(db, digest.id, digest.source, now)  # the chats taking its source
        return "new"
    await _write_digest(db, digest, content_hash, now)
    await db.execute("DELETE FROM items WHERE digest_id = ?", (digest.id,))
    await _insert_items(db, digest)
    await _mark_shared_links(db, digest.id)
    await link_repeats(db, digest.id)
    await record_digest(db, digest.source, digest.id, now)
    return "updated"


def published_ts(digest: Digest) -> int:
    return math.floor(digest.published_at.timestamp())


async def _write_digest(
    db: aiosqlite.Connection, digest: Digest, content_hash: str, now: int
) -> None:
    """Insert the digest row, or update it in place keeping when it was first stored."""
    await db.execute(
        "INSERT INTO digests (id, source, title, published_at, published_ts, categories, "
        "content_hash, ingested_ts, updated_ts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (id) DO UPDATE SET source = excluded.source, title = excluded.title, "
        "published_at = excluded.published_at, published_ts = excluded.published_ts, "
        "categories = excluded.categories, content_hash = excluded.content_hash, "
        "updated_ts = excluded.updated_ts",
        (
            digest.id,
            digest.source,
            digest.title,
            digest.published_at.isoformat(),
            published_ts(digest),
            json.dumps(list(digest.categories), ensure_ascii=False),
            content_hash,
            now,
            now,
        ),
    )


async def _first_item_id(db: aiosqlite.Connection, ts: int, count: int) -> int:
    """The first of `count` free consecutive ids in the block of second `ts`: after the
    ids other digests of that same second already hold, so their order stays a
    time order; the next blocks only if a second somehow holds over 2**20 items."""
    block = ts
    while True:
        base = block * ID_BLOCK
        async with db.execute(
            "SELECT max(id) FROM items WHERE id >= ? AND id < ?", (base, base + ID_BLOCK)
        ) as cursor:
            (highest,) = await one_row(cursor)
        first = base if highest is None else highest + 1
        if first + count <= base + ID_BLOCK:
            return first
        block += 1


async def _mark_shared_links(db: aiosqlite.Connection, digest_id: str) -> None:
    """Items whose link their digest gives to other items too (migration 015 says why)."""
    await db.execute(
        "UPDATE items SET link_shared = 1 WHERE digest_id = :d AND story IN ("
        " SELECT story FROM items WHERE digest_id = :d AND story IS NOT NULL"
        " GROUP BY story HAVING count(*) > 1)",
        {"d": digest_id},
    )


async def _insert_items(db: aiosqlite.Connection, digest: Digest) -> None:
    """All items in ONE statement: FTS5 (SQLite 3.40) flushes its pending index data
    at every statement's savepoint, so a statement per item writes an index
    segment per item; one statement is ~1.5x faster to store (bench/ingest.py)."""
    if not digest.items:
        return
    first = await _first_item_id(db, published_ts(digest), len(digest.items))
    rows = [
        [
            first + k,
            item.position,
            item.title,
            item.author,
            item.url,
            item.summary,
            json.dumps(
                [{"text": link.text, "url": link.url} for link in item.links], ensure_ascii=False
            ),
        ]
        for k, item in enumerate(digest.items)
    ]
    await db.execute(
        "INSERT INTO items (id, digest_id, position, title, author, url, summary, links) "
        "SELECT value ->> 0, ?, value ->> 1, value ->> 2, value ->> 3, value ->> 4, "
        "value ->> 5, value ->> 6 FROM json_each(?)",
        (digest.id, json.dumps(rows, ensure_ascii=False)),
    )


async def get_digest(db: Reader, digest_id: str) -> Digest | None:
    async with db.execute(
        "SELECT id, source, title, published_at, categories FROM digests WHERE id = ?",
        (digest_id,),
    ) as cursor:
        row = await cursor.fetchone()
    if row is None:
        return None
    async with db.execute(
        "SELECT i.position, i.title, i.author, i.url, i.summary, i.links,"
        " (SELECT group_concat(t.topic) FROM item_topics t WHERE t.item_id = i.id) AS topics"
        " FROM items i WHERE i.digest_id = ? ORDER BY i.position",
        (digest_id,),
    ) as cursor:
        item_rows = await cursor.fetchall()
    return Digest(
        id=row["id"],
        source=row["source"],
        title=row["title"],
        published_at=datetime.fromisoformat(row["published_at"]),
        categories=tuple(json.loads(row["categories"])),
        items=tuple(item_from_row(item_row) for item_row in item_rows),
    )


async def latest_digest(
    db: Reader, *, with_items: bool = False, sources: Collection[str] | None = None
) -> Digest | None:
    """The digest published last (not the one ingested last); with_items: the last
    one that has items (an empty post ingests fine); `sources`: of these sources only."""
    having = " AND EXISTS (SELECT 1 FROM items i WHERE i.digest_id = d.id)" if with_items else ""
    if sources is not None:
        having += " AND d.source IN (SELECT value FROM json_each(?))"
    async with db.execute(
        f"SELECT id FROM digests d WHERE d.kind = 'digest'{having}"
        " ORDER BY published_ts DESC, ingested_ts DESC, id DESC LIMIT 1",
        () if sources is None else (_sources_json(sources),),
    ) as cursor:
        row = await cursor.fetchone()
    return None if row is None else await get_digest(db, row[0])


async def count_digests(db: Reader) -> int:
    async with db.execute("SELECT count(*) FROM digests WHERE kind = 'digest'") as cursor:
        return (await one_row(cursor))[0]


async def count_items(db: Reader) -> int:
    async with db.execute("SELECT count(*) FROM items") as cursor:
        return (await one_row(cursor))[0]


async def digest_ids_at(db: Reader, ts: int) -> list[str]:
    """Ids of the digests (and roundups) published at second `ts` (a button names one
    by its time and a hash of its id: bot/delivery/more.py)."""
    async with db.execute("SELECT id FROM digests WHERE published_ts = ?", (ts,)) as cursor:
        return [row[0] for row in await cursor.fetchall()]


async def digest_kind(db: Reader, digest_id: str) -> tuple[str, int] | None:
    """(kind, published_ts) of a digest or roundup; None when there is none."""
    async with db.execute(
        "SELECT kind, published_ts FROM digests WHERE id = ?", (digest_id,)
    ) as cursor:
        row = await cursor.fetchone()
    return None if row is None else (row[0], row[1])


@dataclass(frozen=True)
class DigestLine:
    """A digest as /digests lists it."""

    id: str
    source: str
    title: str
    published_at: datetime
    published_ts: int
    items: int


_IN_SOURCES = "d.kind = 'digest' AND d.source IN (SELECT value FROM json_each(:sources))"
_NEWEST_FIRST = "ORDER BY d.published_ts DESC, d.ingested_ts DESC, d.id DESC"


def _sources_json(sources: Collection[str]) -> str:
    return json.dumps(sorted(sources), ensure_ascii=False)


async def digest_lines(
    db: Reader, sources: Collection[str], *, offset: int = 0, limit: int = 10
) -> list[DigestLine]:
    """The digests of `sources`, newest first, from `offset` (0 = the newest)."""
    sql = (
        "SELECT d.id, d.source, d.title, d.published_at, d.published_ts,"
        " (SELECT count(*) FROM items i WHERE i.digest_id = d.id)"
        f" FROM digests d WHERE {_IN_SOURCES} {_NEWEST_FIRST} LIMIT :limit OFFSET :offset"
    )
    params = {"sources": _sources_json(sources), "limit": limit, "offset": offset}
    async with db.execute(sql, params) as cursor:
        return [
            DigestLine(row[0], row[1], row[2], datetime.fromisoformat(row[3]), row[4], row[5])
            for row in await cursor.fetchall()
        ]


async def count_digests_of(db: Reader, sources: Collection[str]) -> int:
    sql = f"SELECT count(*) FROM digests d WHERE {_IN_SOURCES}"
    async with db.execute(sql, {"sources": _sources_json(sources)}) as cursor:
        return int((await one_row(cursor))[0])


PUBLISHED_ZONE_SAMPLE = 200  # the newest digests that say which zone they come from


async def chat_zone(db: Reader, chat_id: int, thread_id: int, chosen: str, default_tz: str) -> str:
    """The zone a chat's own times run in (roundups, quiet hours, the times replies
    name): its /tz, else DEFAULT_TZ, else the zone its sources' digests are published
    in (of all digests when its sources have none), else UTC."""
    if chosen or default_tz:
        return effective_zone(chosen, default_tz)
    sources = await stored_chat_sources(db, chat_id, thread_id)
    published = await published_zone(db, sources) if sources else ""
    return effective_zone("", "", published or await published_zone(db))


async def published_zone(db: Reader, sources: Collection[str] | None = None) -> str:
    """The zone digests (of `sources`, or all) are published in: the most frequent UTC
    offset of the newest of them, as a fixed-offset zone ("UTC+08:00"); "" when there
    is no digest."""
    where = "" if sources is None else "WHERE source IN (SELECT value FROM json_each(?))"
    params: tuple[object, ...] = () if sources is None else (_sources_json(sources),)
    async with db.execute(
        "SELECT substr(published_at, -6) AS offset FROM"
        f" (SELECT published_at FROM digests {where} ORDER BY published_ts DESC LIMIT ?)"
        " WHERE offset GLOB '[+-][0-9][0-9]:[0-9][0-9]'"
        " GROUP BY offset ORDER BY count(*) DESC, offset LIMIT 1",
        (*params, PUBLISHED_ZONE_SAMPLE),
    ) as cursor:
        row = await cursor.fetchone()
    if row is None:
        return ""
    offset = row[0]
    minutes = int(offset[1:3]) * 60 + int(offset[4:6])
    return fixed_offset_name(-minutes if offset[0] == "-" else minutes)


async def digest_title(db: Reader, digest_id: str) -> str | None:
    """A stored digest's (or roundup's) title; None when it is not stored."""
    async with db.execute("SELECT title FROM digests WHERE id = ?", (digest_id,)) as cursor:
        row = await cursor.fetchone()
    return None if row is None else str(row[0])
