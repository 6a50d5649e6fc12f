"""Ingest throughput: real posts parsed and stored, and the database size per 1,000 items.

    python bench/ingest.py [--posts N] [--batch B] [--only canonical] [--data DIR] [--no-index]

The posts are the real ones in ../shared/data/digests, cycled and re-identified
(a new id and time per copy) until N have been parsed and stored: one
transaction per post as the poller does (--batch 1), or B posts per transaction
(save_digests) as a bulk `digest-bot ingest FOLDER` can. Goal: >= 500 posts/s.

Times are wall clock and process CPU (both threads: ours and aiosqlite's); on a
shared machine the CPU figure is the steadier one. The search index's share of
storing shows as its tokens per post, and as the difference to a run with
--no-index (its insert trigger dropped: what storing would cost without search).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.digest.models import Digest
from storage.db import connect
from storage.digests import count_items, save_digests
from storage.search_index import search_grams

SHARED_DIGESTS = Path(__file__).resolve().parents[2] / "shared" / "data" / "digests"
BUNDLED_SAMPLES = Path(__file__).resolve().parents[1] / "bot" / "samples"
# The real posts where ../shared is present; a user's clone has only the samples.
DEFAULT_DATA = SHARED_DIGESTS if SHARED_DIGESTS.is_dir() else BUNDLED_SAMPLES


def post_paths(data: Path, only: str | None = None) -> list[Path]:
    paths = sorted(path for path in data.rglob("*.md") if only is None or only in str(path))
    if not paths:
        raise SystemExit(f"no posts under {data} (is ../shared/data here?)")
    return paths


def parse(path: Path) -> Digest:
    """The project's parser when it is there, else one item per paragraph."""
    try:
        from bot.digest.parse import parse_file
    except ImportError:
        return _paragraph_digest(path)
    return parse_file(path)


def _paragraph_digest(path: Path) -> Digest:
    from datetime import UTC, datetime

    from bot.digest.models import Item

    paragraphs = [p.strip() for p in path.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    items = tuple(
        Item(position=n, title=p[:80], author=None, url=None, summary=p)
        for n, p in enumerate(paragraphs, start=1)
    )
    return Digest(
        id=str(path), source="bench", title=path.stem, published_at=datetime.now(UTC), items=items
    )


def copy_of(digest: Digest, n: int) -> Digest:
    """Copy `n` of a post: its own id, four hours after copy n - 1."""
    return dataclasses.replace(
        digest,
        id=f"{digest.id}#{n}",
        published_at=digest.published_at + timedelta(hours=4 * n),
    )


@dataclasses.dataclass
class Totals:
    parse_s: float = 0.0  # wall clock
    store_s: float = 0.0
    parse_cpu: float = 0.0  # process CPU
    store_cpu: float = 0.0
    chars: int = 0  # title + summary characters
    tokens: int = 0  # tokens of the search index


async def ingest(db, paths: list[Path], posts: int, batch: int) -> Totals:
    totals = Totals()
    for first in range(0, posts, batch):
        started, started_cpu = time.perf_counter(), time.process_time()
        digests = [
            copy_of(parse(paths[n % len(paths)]), n // len(paths))
            for n in range(first, min(posts, first + batch))
        ]
        parsed, parsed_cpu = time.perf_counter(), time.process_time()
        await save_digests(db, digests)
        totals.parse_s += parsed - started
        totals.store_s += time.perf_counter() - parsed
        totals.parse_cpu += parsed_cpu - started_cpu
        totals.store_cpu += time.process_time() - parsed_cpu
        for item in (item for digest in digests for item in digest.items):
            totals.chars += len(item.title) + len(item.summary)
            totals.tokens += search_grams(item.title, item.author, item.summary).count(" ") + 1
    return totals


async def run(posts: int, data: Path, only: str | None, batch: int, index: bool) -> None:
    paths = post_paths(data, only)
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "bench.db"
        db = await connect(db_path)
        try:
            if not index:
                async with db.transaction() as conn:
                    await conn.execute("DROP TRIGGER items_search_insert")
            t = await ingest(db, paths, posts, batch)
            items = await count_items(db)
            await db.maintenance("PRAGMA wal_checkpoint(TRUNCATE)")
            size = db_path.stat().st_size
            async with db.transaction() as conn:
                await conn.execute("INSERT INTO items_grams (items_grams) VALUES ('optimize')")
            await db.maintenance("VACUUM")
            await db.maintenance("PRAGMA wal_checkpoint(TRUNCATE)")
            optimized = db_path.stat().st_size
        finally:
            await db.close()

    def rate(seconds: float, cpu: float) -> str:
        return (
            f"{posts / seconds:7.1f} posts/s {items / seconds:8.0f} items/s | "
            f"{seconds / posts * 1000:6.2f} ms/post wall {cpu / posts * 1000:6.2f} CPU"
        )

    print(
        f"posts: {posts} from {len(paths)} real files ({only or 'all layouts'}), "
        f"{batch} per transaction, search index {'on' if index else 'OFF'}"
    )
    print(
        f"items: {items}, text: {t.chars / 1e6:.1f} M chars ({t.chars / max(posts, 1):,.0f}/post), "
        f"search index: {t.tokens / max(posts, 1):,.0f} tokens/post"
    )
    print(f"parse + store: {rate(t.parse_s + t.store_s, t.parse_cpu + t.store_cpu)}   (goal 500)")
    print(f"parse only:    {rate(t.parse_s, t.parse_cpu)}")
    print(f"store only:    {rate(t.store_s, t.store_cpu)}")
    if items:
        per_k = 1000 / items / 1e6
        print(
            f"database: {size / 1e6:.1f} MB = {size * per_k:.2f} MB per 1,000 items; "
            f"after FTS optimize + VACUUM {optimized * per_k:.2f} MB per 1,000 items"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--only", help="only posts whose path contains this (e.g. canonical)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument(
        "--batch", type=int, default=1, help="posts per transaction (1 = as the poller stores)"
    )
    parser.add_argument(
        "--no-index", action="store_true", help="drop the search index's insert trigger"
    )
    args = parser.parse_args()
    asyncio.run(run(args.posts, args.data, args.only, max(1, args.batch), not args.no_index))


if __name__ == "__main__":
    main()
