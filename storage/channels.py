"""The channels the bot is in and what it may do there, as its membership updates said.

Only the bot's own membership is stored. Whether a *user* may manage a channel is
never stored: the Telegram face asks getChatMember each time.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import aiosqlite

from storage.db import Database, Reader

ADMIN = ("creator", "administrator")


@dataclass(frozen=True)
class BotChannel:
    chat_id: int
    title: str | None
    status: str  # the bot's: creator | administrator | member | left | kicked
    can_post: bool
    can_delete: bool
    added_by: int | None = None
    updated_ts: int = 0

    @property
    def is_admin(self) -> bool:
        return self.status in ADMIN


_COLUMNS = "chat_id, title, status, can_post, can_delete, added_by, updated_ts"


def _from_row(row: aiosqlite.Row) -> BotChannel:
    return BotChannel(
        chat_id=row["chat_id"],
        title=row["title"],
        status=row["status"],
        can_post=bool(row["can_post"]),
        can_delete=bool(row["can_delete"]),
        added_by=row["added_by"],
        updated_ts=row["updated_ts"],
    )


async def record_channel(
    db: Database,
    chat_id: int,
    *,
    status: str,
    can_post: bool,
    can_delete: bool,
    title: str | None = None,
    added_by: int | None = None,
) -> BotChannel:
    """Remember the bot's membership in a channel (insert or replace); unknown title and
    added_by keep their stored values."""
    now = int(time.time())
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO bot_channels (chat_id, title, status, can_post, can_delete, added_by,"
            " updated_ts) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (chat_id) DO UPDATE SET title = coalesce(excluded.title, title),"
            " status = excluded.status, can_post = excluded.can_post,"
            " can_delete = excluded.can_delete,"
            " added_by = coalesce(excluded.added_by, added_by), updated_ts = excluded.updated_ts",
            (chat_id, title, status, int(can_post), int(can_delete), added_by, now),
        )
        found = await get_channel(conn, chat_id)
    assert found is not None
    return found


async def get_channel(db: Reader, chat_id: int) -> BotChannel | None:
    async with db.execute(
        f"SELECT {_COLUMNS} FROM bot_channels WHERE chat_id = ?", (chat_id,)
    ) as cursor:
        row = await cursor.fetchone()
    return None if row is None else _from_row(row)


async def admin_channels(
    db: Reader, *, first_for: int | None = None, limit: int = 100
) -> list[BotChannel]:
    """Channels where the bot is an administrator: those `first_for` added first (a hint
    of who manages them), then the most recently changed. At most `limit`."""
    async with db.execute(
        f"SELECT {_COLUMNS} FROM bot_channels WHERE status IN ('creator', 'administrator')"
        " ORDER BY added_by IS NOT ?, updated_ts DESC, chat_id LIMIT ?",
        (first_for, limit),
    ) as cursor:
        return [_from_row(row) for row in await cursor.fetchall()]
