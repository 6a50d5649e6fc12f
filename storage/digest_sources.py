"""Sources (the digests' publishers) and the sources each chat takes.

A digest's `source` is its source's name; `digest_sources` lists them with their
language (measured from their recent items, bot/digest/languages.py) and whether
DIGEST_SOURCES still names them (migration 017). A chat's own choices are follows
"source:on:<name>" and "source:off:<name>"; a source it chose nothing about is taken
by the rule TAKES: when the source is in the chat's language or mixed, or when no
published source is in the chat's language. The rule is one SQL expression, used by
the push planning (a filter over all chats at once), roundups and the per-chat reads.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.digest.topics import SOURCE_OFF, SOURCE_ON
from storage.db import Database, Reader, one_row
from storage.subscribers import ensure_row

RECENT_DIGESTS = 30  # a source's language is measured on the items of its latest digests
ANNOUNCE_AFTER = 3600  # seconds: a source stored this long after the first is "added later"

# `s` is a subscribers row (or a row of the same columns), `ds` a digest_sources row.
CHAT_LANG = "coalesce(s.lang, s.user_lang, 'en')"
TAKES = f"""coalesce(
    (SELECT max(f.topic = '{SOURCE_ON}' || ds.name) FROM follows f
     WHERE f.chat_id = s.chat_id AND f.thread_id = s.thread_id
       AND f.topic IN ('{SOURCE_ON}' || ds.name, '{SOURCE_OFF}' || ds.name)),
    ds.lang = 'mixed' OR ds.lang = {CHAT_LANG}
    OR {CHAT_LANG} NOT IN (SELECT lang FROM digest_sources WHERE configured))"""
# A chat as `s` for TAKES, whether stored or not: its key and the language it reads.
_CHAT = "(SELECT ? AS chat_id, ? AS thread_id, ? AS lang, NULL AS user_lang) AS s"


@dataclass(frozen=True)
class SourceInfo:
    name: str
    lang: str  # zh | en | mixed
    configured: bool  # False: no longer in DIGEST_SOURCES, kept for the chats' choices
    digests: int
    first_ts: int | None  # first and last digest's publication time
    last_ts: int | None
    last_title: str | None
    last_at: datetime | None = None  # the last digest's time, with its own offset

    @property
    def per_week(self) -> float | None:
        """Digests a week over its span of publishing; None with fewer than two."""
        if self.digests < 2 or not self.first_ts or not self.last_ts:
            return None
        span = max(self.last_ts - self.first_ts, 3600)
        return (self.digests - 1) * 7 * 86_400 / span


async def record_digest(conn: aiosqlite.Connection, name: str, digest_id: str, now: int) -> None:
    """A digest of `name` was stored: list the source (a source added well after the
    first one announces itself in its first digest) and measure its language again."""
    async with conn.execute(
        "SELECT EXISTS (SELECT 1 FROM digest_sources WHERE name = ?),"
        " (SELECT min(added_ts) FROM digest_sources)",
        (name,),
    ) as cursor:
        known, first_added = await one_row(cursor)
    if not known:
        later = first_added is not None and now - first_added >= ANNOUNCE_AFTER
        await conn.execute(
            "INSERT INTO digest_sources (name, added_ts, announce, first_digest)"
            " VALUES (?, ?, ?, ?)",
            (name, now, int(later), digest_id if later else None),
        )
    await conn.execute(
        "UPDATE digest_sources SET configured = 1, lang = ("
        " SELECT source_language(sum(l = 'zh'), sum(l = 'en')) FROM ("
        "  SELECT text_language(i.title, i.summary) AS l FROM items i WHERE i.digest_id IN ("
        "   SELECT id FROM digests WHERE source = :name AND kind = 'digest'"
        "   ORDER BY published_ts DESC LIMIT :recent)))"
        " WHERE name = :name",
        {"name": name, "recent": RECENT_DIGESTS},
    )


async def plan_pushes(conn: aiosqlite.Connection, digest_id: str, name: str, now: int) -> None:
    """A planned delivery row for each active instant subscriber taking the source."""
    await conn.execute(
        "INSERT INTO deliveries (digest_id, chat_id, thread_id, part, status, created_ts)"
        " SELECT ?, s.chat_id, s.thread_id, 0, 'planned', ?"
        " FROM subscribers s JOIN digest_sources ds ON ds.name = ?"
        " WHERE s.status = 'active' AND s.schedule = 'instant'"  # the others: roundups
        f" AND {TAKES}",
        (digest_id, now, name),
    )


async def claim(db: Database, names: Iterable[str], target: str) -> None:
    """The sources `names` came from `target`, a DIGEST_SOURCES entry."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE digest_sources SET target = ?, configured = 1"
            " WHERE name IN (SELECT value FROM json_each(?))",
            (target, json.dumps(sorted(set(names)), ensure_ascii=False)),
        )


