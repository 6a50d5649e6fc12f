"""The state of polled sources: conditional-GET validators, seen entry ids, back-off."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from storage.db import Database


@dataclass
class SourceState:
    """What is kept of a polled source between polls."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    seen_ids: frozenset[str] = frozenset()
    failures: int = 0
    next_poll_ts: int = 0
    last_error: str | None = None


async def load_source_state(db: Database, url: str) -> SourceState:
    """The stored state of `url`, or a fresh one for a source never polled."""
    async with db.execute(
        "SELECT etag, last_modified, seen_ids, failures, next_poll_ts, last_error"
        " FROM sources WHERE url = ?",
        (url,),
    ) as cursor:
        row = await cursor.fetchone()
    if row is None:
        return SourceState(url=url)
    etag, last_modified, seen_ids, failures, next_poll_ts, last_error = tuple(row)
    return SourceState(
        url=url,
        etag=etag,
        last_modified=last_modified,
        seen_ids=frozenset(json.loads(seen_ids or "[]")),
        failures=failures,
        next_poll_ts=next_poll_ts,
        last_error=last_error,
    )


async def save_source_state(db: Database, state: SourceState) -> None:
    """Insert or replace the state; `last_ok_ts` moves only when failures is 0."""
    now = int(time.time())
    async with db.transaction() as conn:
        await conn.execute(
            """
        INSERT INTO sources
            (url, etag, last_modified, seen_ids, failures, next_poll_ts, last_error, last_ok_ts)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (url) DO UPDATE SET
            etag = excluded.etag,
            last_modified = excluded.last_modified,
            seen_ids = excluded.seen_ids,
            failures = excluded.failures,
            next_poll_ts = excluded.next_poll_ts,
            last_error = excluded.last_error,
            last_ok_ts = COALESCE(excluded.last_ok_ts, sources.last_ok_ts)
        """,
            (
                state.url,
                state.etag,
                state.last_modified,
                json.dumps(sorted(state.seen_ids), ensure_ascii=False),
                state.failures,
                state.next_poll_ts,
                state.last_error,
                now if state.failures == 0 else None,
            ),
        )
