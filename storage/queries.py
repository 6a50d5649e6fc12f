"""Saved /search queries: a paging button carries a token, since the query itself may
not fit in Telegram's 64 bytes of callback data. A token belongs to the chat that
searched; it is random, so it cannot be guessed or counted up to."""

from __future__ import annotations

import secrets
import time

from storage.db import Database

TOKEN_BYTES = 9  # 12 URL-safe characters
KEEP_SECONDS = 30 * 24 * 3600  # older saved searches are dropped as new ones are saved


async def save_query(db: Database, chat_id: int, query: str) -> str:
    """The token of `query` for this chat (the same token when saved before)."""
    now = int(time.time())
    async with db.transaction() as conn:
        async with conn.execute(
            "SELECT token FROM saved_searches WHERE chat_id = ? AND query = ?", (chat_id, query)
        ) as cursor:
            row = await cursor.fetchone()
        if row is not None:
            return row[0]
        token = secrets.token_urlsafe(TOKEN_BYTES)
        await conn.execute(
            "INSERT INTO saved_searches (token, chat_id, query, created_ts) VALUES (?, ?, ?, ?)",
            (token, chat_id, query, now),
        )
        await conn.execute("DELETE FROM saved_searches WHERE created_ts < ?", (now - KEEP_SECONDS,))
    return token


async def get_query(db: Database, chat_id: int, token: str) -> str | None:
    """The saved query, or None when the token is unknown, expired or another chat's."""
    async with db.execute(
        "SELECT query FROM saved_searches WHERE token = ? AND chat_id = ?", (token, chat_id)
    ) as cursor:
        row = await cursor.fetchone()
    return row[0] if row else None


async def has_searched(db: Database, chat_id: int) -> bool:
    """Whether the chat has a saved search (in the last KEEP_SECONDS)."""
    async with db.execute(
        "SELECT 1 FROM saved_searches WHERE chat_id = ? LIMIT 1", (chat_id,)
    ) as cursor:
        return await cursor.fetchone() is not None
