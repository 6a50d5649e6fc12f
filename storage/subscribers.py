"""Subscribers, their preferences, and the topics they follow."""

from __future__ import annotations

import time
from dataclasses import dataclass

import aiosqlite

from bot.digest.models import Profile

STATUSES = ("active", "paused", "blocked")


@dataclass(frozen=True)
class Subscriber:
    chat_id: int
    kind: str = "private"  # private | group | supergroup | channel
    title: str | None = None
    status: str = "active"
    format: str = "full"
    alerts_mode: str = "all"
    previews: bool = False
    tz: str = "UTC"
    quiet_from: int | None = None  # hour in tz; quiet when from <= hour < to (wrapping midnight)
    quiet_to: int | None = None
    topics: frozenset[str] = frozenset()

    @property
    def profile(self) -> Profile:
        return Profile(
            format=self.format,
            previews=self.previews,
            tz=self.tz,
            alerts_mode=self.alerts_mode,
            topics=self.topics,
        )

    @property
    def is_group(self) -> bool:
        return self.kind in ("group", "supergroup")


_COLUMNS = "chat_id, kind, title, status, format, alerts_mode, previews, tz, quiet_from, quiet_to"


def _from_row(row: aiosqlite.Row, topics: frozenset[str]) -> Subscriber:
    return Subscriber(
        chat_id=row["chat_id"],
        kind=row["kind"],
        title=row["title"],
        status=row["status"],
        format=row["format"],
        alerts_mode=row["alerts_mode"],
        previews=bool(row["previews"]),
        tz=row["tz"],
        quiet_from=row["quiet_from"],
        quiet_to=row["quiet_to"],
        topics=topics,
    )


async def get_subscriber(db: aiosqlite.Connection, chat_id: int) -> Subscriber | None:
    async with db.execute(f"SELECT {_COLUMNS} FROM subscribers WHERE chat_id = ?", (chat_id,)) as c:
        row = await c.fetchone()
    if row is None:
        return None
    return _from_row(row, await get_follows(db, chat_id))


async def get_subscribers(db: aiosqlite.Connection, chat_ids: list[int]) -> dict[int, Subscriber]:
    """Several subscribers at once (the delivery engine plans in batches)."""
    found: dict[int, Subscriber] = {}
    for start in range(0, len(chat_ids), 500):
        batch = chat_ids[start : start + 500]
        marks = ",".join("?" * len(batch))
        follows: dict[int, set[str]] = {}
        sql = f"SELECT chat_id, topic FROM follows WHERE chat_id IN ({marks})"
        async with db.execute(sql, batch) as cursor:
            async for chat_id, topic in cursor:
                follows.setdefault(chat_id, set()).add(topic)
        sql = f"SELECT {_COLUMNS} FROM subscribers WHERE chat_id IN ({marks})"
        async with db.execute(sql, batch) as cursor:
            async for row in cursor:
                topics = frozenset(follows.get(row["chat_id"], ()))
                found[row["chat_id"]] = _from_row(row, topics)
    return found


async def subscribe(
    db: aiosqlite.Connection, chat_id: int, *, kind: str = "private", title: str | None = None
) -> tuple[Subscriber, bool]:
    """Make the chat an active subscriber, keeping earlier preferences.
    Returns (subscriber, was_already_active)."""
    now = int(time.time())
    existing = await get_subscriber(db, chat_id)
    if existing is None:
        await db.execute(
            "INSERT INTO subscribers (chat_id, kind, title, created_ts, updated_ts)"
            " VALUES (?, ?, ?, ?, ?)",
            (chat_id, kind, title, now, now),
        )
    else:
        await db.execute(
            "UPDATE subscribers SET status = 'active', kind = ?, title = coalesce(?, title),"
            " updated_ts = ? WHERE chat_id = ?",
            (kind, title, now, chat_id),
        )
    subscriber = await get_subscriber(db, chat_id)
    assert subscriber is not None
    return subscriber, existing is not None and existing.status == "active"


