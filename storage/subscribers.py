"""Subscribers, their preferences, and the topics they follow.

A subscriber is a chat, or one topic of a forum supergroup: (chat_id, thread_id), where
thread_id is the topic's message_thread_id and 0 the chat itself (private chats, groups,
channels, a forum's General topic). Functions take `thread_id=0` for the chat itself.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import aiosqlite

from bot.digest.topics import MUTE_PREFIX, NOT_TOPICS
from bot.preferences import DEFAULT_MESSAGES, INSTANT, Profile, Schedule
from storage.db import Database, Reader, one_row


class ChatStatus(StrEnum):
    ACTIVE = "active"  # gets digests
    PAUSED = "paused"  # /stop, or settings chosen before /start
    BLOCKED = "blocked"  # blocked the bot, or removed it from the chat


Key = tuple[int, int]  # (chat_id, thread_id)


@dataclass(frozen=True)
class Subscriber:
    chat_id: int
    kind: str = "private"  # private | group | supergroup | channel
    title: str | None = None
    status: ChatStatus = ChatStatus.ACTIVE
    format: str = "full"
    alerts_mode: str = "all"
    previews: bool = False
    tz: str = ""  # "" = not chosen (DEFAULT_TZ, else each digest's own offset)
    quiet_from: int | None = None  # hour in tz; quiet when from <= hour < to (wrapping midnight)
    quiet_to: int | None = None
    lang: str | None = None  # chosen interface language, "en" | "zh"
    user_lang: str | None = None  # the private chat user's Telegram language, as last seen
    topics: frozenset[str] = frozenset()
    mutes: frozenset[str] = frozenset()  # muted words: items containing one are not sent
    thread_id: int = 0  # a forum topic's message_thread_id; 0 = the chat itself
    schedule: Schedule = INSTANT  # instant pushes, or a daily or weekly roundup
    repeats: str = "fold"  # stories the chat already has: fold | hide | show
    max_messages: int = DEFAULT_MESSAGES  # messages sent at once, the rest behind a button

    @property
    def key(self) -> Key:
        return (self.chat_id, self.thread_id)

    @property
    def language(self) -> str:
        """The interface language: the chat's choice, else its user's, else English."""
        return self.lang or self.user_lang or "en"

    def profile(self, default_tz: str = "") -> Profile:
        return Profile(
            format=self.format,
            previews=self.previews,
            tz=self.tz or default_tz,
            alerts_mode=self.alerts_mode,
            topics=self.topics,
            mutes=self.mutes,
            lang=self.language,
            repeats=self.repeats,
            max_messages=self.max_messages,
        )


_COLUMNS = (
    "chat_id, thread_id, kind, title, status, format, alerts_mode, previews, tz, quiet_from,"
    " quiet_to, lang, user_lang, schedule, schedule_minute, schedule_day, repeats, max_messages"
)


def _from_row(row: aiosqlite.Row, follows: frozenset[str]) -> Subscriber:
    # follows holds topics and keywords, and also muted words and source choices.
    topics = frozenset(f for f in follows if not f.startswith(NOT_TOPICS))
    mutes = frozenset(f.removeprefix(MUTE_PREFIX) for f in follows if f.startswith(MUTE_PREFIX))
    return Subscriber(
        chat_id=row["chat_id"],
        kind=row["kind"],
        title=row["title"],
        status=ChatStatus(row["status"]),
        format=row["format"],
        alerts_mode=row["alerts_mode"],
        previews=bool(row["previews"]),
        tz=row["tz"],
        quiet_from=row["quiet_from"],
        quiet_to=row["quiet_to"],
        lang=row["lang"],
        user_lang=row["user_lang"],
        topics=topics,
        mutes=mutes,
        thread_id=row["thread_id"],
        schedule=Schedule(row["schedule"], row["schedule_minute"], row["schedule_day"]),
        repeats=row["repeats"],
        max_messages=row["max_messages"],
    )


async def get_subscriber(db: Reader, chat_id: int, thread_id: int = 0) -> Subscriber | None:
    async with db.execute(
        f"SELECT {_COLUMNS} FROM subscribers WHERE chat_id = ? AND thread_id = ?",
        (chat_id, thread_id),
    ) as cursor:
        row = await cursor.fetchone()
    if row is None:
        return None
    return _from_row(row, await get_follows(db, chat_id, thread_id))


async def get_subscribers(db: Reader, chat_ids: list[int]) -> dict[int, Subscriber]:
    """Several chats at once (their own subscription, not their forum topics')."""
    found = await get_subscribers_by_key(db, [(chat_id, 0) for chat_id in chat_ids])
    return {chat_id: subscriber for (chat_id, _), subscriber in found.items()}


async def get_subscribers_by_key(db: Reader, keys: list[Key]) -> dict[Key, Subscriber]:
    """Several subscribers at once by (chat_id, thread_id) (the delivery engine plans in
    batches)."""
    found: dict[Key, Subscriber] = {}
    for start in range(0, len(keys), 500):
        batch = json.dumps(keys[start : start + 500])
        # One primary-key look-up per key.
        wanted = (
            "json_each(?) AS k JOIN {table} AS t"
            " ON t.chat_id = k.value->>0 AND t.thread_id = k.value->>1"
        )
        follows: dict[Key, set[str]] = {}
        sql = "SELECT t.chat_id, t.thread_id, t.topic FROM " + wanted.format(table="follows")
        async with db.execute(sql, (batch,)) as cursor:
            async for chat_id, thread_id, topic in cursor:
                follows.setdefault((chat_id, thread_id), set()).add(topic)
        columns = ", ".join(f"t.{name.strip()}" for name in _COLUMNS.split(","))
        sql = f"SELECT {columns} FROM " + wanted.format(table="subscribers")
        async with db.execute(sql, (batch,)) as cursor:
            async for row in cursor:
                key = (row["chat_id"], row["thread_id"])
                found[key] = _from_row(row, frozenset(follows.get(key, ())))
    return found


async def subscribe(
    db: Database,
    chat_id: int,
    *,
    kind: str = "private",
    title: str | None = None,
    lang: str | None = None,
    thread_id: int = 0,
) -> tuple[Subscriber, ChatStatus | None]:
    """Make the chat (or forum topic) an active subscriber, keeping earlier preferences;
    `lang` is the language a new group or channel starts with (its subscriber's).
    Returns (subscriber, its status before: None for a chat never subscribed, even if it
    chose settings before this first /start)."""
    now = int(time.time())
    async with db.transaction() as conn:
        existing = await get_subscriber(conn, chat_id, thread_id)
        if existing is None:
            await conn.execute(
                "INSERT INTO subscribers (chat_id, thread_id, kind, title, tz, lang, created_ts,"
                " updated_ts, started_ts) VALUES (?, ?, ?, ?, '', ?, ?, ?, ?)",
                (chat_id, thread_id, kind, title, lang, now, now, now),
            )
            before = None
        else:
            async with conn.execute(
                "SELECT started_ts FROM subscribers WHERE chat_id = ? AND thread_id = ?",
                (chat_id, thread_id),
            ) as cursor:
                started = (await one_row(cursor))[0]
            await conn.execute(
                "UPDATE subscribers SET status = 'active', kind = ?, title = coalesce(?, title),"
                " updated_ts = ?, started_ts = coalesce(started_ts, ?)"
                " WHERE chat_id = ? AND thread_id = ?",
                (kind, title, now, now, chat_id, thread_id),
            )
            before = None if started is None else existing.status
        subscriber = await get_subscriber(conn, chat_id, thread_id)
    assert subscriber is not None
    return subscriber, before


async def set_status(
    db: Database, chat_id: int, status: ChatStatus, *, thread_id: int | None = 0
) -> None:
    """The status of the chat's own subscription, of one forum topic's, or (thread_id
    None) of all of the chat's (the bot left the chat)."""
    async with db.transaction() as conn:
        await set_status_in(conn, chat_id, status, thread_id=thread_id)


async def set_status_in(
    conn: aiosqlite.Connection, chat_id: int, status: ChatStatus, *, thread_id: int | None = 0
) -> None:
    """set_status inside the caller's transaction."""
    await conn.execute(
        "UPDATE subscribers SET status = ?, updated_ts = ?"
        " WHERE chat_id = ? AND (? IS NULL OR thread_id = ?)",
        (ChatStatus(status).value, int(time.time()), chat_id, thread_id, thread_id),
    )


_SETTABLE = {
    "format",
    "alerts_mode",
    "previews",
    "tz",
    "quiet_from",
    "quiet_to",
    "title",
    "kind",
    "lang",
    "user_lang",
    "schedule",
    "schedule_minute",
    "schedule_day",
    "repeats",
    "max_messages",
}


async def update_preferences(
    db: Database, chat_id: int, *, thread_id: int = 0, **values: Any
) -> Subscriber:
    """Change preferences; creates the row (paused) for a chat that never subscribed,
    so settings chosen before /start are kept."""
    unknown = set(values) - _SETTABLE
    if unknown:
        raise ValueError(f"not a preference: {sorted(unknown)}")
    async with db.transaction() as conn:
        await ensure_row(conn, chat_id, thread_id)
        if values:
            assignments = ", ".join(f"{name} = ?" for name in values)
            await conn.execute(
                f"UPDATE subscribers SET {assignments}, updated_ts = ?"
                " WHERE chat_id = ? AND thread_id = ?",
                (
                    *[int(v) if isinstance(v, bool) else v for v in values.values()],
                    int(time.time()),
                    chat_id,
                    thread_id,
                ),
            )
        subscriber = await get_subscriber(conn, chat_id, thread_id)
    assert subscriber is not None
    return subscriber


async def ensure_row(conn: aiosqlite.Connection, chat_id: int, thread_id: int) -> None:
    now = int(time.time())
    await conn.execute(
        "INSERT OR IGNORE INTO subscribers (chat_id, thread_id, status, tz, created_ts,"
        " updated_ts) VALUES (?, ?, 'paused', '', ?, ?)",
        (chat_id, thread_id, now, now),
    )


async def get_follows(db: Reader, chat_id: int, thread_id: int = 0) -> frozenset[str]:
    async with db.execute(
        "SELECT topic FROM follows WHERE chat_id = ? AND thread_id = ?", (chat_id, thread_id)
    ) as cursor:
        return frozenset(row[0] for row in await cursor.fetchall())


async def follow(db: Database, chat_id: int, topic: str, *, thread_id: int = 0) -> bool:
    """True when the topic was not followed before."""
    async with db.transaction() as conn:
        await ensure_row(conn, chat_id, thread_id)
        cursor = await conn.execute(
            "INSERT OR IGNORE INTO follows (chat_id, thread_id, topic) VALUES (?, ?, ?)",
            (chat_id, thread_id, topic),
        )
        return cursor.rowcount == 1


async def unfollow(db: Database, chat_id: int, topic: str, *, thread_id: int = 0) -> bool:
    """True when the topic was followed."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "DELETE FROM follows WHERE chat_id = ? AND thread_id = ? AND topic = ?",
            (chat_id, thread_id, topic),
        )
        return cursor.rowcount == 1


async def forget(db: Database, chat_id: int, *, thread_id: int = 0) -> None:
    """Delete everything stored about the chat, or about one of its forum topics
    (follows and ledger rows cascade)."""
    async with db.transaction() as conn:
        await conn.execute(
            "DELETE FROM subscribers WHERE chat_id = ? AND thread_id = ?", (chat_id, thread_id)
        )


async def migrate_chat(db: Database, old_chat_id: int, new_chat_id: int) -> None:
    """A group became a supergroup: Telegram gives it a new id."""
    async with db.transaction() as conn:
        old = await get_subscriber(conn, old_chat_id)  # a group: no forum topics
        if old is None or await get_subscriber(conn, new_chat_id) is not None:
            return
        await conn.execute("PRAGMA defer_foreign_keys = ON")  # children move in the same step
        await conn.execute(
            "UPDATE subscribers SET chat_id = ?, kind = 'supergroup' WHERE chat_id = ?",
            (new_chat_id, old_chat_id),
        )
        for table in ("follows", "deliveries"):
            await conn.execute(
                f"UPDATE {table} SET chat_id = ? WHERE chat_id = ?", (new_chat_id, old_chat_id)
            )


async def count_by_status(db: Reader) -> dict[str, int]:
    counts: dict[str, int] = dict.fromkeys(ChatStatus, 0)
    async with db.execute("SELECT status, count(*) FROM subscribers GROUP BY status") as cursor:
        for status, count in await cursor.fetchall():
            counts[ChatStatus(status)] = count
    return counts
