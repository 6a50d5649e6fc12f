"""The event loop's worst stall while the bot handles the worst inputs it has been shown.

    python bench/loop_stall.py

A ticker task asks to wake every millisecond and records how late it woke: that lateness
is how long every chat waited for the bot to do anything. Measured while the real code
paths run: ingesting hostile posts from a folder (parsed in a thread), a 10,000-entry
feed fetched over loopback (parsed in a thread), and rendering a 500-item digest
(the most a post may have) for one profile, on the loop and in a thread. The goal is
a worst stall under 100 ms; "on the loop" rows show what a thread saves.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
from aiohttp import web

from bench.parse_worst import brackets, bullet_items, canonical_items, emphasis
from bot.digest.models import Digest, Item
from bot.digest.render import render_digest
from bot.preferences import Profile
from bot.sources.ingest import ingest_targets
from storage.db import connect

GOAL_MS = 100.0


class Ticker:
    """Wakes every `period` seconds and keeps how late each wake-up was."""

    def __init__(self, period: float = 0.001) -> None:
        self.period = period
        self.late: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            due = loop.time() + self.period
            await asyncio.sleep(self.period)
            self.late.append(max(0.0, loop.time() - due))

    async def __aenter__(self) -> Ticker:
        self._task = asyncio.create_task(self._run())
        await asyncio.sleep(0.01)
        self.late.clear()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._task is not None
        self._task.cancel()

    def row(self, name: str, seconds: float) -> str:
        worst = max(self.late, default=0.0) * 1000
        p99 = statistics.quantiles(self.late, n=100)[-1] * 1000 if len(self.late) > 100 else worst
        verdict = "ok" if worst < GOAL_MS else "OVER"
        return f"{name:<46} {seconds:7.2f} s   worst {worst:7.1f} ms   p99 {p99:6.1f} ms  {verdict}"


def feed_xml(entries: int) -> bytes:
    items = "".join(
        f"<item><title>Story {n}</title><link>https://example.com/{n}</link>"
        f"<guid>g{n}</guid><description>Summary of story {n}, with a few words.</description>"
        f"<pubDate>Sat, 28 Nov 2026 08:00:00 GMT</pubDate></item>"
        for n in range(entries)
    )
    head = '<?xml version="1.0"?><rss version="2.0"><channel><title>Big</title>'
    return f"{head}{items}</channel></rss>".encode()


def big_digest(items: int = 500) -> Digest:
    from datetime import UTC, datetime

    summary = "模型与**芯片**的新闻：" + "一句很长的话，讲述了发生的事情。" * 12
    return Digest(
        "bench/big",
        "bench",
        "A digest of 500 items",
        datetime(2026, 11, 28, tzinfo=UTC),
        (),
        tuple(
            Item(n, f"Headline {n}", "Author", f"https://e.com/{n}", summary, topics=("chips",))
            for n in range(1, items + 1)
        ),
    )


async def main() -> None:
    print(f"{'case':<46} {'time':>9}   loop stall (goal: worst under {GOAL_MS:.0f} ms)")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "posts"
        folder.mkdir()
        cases = {
            "500 KB of [": brackets(500_000),
            "380 KB of *a ... a* emphasis": emphasis(380_000),
            "10,000 canonical items": canonical_items(10_000),
            "10,000 bullets under one heading": bullet_items(10_000),
        }
        db = await connect(Path(tmp) / "bench.db")
        http = httpx.AsyncClient()
        try:
            for name, text in cases.items():
                path = folder / f"{len(list(folder.iterdir()))}.md"
                path.write_text(text, encoding="utf-8")
                async with Ticker() as ticker:
                    started = time.perf_counter()
                    await ingest_targets(db, [str(path)], http, merge_budget=0)
                    print(ticker.row(f"ingest: {name}", time.perf_counter() - started))

            body = feed_xml(10_000)

            async def serve(_: web.Request) -> web.Response:
                return web.Response(body=body, content_type="application/rss+xml")

            app = web.Application()
            app.router.add_get("/feed.xml", serve)
            runner = web.AppRunner(app)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            try:
                async with Ticker() as ticker:
                    started = time.perf_counter()
                    url = f"http://127.0.0.1:{port}/feed.xml"
                    await ingest_targets(db, [url], http, merge_budget=0)
                    print(ticker.row("ingest: a 10,000-entry feed", time.perf_counter() - started))
            finally:
                await runner.cleanup()
        finally:
            await http.aclose()
            await db.close()

    digest = big_digest()
    profile = Profile(topics=frozenset({"chips"}))
    async with Ticker() as ticker:
        started = time.perf_counter()
        await asyncio.sleep(0)
        render_digest(digest, profile)
        await asyncio.sleep(0.002)
        print(ticker.row("render 500 items, on the loop", time.perf_counter() - started))
    async with Ticker() as ticker:
        started = time.perf_counter()
        await asyncio.to_thread(render_digest, digest, Profile(format="brief"))
        print(ticker.row("render 500 items, in a thread", time.perf_counter() - started))


if __name__ == "__main__":
    asyncio.run(main())
