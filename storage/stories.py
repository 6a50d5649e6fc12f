"""Repeated stories at ingest, and what a chat's profile already had of them.

`link_repeats` runs inside the transaction that stores a digest's items: it matches
them (bot/digest/stories.find_repeats, ~20-60 ms for a 377-item post against a week
of posts, and ~80 us of CPU per item of the week for what survives translation:
bench/repeats.py; in a thread so the event loop keeps going) against the items of the digests
published in the LOOKBACK_DAYS before it, and sets items.repeat_of.

`earlier_tellings` gives, for each item of a digest, the earlier items of its story
within the look-back: the delivery planner asks whether a chat's profile would have
shown one of them (then the chat already has the story in full: bot/digest/stories).
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict

import aiosqlite

from bot.digest.models import Item
from bot.digest.stories import (
    LOOKBACK_DAYS,
    TWIN_HOWS,
    Told,
    find_repeats,
    specific_keys,
    told,
)
from storage.db import Reader
from storage.items import item_from_row

LOOKBACK = LOOKBACK_DAYS * 86400


async def link_repeats(conn: aiosqlite.Connection, digest_id: str) -> int:
    """Set repeat_of on the items of `digest_id` (just stored) that repeat a story of an
    earlier digest (repeat_twin: found in another language); how many do."""
    async with conn.execute(
        "SELECT published_ts FROM digests WHERE id = ?", (digest_id,)
    ) as cursor:
        row = await cursor.fetchone()
    if row is None:
        return 0
    ts = row[0]
    async with conn.execute(
        "SELECT position, story, title, summary FROM items WHERE digest_id = ? ORDER BY position",
        (digest_id,),
    ) as cursor:
        rows = await cursor.fetchall()
    items = [(r[0], r[1], r[2]) for r in rows]
    summaries = {r[0]: r[3] or "" for r in rows}
    if not items:
        return 0
    async with conn.execute(
        "SELECT i.id, coalesce(i.repeat_of, i.id), i.story, i.title, i.digest_id, i.summary"
        " FROM digests d JOIN items i ON i.digest_id = d.id"
        " WHERE d.published_ts BETWEEN ? AND ? AND d.id != ?"
        + _ONLY_DIGESTS
        + " ORDER BY d.published_ts, i.id",
        (ts - LOOKBACK, ts, digest_id),
    ) as cursor:
        rows = await cursor.fetchall()
    if not rows:
        return 0
    matches = await asyncio.to_thread(_match, items, summaries, [tuple(r) for r in rows])
    if matches:
        await conn.execute(
            "UPDATE items SET repeat_of = v.value ->> 1, repeat_twin = v.value ->> 2"
            " FROM json_each(?) AS v"
            " WHERE items.digest_id = ? AND items.position = v.value ->> 0",
            (json.dumps(matches), digest_id),
        )
    return len(matches)


# Roundups (storage/roundups.py) are rows of digests without items: never candidates.
_ONLY_DIGESTS = " AND d.kind = 'digest'"


def _match(items: list[tuple], summaries: dict[int, str], rows: list[tuple]) -> list[list[int]]:
    by_digest: dict[str, list[tuple]] = defaultdict(list)
    for row in rows:
        by_digest[row[4]].append(row)
    specific = {d: specific_keys((r[2], r[3]) for r in rs) for d, rs in by_digest.items()}
    earlier: list[Told] = [
        told(r[0], r[1], r[2], r[3], specific[r[4]], summary=r[5] or "", digest=r[4]) for r in rows
    ]
    found = find_repeats(items, earlier, summaries=summaries)
    return [[m.position, m.story, int(m.how in TWIN_HOWS)] for m in found]


async def earlier_tellings(
    db: Reader, digest_id: str
) -> tuple[dict[int, list[Item]], dict[int, list[str]]]:
    """{position: earlier items of its story} for the items of `digest_id` that repeat
    one, the earlier items (with their topics) from digests published before it within
    the look-back, oldest first; and {position: the source of each of them}."""
    sql = """
        WITH mine AS (
            SELECT i.position, i.repeat_of AS root, d.published_ts AS ts
            FROM items i JOIN digests d ON d.id = i.digest_id
            WHERE i.digest_id = :d AND i.repeat_of IS NOT NULL
        ),
        tellings AS (
            SELECT mine.position, e.id FROM mine JOIN items e ON e.id = mine.root
            UNION
            SELECT mine.position, e.id FROM mine JOIN items e ON e.repeat_of = mine.root
        )
        SELECT t.position AS at, g.source, e.position, e.title, e.author, e.url, e.summary,
            e.links,
            (SELECT group_concat(x.topic) FROM item_topics x WHERE x.item_id = e.id) AS topics
        FROM tellings t JOIN items e ON e.id = t.id JOIN digests g ON g.id = e.digest_id
        JOIN mine ON mine.position = t.position
        WHERE e.digest_id != :d AND g.published_ts BETWEEN mine.ts - :look AND mine.ts
        ORDER BY t.position, g.published_ts, e.id
    """
    found: dict[int, list[Item]] = defaultdict(list)
    sources: dict[int, list[str]] = defaultdict(list)
    async with db.execute(sql, {"d": digest_id, "look": LOOKBACK}) as cursor:
        for row in await cursor.fetchall():
            found[row["at"]].append(item_from_row(row))
            sources[row["at"]].append(row["source"])
    return dict(found), dict(sources)
