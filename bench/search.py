"""Search latency and recall at scale: the index against a LIKE scan of the same database.

    python bench/search.py [--items N] [--db PATH] [--reps R]

Builds N items (default 200,000) from the real posts in ../shared/data/digests:
their items, shuffled, dealt into re-dated digests of 20 (zh and en mixed), stored
with save_digests. Each dealt item is its own story (its link made unique), except
that REPEAT_SHARE of them repeat an item of the few digests before (same link: one
story), about the share of repeated links in the real posts (~30%). Then a fixed
query mix per class (common, rare and absent words; Chinese typed without spaces;
traditional characters). For each query: first-page latency (limit 5) of search()
(the whole page: look-up, one result per story, the count, the order within digests,
snippets) and of a `LIKE '%term%'` scan in the same newest-first order, and recall of
the index against the scan over ALL matches. The scan reads the same folded text as
the index (search_text, kept in a table of its own) and looks for the same words
(query_terms: segmented and folded), so recall compares the index with the truth of
the same query. Also: a page deep in the results, and the dictionaries' load time.
`--items 2000` is the CI smoke size.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.ingest import DEFAULT_DATA, parse, post_paths
from bot.digest.models import Digest, Item
from bot.sources.ingest import tidy_search_index
from storage.db import connect
from storage.digests import count_items, save_digests
from storage.search import load_dictionaries, match_ids, query_terms, search

QUERIES: dict[str, list[str]] = {
    "zh 1 char": ["模", "芯", "鸵"],
    "zh 2 chars": ["模型", "开源", "芯片", "显卡", "鹦鹉", "鸵鸟", "量子"],
    "zh 3 chars": ["机器人", "大模型", "智能体", "鸵鸟蛋"],
    "zh 4+ chars": ["开源模型", "上下文工程", "强化学习", "视频生成", "量子纠缠态"],
    "en 1-2 chars": ["ai", "x", "4o", "r1", "xq", "qz"],
    "en 3+ chars": ["openai", "claude", "nemotron", "mistral", "cuda", "zyxwvu"],
    "mixed": ["OpenAI 模型", "claude 代码", "gpt 芯片", "nvidia 芯片", "gemini 多模态"],
    "multi-word": [
        "open source",
        "google gemini",
        "hugging face",
        "模型 开源 发布",
        "anthropic zyxwvu",
    ],
    "zh no spaces": [
        "开源模型",
        "阿里巴巴开源",
        "数据中心通货紧缩",
        "Reachy机器人",
        "英伟达发布推理芯片",
        "大模型推理成本",
        "鸵鸟蛋量子纠缠",
    ],
    "traditional": ["機器人", "開源模型", "語言模型", "數據中心", "強化學習", "輝達晶片", "鴕鳥"],
}
DEEP_PAGE = ("模型", "ai", "openai", "开源模型")  # page 11 (offset 50) of these
DIGEST_SIZE = 20
REPEAT_SHARE = 0.3  # items that repeat a story of the last REPEAT_WINDOW digests
REPEAT_WINDOW = 3


def corpus_items(data: Path) -> list[Item]:
    items = [item for path in post_paths(data) for item in parse(path).items]
    if not items:
        raise SystemExit("the real posts gave no items")
    return items


def synthetic_digests(pool: list[Item], count: int, seed: int = 1) -> list[Digest]:
    rng = random.Random(seed)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    deck: list[Item] = []
    digests: list[Digest] = []
    made = 0
    while made < count:
        size = min(DIGEST_SIZE, count - made)
        items = []
        recent = [item for digest in digests[-REPEAT_WINDOW:] for item in digest.items]
        for position in range(1, size + 1):
            if recent and rng.random() < REPEAT_SHARE:
                items.append(_at(rng.choice(recent), position))  # the same story again
                continue
            if not deck:
                deck = pool[:]
                rng.shuffle(deck)
            items.append(_story(deck.pop(), position, made + position))
        n = len(digests)
        digests.append(
            Digest(
                id=f"bench/{n}",
                source="bench",
                title=f"Digest {n}",
                published_at=start + timedelta(hours=n),
                items=tuple(items),
            )
        )
        made += size
    rng.shuffle(digests)  # ingest order is not time order, as after a backfill
    return digests


def _at(item: Item, position: int) -> Item:
    return Item(position, item.title, item.author, item.url, item.summary, item.links)


def _story(item: Item, position: int, serial: int) -> Item:
    """A dealt copy as a story of its own: its link made unique."""
    base = item.url or "https://example.com/item"
    url = f"{base}{'&' if '?' in base else '?'}bench={serial}"
    return Item(position, item.title, item.author, url, item.summary, item.links)


async def build(db, data: Path, count: int) -> None:
    have = await count_items(db)
    if have >= count:
        print(f"reusing the database: {have} items")
        return
    started = time.perf_counter()
    digests = synthetic_digests(corpus_items(data), count)
    for first in range(0, len(digests), 50):
        await save_digests(db, digests[first : first + 50])
    took = time.perf_counter() - started
    print(f"built {count} items in {len(digests)} digests: {took:.1f} s ({count / took:.0f}/s)")
    # What `digest-bot ingest` does after a batch: merge the index's segments.
    started = time.perf_counter()
    await tidy_search_index(db, float("inf"))
    print(f"merged the search index: {time.perf_counter() - started:.1f} s")


async def build_scan_table(db) -> None:
    """bench_scan: each item's searchable text as the index sees it (search_text:
    folded), for the reference scan. Bench-only; rebuilt when the items changed."""
    async with db.transaction() as conn:
        await conn.execute("CREATE TABLE IF NOT EXISTS bench_scan (id INTEGER PRIMARY KEY, text)")
        async with conn.execute(
            "SELECT (SELECT count(*) FROM bench_scan) = (SELECT count(*) FROM items)"
        ) as cursor:
            (same,) = await cursor.fetchone()
        if not same:
            await conn.execute("DELETE FROM bench_scan")
            await conn.execute(
                "INSERT INTO bench_scan SELECT id, search_text(title, author, summary) FROM items"
            )


async def scan_ids(db, terms: list[str], limit: int | None) -> list[int]:
    patterns = [
        "%" + t.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%" for t in terms
    ]
    where = " AND ".join(["text LIKE ? ESCAPE '\\'"] * len(terms))
    sql = f"SELECT id FROM bench_scan WHERE {where} ORDER BY id DESC LIMIT ?"
    async with db.execute(sql, [*patterns, -1 if limit is None else limit]) as cursor:
        return [row[0] for row in await cursor.fetchall()]


async def timed(call, reps: int, cpu: list[float] | None = None) -> list[float]:
    """Wall-clock ms of each run; with `cpu`, the process's CPU ms of each run appended
    to it (both threads: ours and aiosqlite's; steadier on a shared machine)."""
    times = []
    for _ in range(reps):
        started, started_cpu = time.perf_counter(), time.process_time()
        await call()
        times.append((time.perf_counter() - started) * 1000)
        if cpu is not None:
            cpu.append((time.process_time() - started_cpu) * 1000)
    return times


def p50_p95(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"{statistics.median(ordered):6.2f} {p95:6.2f}"


def summary(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"{statistics.median(ordered):7.2f} {p95:7.2f} {ordered[-1]:8.2f}"


async def run(items: int, db_path: Path | None, reps: int, verbose: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        load_dictionaries()
        took = (time.perf_counter() - started) * 1000
        print(f"search dictionaries (rjieba, OpenCC fold table) loaded in {took:.0f} ms")
        db = await connect(db_path or Path(tmp) / "bench.db")
        try:
            await build(db, DEFAULT_DATA, items)
            await build_scan_table(db)
            await measure(db, items, reps, verbose)
        finally:
            await db.close()


async def measure(db, items: int, reps: int, verbose: bool) -> None:
    scan_reps = 1 if items > 20_000 else reps
    print(f"latency in ms, first page of 5, {reps} runs per query (scan: {scan_reps});")
    print("search: wall clock, then the process's CPU time (both threads)")
    header = f"{'class':14} {'search p50':>9} {'p95':>7} {'max':>8} | {'cpu p50':>6} {'p95':>6}"
    print(header + f" | {'scan p50':>8} {'p95':>7} {'max':>8} | recall  matches")
    worst_recall = 1.0
    for label, queries in QUERIES.items():
        index_t: list[float] = []
        cpu_t: list[float] = []
        scan_t: list[float] = []
        found, expected, extra = 0, 0, 0
        for query in queries:
            terms = query_terms(query)
            index_t += await timed(lambda q=query: search(db, q, limit=5), reps, cpu_t)
            scan_t += await timed(lambda t=terms: scan_ids(db, t, 6), scan_reps)
            got = set(await match_ids(db, terms))
            want = set(await scan_ids(db, terms, None))
            found += len(got & want)
            expected += len(want)
            extra += len(got - want)
            if verbose:
                print(f"    {query!r}: {len(want)} matches, index {len(got)}")
        recall = found / expected if expected else 1.0
        worst_recall = min(worst_recall, recall)
        flag = "" if not extra else f" (+{extra} not in scan)"
        latency = f"{summary(index_t)} | {p50_p95(cpu_t)} | {summary(scan_t)}"
        print(f"{label:14} {latency} | {recall:6.1%}  {expected}{flag}")
    print(f"recall of the index against the scan, worst class: {worst_recall:.1%}")
    deep: list[float] = []
    deep_cpu: list[float] = []
    for query in DEEP_PAGE:
        deep += await timed(lambda q=query: search(db, q, offset=50, limit=5), reps, deep_cpu)
    pages = f"{summary(deep)} | {p50_p95(deep_cpu)}"
    print(f"{'page 11':14} {pages}   ({', '.join(DEEP_PAGE)}, offset 50)")
    parse_t: list[float] = []
    every = [query for queries in QUERIES.values() for query in queries]
    for _ in range(reps):
        started = time.perf_counter()
        for query in every:
            query_terms(query)
        parse_t.append((time.perf_counter() - started) * 1e6 / len(every))
    print(f"query parsing (fold + segment), per query: {statistics.median(parse_t):.1f} us")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=200_000)
    parser.add_argument("--db", type=Path, help="keep (and reuse) the database here")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--verbose", action="store_true", help="matches per query")
    args = parser.parse_args()
    asyncio.run(run(args.items, args.db, args.reps, args.verbose))


if __name__ == "__main__":
    main()
