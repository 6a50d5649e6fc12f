"""Roundups in the ledger: a scheduled chat's due roundup becomes a planned delivery row.

A roundup is a row of `digests` (kind 'roundup', no items, published_ts = when it fell
due) with its details in `roundups`: the schedule and the digests it gathers. So the
delivery engine plans, renders (once per profile), sends, retries and recovers it
exactly as a digest; nothing in the ledger is special about it.

`make_due` does one chat's roundup in ONE transaction: it re-reads the chat (still
active, still due: another process may have done it), gathers the digests stored since
its roundup_seq that the chat has no ledger row for (those it got as pushes before
switching, or after switching back), stores the roundup (its id names the schedule, the
due time and the digests, so chats with the same ones share its renders, and storing it
twice stores it once), plans the chat's delivery row, and moves the chat's roundup_seq
and next_roundup_ts on. A crash before the commit leaves the chat due (it is done at the
next start); after it, the planned row is in the ledger. So each due roundup is planned
once and sent once.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import aiosqlite

from bot.digest.models import Item
from bot.preferences import Schedule
from storage.db import Database, Reader, one_row
from storage.digest_sources import TAKES
from storage.items import item_from_row
from storage.stories import LOOKBACK

BATCH = 200


@dataclass(frozen=True)
class Due:
    """A subscriber whose roundup may be due (or whose next due time is unknown)."""

    chat_id: int
    thread_id: int
    schedule: Schedule
    tz: str
    next_ts: int | None


@dataclass(frozen=True)
class RoundupRow:
    id: str
    schedule: str
    due_ts: int
    digest_ids: tuple[str, ...]


_DUE_COLUMNS = "chat_id, thread_id, schedule, schedule_minute, schedule_day, tz, next_roundup_ts"


def _due(row: aiosqlite.Row) -> Due:
    schedule = Schedule(row["schedule"], row["schedule_minute"], row["schedule_day"])
    return Due(row["chat_id"], row["thread_id"], schedule, row["tz"], row["next_roundup_ts"])


async def unscheduled(db: Reader, limit: int = BATCH) -> list[Due]:
    """Active scheduled subscribers whose next roundup time is not worked out yet."""
    sql = (
        f"SELECT {_DUE_COLUMNS} FROM subscribers INDEXED BY subscribers_scheduled"
        " WHERE schedule != 'instant' AND next_roundup_ts IS NULL AND status = 'active'"
        " AND schedule_minute IS NOT NULL"
        " LIMIT ?"
    )
    async with db.execute(sql, (limit,)) as cursor:
        return [_due(row) for row in await cursor.fetchall()]


async def set_next(db: Database, times: list[tuple[int, int, int]]) -> None:
    """Store next roundup times: (chat_id, thread_id, ts), only where still unknown."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE subscribers SET next_roundup_ts = v.value ->> 2 FROM json_each(?) AS v"
            " WHERE subscribers.chat_id = v.value ->> 0 AND subscribers.thread_id = v.value ->> 1"
            " AND subscribers.next_roundup_ts IS NULL",
            (json.dumps(times),),
        )


async def due(db: Reader, now: float, limit: int = BATCH) -> list[Due]:
    """Active subscribers whose roundup is due at `now`."""
    sql = (
        f"SELECT {_DUE_COLUMNS} FROM subscribers INDEXED BY subscribers_by_roundup"
        " WHERE next_roundup_ts IS NOT NULL AND next_roundup_ts <= ? AND status = 'active'"
        " ORDER BY next_roundup_ts LIMIT ?"
    )
    async with db.execute(sql, (int(now), limit)) as cursor:
        return [_due(row) for row in await cursor.fetchall()]


async def next_due(db: Reader) -> int | None:
    """The earliest next_roundup_ts of an active subscriber (None: none is known)."""
    async with db.execute(
        "SELECT min(next_roundup_ts) FROM subscribers INDEXED BY subscribers_by_roundup"
        " WHERE next_roundup_ts IS NOT NULL AND status = 'active'"
    ) as cursor:
        return (await one_row(cursor))[0]