async def mark_configured(db: Database, targets: Iterable[str], names: Iterable[str]) -> None:
    """At start-up: sources neither from one of `targets` nor named in `names` are no
    longer published (they stay in the list, for the chats that took them)."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE digest_sources SET configured = coalesce("
            " target IN (SELECT value FROM json_each(?))"
            " OR name IN (SELECT value FROM json_each(?)), 0)",
            (json.dumps(list(targets)), json.dumps(list(names), ensure_ascii=False)),
        )


async def list_sources(db: Reader) -> list[SourceInfo]:
    """Every source, those still published first, then by name."""
    sql = """
        SELECT ds.name, ds.lang, ds.configured, count(d.id), min(d.published_ts),
               max(d.published_ts),
               (SELECT json_array(title, published_at) FROM digests l
                WHERE l.source = ds.name AND l.kind = 'digest'
                ORDER BY l.published_ts DESC LIMIT 1)
        FROM digest_sources ds
        LEFT JOIN digests d ON d.source = ds.name AND d.kind = 'digest'
        GROUP BY ds.name ORDER BY ds.configured DESC, ds.name
    """
    async with db.execute(sql) as cursor:
        rows = await cursor.fetchall()
    found = []
    for name, lang, configured, count, first, last, newest in rows:
        title, at = json.loads(newest) if newest else (None, None)
        last_at = datetime.fromisoformat(at) if at else None
        found.append(SourceInfo(name, lang, bool(configured), count, first, last, title, last_at))
    return found


async def taken_sources(db: Reader, chat_id: int, thread_id: int, lang: str) -> frozenset[str]:
    """The names of the sources the chat (or forum topic) takes, reading `lang`."""
    sql = f"SELECT ds.name FROM digest_sources ds, {_CHAT} WHERE {TAKES}"
    async with db.execute(sql, (chat_id, thread_id, lang)) as cursor:
        return frozenset(row[0] for row in await cursor.fetchall())


async def taking_sources(
    db: Reader, keys: list[tuple[int, int]], names: Iterable[str]
) -> dict[tuple[int, int], frozenset[str]]:
    """Of the sources `names`, those each chat (chat_id, thread_id) takes: one query for a
    batch of the push planner (whether a chat had a story an earlier digest told)."""
    sql = (
        "SELECT s.chat_id, s.thread_id, ds.name FROM json_each(:keys) AS k"
        " JOIN subscribers s ON s.chat_id = k.value->>0 AND s.thread_id = k.value->>1"
        " JOIN digest_sources ds ON ds.name IN (SELECT value FROM json_each(:names))"
        f" WHERE {TAKES}"
    )
    found: dict[tuple[int, int], set[str]] = {}
    params = {"keys": json.dumps(keys), "names": json.dumps(sorted(names))}
    async with db.execute(sql, params) as cursor:
        for chat_id, thread_id, name in await cursor.fetchall():
            found.setdefault((chat_id, thread_id), set()).add(name)
    return {key: frozenset(names) for key, names in found.items()}


async def stored_chat_sources(db: Reader, chat_id: int, thread_id: int) -> frozenset[str]:
    """The sources a stored chat takes, in the language it reads; none for a chat the
    bot has not stored."""
    sql = (
        "SELECT ds.name FROM digest_sources ds JOIN subscribers s"
        f" ON s.chat_id = ? AND s.thread_id = ? WHERE {TAKES}"
    )
    async with db.execute(sql, (chat_id, thread_id)) as cursor:
        return frozenset(row[0] for row in await cursor.fetchall())


async def choose(db: Database, chat_id: int, thread_id: int, name: str, taken: bool) -> None:
    """The chat's own choice for one source (kept whatever the languages do later)."""
    async with db.transaction() as conn:
        await ensure_row(conn, chat_id, thread_id)
        await conn.execute(
            "DELETE FROM follows WHERE chat_id = ? AND thread_id = ? AND topic IN (?, ?)",
            (chat_id, thread_id, SOURCE_ON + name, SOURCE_OFF + name),
        )
        await conn.execute(
            "INSERT INTO follows (chat_id, thread_id, topic) VALUES (?, ?, ?)",
            (chat_id, thread_id, (SOURCE_ON if taken else SOURCE_OFF) + name),
        )


async def announced(db: Reader, digest_id: str) -> str | None:
    """The source a digest is the first of, when that source was added later."""
    async with db.execute(
        "SELECT name FROM digest_sources WHERE first_digest = ? AND announce", (digest_id,)
    ) as cursor:
        row = await cursor.fetchone()
    return None if row is None else row[0]


async def rename(db: Database, old: str, new: str) -> bool:
    """A source known as `old` is now called `new` (DIGEST_SOURCES names it, or a feed
    once named by its host is named by its title): its digests and the chats' choices
    move to the new name. Nothing when `old` is unknown or `new` is taken."""
    if old == new:
        return False
    async with db.transaction() as conn:
        async with conn.execute(
            "SELECT EXISTS (SELECT 1 FROM digest_sources WHERE name = ?),"
            " EXISTS (SELECT 1 FROM digest_sources WHERE name = ?)",
            (old, new),
        ) as cursor:
            known, taken = await one_row(cursor)
        if not known or taken:
            return False
        await conn.execute("UPDATE digest_sources SET name = ? WHERE name = ?", (new, old))
        await conn.execute(
            "UPDATE digests SET source = ? WHERE source = ? AND kind = 'digest'", (new, old)
        )
        for prefix in (SOURCE_ON, SOURCE_OFF):
            await conn.execute(
                "UPDATE follows SET topic = ? WHERE topic = ?", (prefix + new, prefix + old)
            )
    return True
