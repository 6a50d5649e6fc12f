"""Saved /search queries: a paging button carries the query's id, since the
query itself may not fit in Telegram's 64 bytes of callback data."""

from __future__ import annotations

import aiosqlite


async def save_query(db: aiosqlite.Connection, query: str) -> int:
    await db.execute("INSERT OR IGNORE INTO saved_queries (query) VALUES (?)", (query,))
    async with db.execute("SELECT id FROM saved_queries WHERE query = ?", (query,)) as cursor:
        (query_id,) = await cursor.fetchone()
    return query_id


async def get_query(db: aiosqlite.Connection, query_id: int) -> str | None:
    async with db.execute("SELECT query FROM saved_queries WHERE id = ?", (query_id,)) as cursor:
        row = await cursor.fetchone()
    return row[0] if row else None
