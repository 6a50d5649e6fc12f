"""Ingest throughput: real posts parsed and stored, and the database size per 1,000 items.

    python bench/ingest.py [--posts N] [--batch B] [--only canonical] [--data DIR]

The posts are the real ones in ../shared/data/digests, cycled and re-identified
(a new id and time per copy) until N have been parsed and stored: one
transaction per post as the poller does (--batch 1), or B posts per transaction
(save_digests) as a bulk `digest-bot ingest FOLDER` can.
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

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "digests"


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


async def ingest(db, paths: list[Path], posts: int, batch: int) -> tuple[float, float, int]:
    """(seconds parsing, seconds storing, characters of text) for `posts` posts."""
    parse_s = store_s = 0.0
    chars = 0
    for first in range(0, posts, batch):
        started = time.perf_counter()
        digests = [
            copy_of(parse(paths[n % len(paths)]), n // len(paths))
            for n in range(first, min(posts, first + batch))
        ]
        parsed = time.perf_counter()
        await save_digests(db, digests)
        stored = time.perf_counter()
        parse_s += parsed - started
        store_s += stored - parsed
        chars += sum(len(i.title) + len(i.summary) for d in digests for i in d.items)
    return parse_s, store_s, chars


async def run(posts: int, data: Path, only: str | None, batch: int) -> None:
    paths = post_paths(data, only)
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "bench.db"
        db = await connect(db_path)
        try:
            parse_s, store_s, chars = await ingest(db, paths, posts, batch)
            items = await count_items(db)
            await db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            size = db_path.stat().st_size
            await db.execute("INSERT INTO items_grams (items_grams) VALUES ('optimize')")
            await db.execute("VACUUM")
            await db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            optimized = db_path.stat().st_size
        finally:
            await db.close()

    total = parse_s + store_s
    print(
        f"posts: {posts} from {len(paths)} real files ({only or 'all layouts'}), "
        f"{batch} per transaction"
    )
    print(f"items: {items}, text: {chars / 1e6:.1f} M chars ({chars / max(posts, 1):,.0f}/post)")
    print(f"parse + store: {posts / total:8.1f} posts/s  {items / total:9.0f} items/s")
    print(f"parse only:    {posts / parse_s:8.1f} posts/s")
    print(f"store only:    {posts / store_s:8.1f} posts/s  {items / store_s:9.0f} items/s")
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
    args = parser.parse_args()
    asyncio.run(run(args.posts, args.data, args.only, max(1, args.batch)))


if __name__ == "__main__":
    main()
