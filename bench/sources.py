"""Planning a new digest for the chats taking its source: what the source rule costs.

    python bench/sources.py [--chats N] [--reps R]

A database with N active chats (default 200,000): a third Chinese, a third English, a
third with no language stored (read as English); every tenth chat has made its own
choice of a source (follows "source:on:/off:"). Three sources: Chinese, English, mixed.
Prints the median time of planning one new digest of each source (one INSERT … SELECT
over all chats, storage/digest_sources.plan_pushes) and how many chats it planned, next
to the plain insert of a row per active chat the planning was before sources (the floor).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.digest.topics import SOURCE_OFF, SOURCE_ON
from storage.db import Database, connect, one_row
from storage.digest_sources import plan_pushes

SOURCES = {"日报": "zh", "AINews": "en", "Both": "mixed"}


async def build(path: Path, chats: int) -> Database:
    db = await connect(path)
    now = int(time.time())
    async with db.transaction() as conn:
        for name, lang in SOURCES.items():
            await conn.execute(
                "INSERT INTO digest_sources (name, lang, added_ts) VALUES (?, ?, ?)",
                (name, lang, now),
            )
        for start in range(1, chats + 1, 10_000):
            batch = range(start, min(start + 10_000, chats + 1))
            await conn.executemany(
                "INSERT INTO subscribers (chat_id, lang, created_ts, updated_ts)"
                " VALUES (?, ?, ?, ?)",
                [(c, ("zh", "en", None)[c % 3], now, now) for c in batch],
            )
            await conn.executemany(
                "INSERT INTO follows (chat_id, topic) VALUES (?, ?)",
                [
                    (c, (SOURCE_ON if c % 20 else SOURCE_OFF) + "AINews")
                    for c in batch
                    if c % 10 == 0
                ],
            )
        await conn.execute(
            "INSERT INTO digests (id, source, title, published_at, published_ts, content_hash,"
            " ingested_ts, updated_ts) VALUES ('d', '日报', 't', '2026-01-01T00:00:00+00:00',"
            " 0, '', 0, 0)"
        )
    return db


async def plan_once(db: Database, what: str) -> tuple[float, int]:
    """Seconds to plan the digest (`what`: a source's name, or the floor's SQL), rows."""
    async with db.transaction() as conn:
        await conn.execute("DELETE FROM deliveries")
        started = time.perf_counter()
        if what in SOURCES:
            await plan_pushes(conn, "d", what, 0)
        else:
            await conn.execute(what)
        seconds = time.perf_counter() - started
        async with conn.execute("SELECT count(*) FROM deliveries") as cursor:
            (planned,) = await one_row(cursor)
    return seconds, planned


FLOOR = (
    "INSERT INTO deliveries (digest_id, chat_id, thread_id, part, status, created_ts)"
    " SELECT 'd', chat_id, thread_id, 0, 'planned', 0 FROM subscribers"
    " WHERE status = 'active' AND schedule = 'instant'"
)


async def main(chats: int, reps: int) -> None:
    runs = {"every chat (before sources)": FLOOR}
    runs |= {f"a digest of {name} ({lang})": name for name, lang in SOURCES.items()}
    times: dict[str, list[float]] = {label: [] for label in runs}
    planned: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as folder:
        db = await build(Path(folder) / "bench.db", chats)
        try:
            for _ in range(reps):  # in turns, so a busy moment of the machine hits all alike
                for label, what in runs.items():
                    seconds, planned[label] = await plan_once(db, what)
                    times[label].append(seconds)
        finally:
            await db.close()
    print(f"{chats:,} chats; median of {reps} runs each")
    for label in runs:
        median = statistics.median(times[label]) * 1000
        per_row = median * 1000 / max(planned[label], 1)
        print(f"{label:<30} {median:8.1f} ms {planned[label]:>9,} planned {per_row:5.2f} µs/row")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chats", type=int, default=200_000)
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(main(args.chats, args.reps))
