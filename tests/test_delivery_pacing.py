"""The delivery engine's pacing over a slow network: the send window follows the round trip
(rate x rtt in flight, not a fixed pool), a chat's next part waits for its pacing without
holding a slot, and per-chat floods do not slow the bot down. Real SQLite, the real PTB
bot and sender over real HTTP to the stand-in, which answers each send after `latency`."""

from __future__ import annotations

import itertools
import logging

from telegram.ext import ExtBot

from bot.delivery.engine import DeliveryEngine
from bot.delivery.ratelimit import SendRateLimiter
from bot.delivery.window import SendWindow
from bot.local_api import LocalBotApi
from storage.db import connect
from storage.digests import save_digest
from tests.delivery_runner import add_subscribers, make_digest
from tests.test_delivery import expected_parts, ledger


async def run_engine(api: LocalBotApi, db, limiter: SendRateLimiter, **options) -> DeliveryEngine:
    bot = ExtBot(api.token, base_url=f"{api.base_url}/bot", rate_limiter=limiter)
    await bot.initialize()
    engine = DeliveryEngine(bot, db, retry_delays=(0.1,) * 5, **options)
    try:
        await engine.run_until_idle(timeout=30)
    finally:
        await engine.stop()
        await bot.shutdown()
    return engine


def brief_chats(count: int, start: int = 1) -> list[int]:
    """Chats whose preferences give one part per digest of 8 items (brief or headlines)."""
    ids = (c for c in itertools.count(start) if c % 3 != 0 and c % 10 != 7)
    return list(itertools.islice(ids, count))


async def test_the_window_follows_the_round_trip(tmp_path):
    """At 400 msg/s a 200 ms round trip needs 80 sends in flight (32 fixed workers would cap
    it at 160/s); a 10 ms one needs 4. The window is sized from the measured averages."""
    rate = 400.0
    found = {}
    for latency in (0.2, 0.01):
        db = await connect(tmp_path / f"rtt-{latency}.db")
        chats = brief_chats(240)
        await add_subscribers(db, chats)
        try:
            async with LocalBotApi(latency=latency) as api:
                await save_digest(db, make_digest(items=8))
                limiter = SendRateLimiter(rate, private_interval=0.01)
                engine = await run_engine(api, db, limiter)
                assert len(api.sent) == len(chats)
        finally:
            await db.close()
        rtt = engine.sender.rtt
        assert latency <= rtt < latency + 0.1
        found[latency] = (engine.window.limit, engine.window.peak, rtt, engine.ledger.latency)
    limit, peak, rtt, record = found[0.2]
    assert rate * rtt <= limit <= rate * (rtt + record) * 1.5 + 10  # Little's law, + headroom
    assert peak >= 0.8 * rate * 0.2  # that many sends were in flight at once
    small_limit, small_peak, rtt, record = found[0.01]
    assert small_limit <= rate * (rtt + record) * 1.5 + 10 < limit
    assert small_peak < peak


async def test_a_chat_waiting_for_its_pacing_holds_no_slot(db):
    """One slot only. Chat 3's part 2 must wait 0.5 s after its part 1; ten other chats'
    parts come due 0.1 s after it starts. They go during chat 3's wait, not after it."""
    await add_subscribers(db, [3, *brief_chats(10, start=100)])
    digest = make_digest(items=19)  # chat 3 (full format): three parts
    async with LocalBotApi() as api:
        await save_digest(db, digest)
        wanted = await expected_parts(db, digest)
        assert len(wanted[3]) == 3
        limiter = SendRateLimiter(1000, private_interval=0.5)
        bot = ExtBot(api.token, base_url=f"{api.base_url}/bot", rate_limiter=limiter)
        await bot.initialize()
        engine = DeliveryEngine(bot, db, window=SendWindow(low=1, high=1))
        try:
            while await engine.planner.plan_batch(500):
                pass
            async with db.transaction() as conn:  # the others are due a little later
                await conn.execute(
                    "UPDATE deliveries SET not_before = ? WHERE chat_id != 3",
                    (engine.clock() + 0.1,),
                )
            await engine.run_until_idle(timeout=10)
        finally:
            await engine.stop()
            await bot.shutdown()
        order = [m.chat_id for m in api.sent]
        third = [m for m in api.sent if m.chat_id == 3]
        assert [m.text for m in third] == wanted[3]
        assert all(b.ts - a.ts >= 0.5 - 0.01 for a, b in itertools.pairwise(third))
        second_of_3 = order.index(3, 1)
        assert sorted(order[1:second_of_3]) == sorted(c for c in wanted if c != 3)
        assert engine.window.peak == 1


async def test_per_chat_floods_do_not_slow_the_bot_down(db, caplog):
    """10 of 200 chats answer 429 twice (retry_after 1 s): they are paused together and
    retried together; their second 429s are repeats, not evidence of a global limit."""
    caplog.set_level(logging.INFO, logger="bot.delivery.ratelimit")
    chats = brief_chats(200)
    flooded = chats[::20]
    await add_subscribers(db, chats)
    digest = make_digest(items=8)
    async with LocalBotApi(latency=0.02) as api:
        for chat_id in flooded:
            api.fail_chat(chat_id, 429, retry_after=1, times=2)
        await save_digest(db, digest)
        wanted = await expected_parts(db, digest)
        limiter = SendRateLimiter(400, private_interval=0.01)
        await run_engine(api, db, limiter)
        for chat_id in chats:
            assert [m.text for m in api.messages_for(chat_id)] == wanted[chat_id]
        assert len(api.failures) == 20
    assert limiter.current_rate == 400
    messages = [r.getMessage() for r in caplog.records]
    assert not any("global flood limit" in m for m in messages)
    assert sum("a per-chat flood" in m for m in messages) == 10
    assert await ledger(db, digest.id) == {"sent": len(chats)}