async def make_due(
    db: Database,
    chat_id: int,
    thread_id: int,
    now: float,
    times: Callable[[Due], tuple[int, int | None]],
) -> str | None:
    """Plan the chat's due roundup (see the module docstring). `times(due)` gives (the
    due time it stands for, the next due time or None) for the chat as re-read inside
    the transaction. Returns the roundup's id, or None when nothing was gathered (or
    the chat is no longer due)."""
    return (await make_due_many(db, [(chat_id, thread_id)], now, times))[0]


async def make_due_many(
    db: Database,
    chats: list[tuple[int, int]],
    now: float,
    times: Callable[[Due], tuple[int, int | None]],
) -> list[str | None]:
    """make_due for several chats (chat_id, thread_id) in ONE transaction: each chat is
    re-read and planned as make_due does; the rows written for all of them go in one
    statement each. A roundup for 1,000,000 chats at once is that many plans: a commit
    and a dozen round trips to the database's thread each cost more than the plan."""
    async with db.transaction() as conn:
        rows = await conn.execute_fetchall("SELECT coalesce(max(seq), 0) FROM digests")
        top = next(iter(rows))[0]
        stored: dict[tuple[str, int, tuple[str, ...]], str] = {}  # roundups stored so far
        planned: list[tuple[str, int, int, int]] = []
        moved: list[tuple[int | None, int | None, int, int]] = []
        ids: list[str | None] = []
        for chat_id, thread_id in chats:
            found = list(
                await conn.execute_fetchall(
                    f"SELECT {_DUE_COLUMNS}, roundup_seq FROM subscribers"
                    " WHERE chat_id = ? AND thread_id = ? AND status = 'active'"
                    " AND next_roundup_ts IS NOT NULL AND next_roundup_ts <= ?",
                    (chat_id, thread_id, int(now)),
                )
            )
            if not found:
                ids.append(None)
                continue
            chat = _due(found[0])
            due_ts, next_ts = times(chat)
            gathered = await _gather(conn, chat_id, thread_id, found[0]["roundup_seq"] or 0, top)
            roundup_id = None
            if gathered:
                kind = chat.schedule.kind if chat.schedule.scheduled else "now"
                key = (kind, due_ts, tuple(gathered))
                if key not in stored:
                    stored[key] = await _store(conn, kind, due_ts, gathered, now)
                roundup_id = stored[key]
                planned.append((roundup_id, chat_id, thread_id, int(now)))
            moved.append((top if chat.schedule.scheduled else None, next_ts, chat_id, thread_id))
            ids.append(roundup_id)
        if planned:
            await conn.executemany(
                "INSERT OR IGNORE INTO deliveries"
                " (digest_id, chat_id, thread_id, part, status, created_ts)"
                " VALUES (?, ?, ?, 0, 'planned', ?)",
                planned,
            )
        if moved:
            await conn.executemany(
                "UPDATE subscribers SET roundup_seq = ?, next_roundup_ts = ?"
                " WHERE chat_id = ? AND thread_id = ?",
                moved,
            )
        return ids


async def _gather(
    conn: aiosqlite.Connection, chat_id: int, thread_id: int, after: int, upto: int
) -> list[str]:
    """Digests of the chat's sources stored after seq `after` (up to `upto`) with items,
    that the chat has no ledger row for, oldest published first."""
    sql = f"""
        SELECT d.id FROM digests d
        WHERE d.seq > :after AND d.seq <= :upto AND d.kind = 'digest'
          AND EXISTS (SELECT 1 FROM items i WHERE i.digest_id = d.id)
          AND NOT EXISTS (SELECT 1 FROM deliveries e WHERE e.digest_id = d.id
                          AND e.chat_id = :chat AND e.thread_id = :thread)
          AND d.source IN (SELECT ds.name FROM digest_sources ds JOIN subscribers s
                           ON s.chat_id = :chat AND s.thread_id = :thread WHERE {TAKES})
        ORDER BY d.published_ts, d.seq
    """
    params = {"after": after, "upto": upto, "chat": chat_id, "thread": thread_id}
    return [row[0] for row in await conn.execute_fetchall(sql, params)]


