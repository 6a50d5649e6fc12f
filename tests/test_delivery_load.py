"""Hostile load on the delivery ledger, end to end (real SQLite file, the stand-in over HTTP):
- `digest-bot ingest` in another process storing hundreds of posts while a fan-out runs;
- the database locked by another connection past the busy timeout, again and again;
- two engines on one database file.
Every part reaches its chat exactly once and in order; nothing is left 'sending'."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
import threading
from collections import Counter
from pathlib import Path

from telegram.ext import ExtBot

import storage.db
from bot.delivery.engine import DeliveryEngine
from bot.digest.parse import parse_file
from bot.digest.render import render_digest
from bot.local_api import LocalBotApi
from storage.db import connect
from storage.digests import get_digest, save_digest
from storage.subscribers import get_subscribers
from tests.delivery_runner import HANG_GUARD, GatedLimiter, add_subscribers, make_digest
from tests.test_delivery import expected_parts

ROOT = Path(__file__).resolve().parents[1]
POSTS = int(os.environ.get("DELIVERY_LOAD_POSTS", "400"))  # the figure: 1,200
TOPICS = ("models", "agents", "chips", "research", "products", "opensource", "funding")


def neutral_post(n: int) -> str:
    """A post in the canonical layout about nothing any subscriber follows."""
    day, hour = 1 + n % 28, n % 24
    items = "\n\n".join(
        f"{k}.  [Garden note {n}-{k} on tomatoes and basil - Grower {k}]"
        f"(https://example.org/garden/{n}/{k})\n\n"
        f"    Water the **seedlings** early; mulch keeps the beds moist through dry weeks."
        for k in range(1, 4)
    )
    return (
        f'---\ntitle: "Garden notes {n}"\ndate: 2025-11-{day:02d}T{hour:02d}:00:00+08:00\n'
        f'categories: ["Garden"]\n---\n\n{items}\n'
    )


async def add_topic_followers(db, chat_ids: list[int]) -> None:
    """Subscribers who get only items of the topics they follow; full or brief format."""
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO subscribers (chat_id, format, alerts_mode, created_ts, updated_ts)"
            " VALUES (?, ?, 'topics', 0, 0)",
            [(c, "full" if c % 2 else "brief") for c in chat_ids],
        )
        await conn.executemany(
            "INSERT INTO follows (chat_id, topic) VALUES (?, ?)",
            [(c, topic) for c in chat_ids for topic in TOPICS],
        )


async def stored_parts(db, digest_id: str, chat_ids: list[int]) -> dict[int, list[str]]:
    """What each chat should receive of a stored digest, rendered apart from the engine."""
    digest = await get_digest(db, digest_id)
    assert digest is not None
    subscribers = await get_subscribers(db, chat_ids)
    return {c: render_digest(digest, s.profile()) for c, s in subscribers.items()}


async def statuses(db) -> Counter:
    async with db.execute("SELECT status, count(*) FROM deliveries GROUP BY status") as cursor:
        return Counter(dict(await cursor.fetchall()))


def count_duplicates(api: LocalBotApi) -> int:
    seen = Counter((m.chat_id, m.text) for m in api.sent)
    return sum(n - 1 for n in seen.values())


async def test_ingest_in_another_process_during_a_fan_out(tmp_path, shared_data):
    """300 subscribers; the canonical post, then POSTS more stored by `digest-bot ingest`
    in its own process while the fan-out runs: 0 duplicates, 0 parts stuck 'sending'.
    The fan-out is held after its first 30 sends until the ingest has ended (a gate in
    the limiter, before the wire), so it is mid-way however fast the machine is."""
    chats = list(range(1, 301))
    db = await connect(tmp_path / "bot.db")
    await add_topic_followers(db, chats)
    canonical = parse_file(shared_data / "digests" / "canonical" / "2025-12-20-12.md")
    await save_digest(db, canonical)
    wanted = await stored_parts(db, canonical.id, chats)
    total = sum(len(parts) for parts in wanted.values())
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    for n in range(POSTS):
        (incoming / f"garden-{n:04d}.md").write_text(neutral_post(n), encoding="utf-8")
    try:
        async with LocalBotApi(latency=0.01) as api:
            ingested = asyncio.Event()
            limiter = GatedLimiter(400, private_interval=0.01, gate=ingested, open_for=30)
            bot = ExtBot(api.token, base_url=f"{api.base_url}/bot", rate_limiter=limiter)
            await bot.initialize()
            engine = DeliveryEngine(bot, db, poll_seconds=0.2)
            try:
                await engine.start()
                await api.wait_for_messages(30, timeout=HANG_GUARD)
                ingest = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "bot", "ingest", str(incoming),
                    env={**os.environ, "DATABASE_PATH": str(tmp_path / "bot.db")},
                    cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
                )  # fmt: skip
                out, err = await asyncio.wait_for(ingest.communicate(), 300)
                assert ingest.returncode == 0, err.decode()[-2000:]
                assert f"{POSTS} new" in out.decode()
                during = len(api.sent)
                ingested.set()
                await engine.run_until_idle(timeout=HANG_GUARD)
            finally:
                ingested.set()
                await engine.stop()
                await bot.shutdown()
            assert during == 30 < total  # the gate held the rest until the ingest ended
            for chat_id in chats:
                assert [m.text for m in api.messages_for(chat_id)] == wanted[chat_id], chat_id
            assert count_duplicates(api) == 0
        counts = await statuses(db)
        assert counts["sending"] == counts["pending"] == counts["planned"] == 0
        assert counts["sent"] == total
        assert counts["skipped"] == POSTS * len(chats)  # garden notes: no followed topic
    finally:
        await db.close()


def hold_the_lock(
    path: Path, stop: threading.Event, held: list[int], twice: threading.Event
) -> None:
    """Another writer: holds the write lock 0.4 s of every 0.5 s until told to stop;
    `twice` is set once it has taken the lock twice."""
    conn = sqlite3.connect(path, isolation_level=None, timeout=30)
    try:
        while not stop.is_set():
            conn.execute("BEGIN IMMEDIATE")
            held[0] += 1
            if held[0] >= 2:
                twice.set()
            stop.wait(0.4)
            conn.execute("COMMIT")
            stop.wait(0.1)
    finally:
        conn.close()


async def test_ledger_writes_that_fail_are_retried_never_resent_never_stuck(tmp_path, monkeypatch):
    """The database stays locked past the busy timeout (0.1 s here) for most of the run:
    'sent' marks (and every other ledger write) fail and are retried until they succeed.
    No part is sent twice, none is left 'sending'. After 10 sends the rest wait (before
    the wire) until the other writer has taken the lock twice, so they run beside it."""
    monkeypatch.setattr(storage.db, "BUSY_TIMEOUT_MS", 100)
    path = tmp_path / "locked.db"
    db = await connect(path)
    chats = list(range(1, 301))
    await add_subscribers(db, chats)
    digest = make_digest(items=8)
    await save_digest(db, digest)
    wanted = await expected_parts(db, digest)
    stop, held, twice = threading.Event(), [0], threading.Event()
    locker = threading.Thread(target=hold_the_lock, args=(path, stop, held, twice))
    try:
        async with LocalBotApi() as api:
            locked = asyncio.Event()
            limiter = GatedLimiter(400, private_interval=0.01, gate=locked, open_for=10)
            bot = ExtBot(api.token, base_url=f"{api.base_url}/bot", rate_limiter=limiter)
            await bot.initialize()
            engine = DeliveryEngine(bot, db, poll_seconds=0.1)
            try:
                await engine.start()
                await api.wait_for_messages(10, timeout=HANG_GUARD)
                locker.start()
                assert await asyncio.to_thread(twice.wait, HANG_GUARD)
                locked.set()
                await api.wait_for_messages(len(chats), timeout=HANG_GUARD)
                stop.set()
                await asyncio.to_thread(locker.join)
                await engine.run_until_idle(timeout=HANG_GUARD)
            finally:
                stop.set()
                locked.set()
                await engine.stop()
                await bot.shutdown()
            assert held[0] >= 2 and engine.ledger.failed_writes > 0
            for chat_id in chats:
                assert [m.text for m in api.messages_for(chat_id)] == wanted[chat_id], chat_id
            assert count_duplicates(api) == 0
        counts = await statuses(db)
        assert counts == Counter({"sent": sum(len(p) for p in wanted.values())})
    finally:
        await db.close()


async def test_two_engines_on_one_database_send_each_part_once(tmp_path):
    """Taking a part is one statement: two processes never both take it. Every send is
    held (before the wire) until both engines have taken parts, so both work at once
    however the machine schedules them."""
    path = tmp_path / "shared.db"
    dbs = [await connect(path) for _ in range(2)]
    chats = list(range(1, 301))
    await add_subscribers(dbs[0], chats)
    digest = make_digest(items=8)
    try:
        async with LocalBotApi() as api:
            bots, engines = [], []
            both_sending = asyncio.Event()
            limiters = [GatedLimiter(None, gate=both_sending) for _ in dbs]

            def open_when_both_asked() -> None:
                if all(limiter.asked for limiter in limiters):
                    both_sending.set()

            for db, limiter in zip(dbs, limiters, strict=True):
                limiter.on_ask = open_when_both_asked
                bot = ExtBot(api.token, base_url=f"{api.base_url}/bot", rate_limiter=limiter)
                await bot.initialize()
                bots.append(bot)
                engines.append(DeliveryEngine(bot, db, batch_size=20, poll_seconds=0.05))
            for engine in engines:
                await engine.start()  # both start before there is anything to take
            await save_digest(dbs[0], digest)
            wanted = await expected_parts(dbs[0], digest)
            try:
                await asyncio.gather(
                    *(engine.run_until_idle(timeout=HANG_GUARD) for engine in engines)
                )
            finally:
                for engine, bot in zip(engines, bots, strict=True):
                    await engine.stop()
                    await bot.shutdown()
            assert all(engine.sent_count > 0 for engine in engines)
            for chat_id in chats:
                assert [m.text for m in api.messages_for(chat_id)] == wanted[chat_id], chat_id
            assert count_duplicates(api) == 0
        assert await statuses(dbs[0]) == Counter({"sent": sum(len(p) for p in wanted.values())})
    finally:
        for db in dbs:
            await db.close()
