"""What the stored items are about, counted: /topics (the last 7 days) and /trends
(items per topic per day). Topics are decided when an item is stored (item_topics)."""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import date, datetime, timedelta, tzinfo

from storage.db import Reader

DAY = 86_400


# Of the chat's sources only (a JSON list), or of all when it is NULL.
_OF_SOURCES = "(? IS NULL OR d.source IN (SELECT value FROM json_each(?)))"


def _sources(sources: Collection[str] | None) -> tuple[str | None, str | None]:
    found = None if sources is None else json.dumps(sorted(sources), ensure_ascii=False)
    return found, found


async def topic_counts(
    db: Reader, since_ts: int, sources: Collection[str] | None = None
) -> dict[str, int]:
    """Items per built-in topic in the digests published since `since_ts` (of `sources`)."""
    sql = f"""
        SELECT t.topic, count(*) FROM item_topics t
        JOIN items i ON i.id = t.item_id
        JOIN digests d ON d.id = i.digest_id
        WHERE d.published_ts >= ? AND {_OF_SOURCES}
        GROUP BY t.topic
    """
    async with db.execute(sql, (since_ts, *_sources(sources))) as cursor:
        return {topic: count for topic, count in await cursor.fetchall()}


async def daily_topic_counts(
    db: Reader, first_day: date, days: int, zone: tzinfo, sources: Collection[str] | None = None
) -> dict[str, list[int]]:
    """Items per topic per day for `days` days from `first_day` (days in `zone`), of
    `sources`: topic -> a count per day; topics with no item in the span are left out."""
    start = datetime.combine(first_day, datetime.min.time(), zone)
    end = start + timedelta(days=days)
    sql = f"""
        SELECT t.topic, d.published_ts FROM item_topics t
        JOIN items i ON i.id = t.item_id
        JOIN digests d ON d.id = i.digest_id
        WHERE d.published_ts >= ? AND d.published_ts < ? AND {_OF_SOURCES}
    """
    counts: dict[str, list[int]] = {}
    span = (int(start.timestamp()), int(end.timestamp()))
    async with db.execute(sql, (*span, *_sources(sources))) as cursor:
        async for topic, published_ts in cursor:
            day = (datetime.fromtimestamp(published_ts, zone).date() - first_day).days
            if 0 <= day < days:
                counts.setdefault(topic, [0] * days)[day] += 1
    return counts