async def _store(
    conn: aiosqlite.Connection, kind: str, due_ts: int, digest_ids: list[str], now: float
) -> str:
    """The roundup row (stored once: its id is its content)."""
    names = hashlib.sha256(json.dumps(digest_ids).encode()).hexdigest()[:16]
    roundup_id = f"roundup:{kind}:{due_ts}:{names}"
    published = datetime.fromtimestamp(due_ts, UTC).isoformat()
    cursor = await conn.execute(
        "INSERT OR IGNORE INTO digests (id, source, title, published_at, published_ts,"
        " categories, content_hash, ingested_ts, updated_ts, kind)"
        " VALUES (?, 'roundup', ?, ?, ?, '[]', '', ?, ?, 'roundup')",
        (roundup_id, kind, published, due_ts, int(now), int(now)),
    )
    if cursor.rowcount:
        await conn.execute(
            "INSERT INTO roundups (id, schedule, due_ts, digest_ids) VALUES (?, ?, ?, ?)",
            (roundup_id, kind, due_ts, json.dumps(digest_ids)),
        )
    return roundup_id


async def get_roundup(db: Reader, roundup_id: str) -> RoundupRow | None:
    async with db.execute(
        "SELECT id, schedule, due_ts, digest_ids FROM roundups WHERE id = ?", (roundup_id,)
    ) as cursor:
        row = await cursor.fetchone()
    if row is None:
        return None
    return RoundupRow(row[0], row[1], row[2], tuple(json.loads(row[3])))


async def roundup_items(
    db: Reader, roundup: RoundupRow
) -> tuple[list[tuple[int, Item]], dict[int, list[Item]]]:
    """What a roundup gathers: (story id, item) of each item of its digests, oldest
    digest first, in post order; and, by story id, the earlier tellings of those stories
    from digests before them (within the look-back), for what the chat already had."""
    ids = json.dumps(list(roundup.digest_ids))
    sql = """
        SELECT coalesce(i.repeat_of, i.id) AS story, i.position, i.title, i.author, i.url,
            i.summary, i.links,
            (SELECT group_concat(x.topic) FROM item_topics x WHERE x.item_id = i.id) AS topics
        FROM json_each(:ids) AS g JOIN digests d ON d.id = g.value
        JOIN items i ON i.digest_id = d.id
        ORDER BY d.published_ts, d.seq, i.position
    """
    async with db.execute(sql, {"ids": ids}) as cursor:
        items = [(row["story"], item_from_row(row)) for row in await cursor.fetchall()]
    sql = """
        WITH mine AS (SELECT value AS id FROM json_each(:ids)),
        span AS (SELECT min(d.published_ts) AS first FROM digests d JOIN mine ON mine.id = d.id),
        stories AS (
            SELECT DISTINCT coalesce(i.repeat_of, i.id) AS story
            FROM items i JOIN mine ON mine.id = i.digest_id
        )
        SELECT s.story AS story, e.position, e.title, e.author, e.url, e.summary, e.links,
            (SELECT group_concat(x.topic) FROM item_topics x WHERE x.item_id = e.id) AS topics
        FROM stories s JOIN items e ON e.id = s.story OR e.repeat_of = s.story
        JOIN digests g ON g.id = e.digest_id, span
        WHERE e.digest_id NOT IN (SELECT id FROM mine)
          AND g.published_ts <= span.first AND g.published_ts >= span.first - :look
        ORDER BY g.published_ts, e.id
    """
    tellings: dict[int, list[Item]] = {}
    async with db.execute(sql, {"ids": ids, "look": LOOKBACK}) as cursor:
        for row in await cursor.fetchall():
            tellings.setdefault(row["story"], []).append(item_from_row(row))
    return items, tellings