async def set_status(db: aiosqlite.Connection, chat_id: int, status: str) -> None:
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}")
    await db.execute(
        "UPDATE subscribers SET status = ?, updated_ts = ? WHERE chat_id = ?",
        (status, int(time.time()), chat_id),
    )


_SETTABLE = {"format", "alerts_mode", "previews", "tz", "quiet_from", "quiet_to", "title", "kind"}


async def update_preferences(db: aiosqlite.Connection, chat_id: int, **values) -> Subscriber:
    """Change preferences; creates the row (paused) for a chat that never subscribed,
    so settings chosen before /start are kept."""
    unknown = set(values) - _SETTABLE
    if unknown:
        raise ValueError(f"not a preference: {sorted(unknown)}")
    now = int(time.time())
    await db.execute(
        "INSERT OR IGNORE INTO subscribers (chat_id, status, created_ts, updated_ts)"
        " VALUES (?, 'paused', ?, ?)",
        (chat_id, now, now),
    )
    if values:
        assignments = ", ".join(f"{name} = ?" for name in values)
        await db.execute(
            f"UPDATE subscribers SET {assignments}, updated_ts = ? WHERE chat_id = ?",
            (*[int(v) if isinstance(v, bool) else v for v in values.values()], now, chat_id),
        )
    subscriber = await get_subscriber(db, chat_id)
    assert subscriber is not None
    return subscriber


async def get_follows(db: aiosqlite.Connection, chat_id: int) -> frozenset[str]:
    async with db.execute("SELECT topic FROM follows WHERE chat_id = ?", (chat_id,)) as cursor:
        return frozenset(row[0] for row in await cursor.fetchall())


async def follow(db: aiosqlite.Connection, chat_id: int, topic: str) -> bool:
    """True when the topic was not followed before."""
    await update_preferences(db, chat_id)
    cursor = await db.execute(
        "INSERT OR IGNORE INTO follows (chat_id, topic) VALUES (?, ?)", (chat_id, topic)
    )
    return cursor.rowcount == 1


async def unfollow(db: aiosqlite.Connection, chat_id: int, topic: str) -> bool:
    """True when the topic was followed."""
    cursor = await db.execute(
        "DELETE FROM follows WHERE chat_id = ? AND topic = ?", (chat_id, topic)
    )
    return cursor.rowcount == 1


async def forget(db: aiosqlite.Connection, chat_id: int) -> None:
    """Delete everything stored about the chat (follows and ledger rows cascade)."""
    await db.execute("DELETE FROM subscribers WHERE chat_id = ?", (chat_id,))


async def migrate_chat(db: aiosqlite.Connection, old_chat_id: int, new_chat_id: int) -> None:
    """A group became a supergroup: Telegram gives it a new id."""
    old = await get_subscriber(db, old_chat_id)
    if old is None or await get_subscriber(db, new_chat_id) is not None:
        return
    await db.execute("BEGIN IMMEDIATE")
    try:
        await db.execute("PRAGMA defer_foreign_keys = ON")  # children move in the same step
        await db.execute(
            "UPDATE subscribers SET chat_id = ?, kind = 'supergroup' WHERE chat_id = ?",
            (new_chat_id, old_chat_id),
        )
        for table in ("follows", "deliveries"):
            await db.execute(
                f"UPDATE {table} SET chat_id = ? WHERE chat_id = ?", (new_chat_id, old_chat_id)
            )
        await db.execute("COMMIT")
    except BaseException:
        await db.execute("ROLLBACK")
        raise


async def count_by_status(db: aiosqlite.Connection) -> dict[str, int]:
    counts = dict.fromkeys(STATUSES, 0)
    async with db.execute("SELECT status, count(*) FROM subscribers GROUP BY status") as cursor:
        for status, count in await cursor.fetchall():
            counts[status] = count
    return counts
