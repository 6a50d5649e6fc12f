"""What the stored items are about, counted: /topics (the last 7 days) and /trends
(items per topic per day). Topics are decided when an item is stored (item_topics)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo

from storage.db import Reader

DAY = 86_400


async def topic_counts(db: Reader, since_ts: int) -> dict[str, int]:
    """Items per built-in topic in the digests published since `since_ts`."""
    sql = """
        SELECT t.topic, count(*) FROM item_topics t
        JOIN items i ON i.id = t.item_id
        JOIN digests d ON d.id = i.digest_id
        WHERE d.published_ts >= ?
        GROUP BY t.topic
    """
    async with db.execute(sql, (since_ts,)) as cursor:
        return {topic: count for topic, count in await cursor.fetchall()}


async def daily_topic_counts(
    db: Reader, first_day: date, days: int, zone: tzinfo
) -> dict[str, list[int]]:
    """Items per topic per day for `days` days from `first_day` (days in `zone`):
    topic -> a count per day; topics with no item in the span are left out."""
    start = datetime.combine(first_day, datetime.min.time(), zone)
    end = start + timedelta(days=days)
    sql = """
        SELECT t.topic, d.published_ts FROM item_topics t
        JOIN items i ON i.id = t.item_id
        JOIN digests d ON d.id = i.digest_id
        WHERE d.published_ts >= ? AND d.published_ts < ?
    """
    counts: dict[str, list[int]] = {}
    async with db.execute(sql, (int(start.timestamp()), int(end.timestamp()))) as cursor:
        async for topic, published_ts in cursor:
            day = (datetime.fromtimestamp(published_ts, zone).date() - first_day).days
            if 0 <= day < days:
                counts.setdefault(topic, [0] * days)[day] += 1
    return counts
