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
from storage.digests import save_digest
from tests.delivery_runner import HANG_GUARD, GatedLimiter, add_subscribers, make_digest
from tests.test_delivery import expected_parts, ledger


async def run_engine(api: LocalBotApi, db, limiter: SendRateLimiter, **options) -> DeliveryEngine:
    bot = ExtBot(api.token, base_url=f"{api.base_url}/bot", rate_limiter=limiter)
    await bot.initialize()
    engine = DeliveryEngine(bot, db, retry_delays=(0.1,) * 5, **options)
    try:
        await engine.run_until_idle(timeout=HANG_GUARD)
    finally:
        await engine.stop()
        await bot.shutdown()
    return engine


def brief_chats(count: int, start: int = 1) -> list[int]:
    """Chats whose preferences give one part per digest of 8 items (brief or headlines)."""
    ids = (c for c in itertools.count(start) if c % 3 != 0 and c % 10 != 7)
    return list(itertools.islice(ids, count))


def test_the_window_is_rate_times_round_trip() -> None:
    """Little's law: at 400 msg/s a 200 ms round trip needs 80 sends in flight (32 fixed
    workers would cap it at 160/s); a 10 ms one needs 4. Bounded both ways."""
    window = SendWindow(low=4, high=1000)
    slow = window.resize(400, 0.2, 0.0)
    assert 400 * 0.2 <= slow <= 400 * 0.2 * 1.5 + 2 and slow > 32
    fast = window.resize(400, 0.01, 0.0)
    assert 400 * 0.01 <= fast < slow
    assert window.resize(400, 0.2, 0.05) > slow  # the ledger write holds the slot too
    assert window.resize(400, None, None) == window.resize(400, window.initial_rtt, 0.0)
    assert window.resize(0, 0.2, 0.0) == window.unlimited  # limits lifted
    assert window.resize(10_000, 5.0, 1.0) == 1000 and window.resize(1, 0.01, 0) == 4


async def test_the_window_follows_the_measured_round_trip(db) -> None:
    """End to end over a 200 ms round trip at 400 msg/s: the sender measures at least
    the stand-in's latency (it cannot answer sooner), and the window grows from its
    initial guess (100 ms) to rate x that. How many were in flight, and how fast, is a
    figure of the machine: bench/window.py prints it."""
    rate, latency = 400.0, 0.2
    chats = brief_chats(240)
    await add_subscribers(db, chats)
    async with LocalBotApi(latency=latency) as api:
        await save_digest(db, make_digest(items=8))
        limiter = SendRateLimiter(rate, private_interval=0.01)
        engine = await run_engine(api, db, limiter)
        assert len(api.sent) == len(chats)
    rtt = engine.sender.rtt
    assert rtt is not None and rtt >= latency
    assert engine.window.limit >= rate * latency
    assert engine.window.limit > SendWindow().resize(rate, None, None)  # grew from its guess


async def test_a_chat_waiting_for_its_pacing_holds_no_slot(db):
    """One slot only. Chat 3's part 2 must wait `pacing` after its part 1; ten other chats'
    parts come due 0.1 s after it starts. They go during chat 3's wait, not after it.
    (`pacing` is 2 s, not 0.5: under two CPU hogs a 0.5 s stall let part 2 come due
    before the feeder took the others; the order is then a tie, not a fault.)"""
    pacing = 2.0
    await add_subscribers(db, [3, *brief_chats(10, start=100)])
    digest = make_digest(items=19)  # chat 3 (full format): three parts
    async with LocalBotApi() as api:
        await save_digest(db, digest)
        wanted = await expected_parts(db, digest)
        assert len(wanted[3]) == 3
        limiter = GatedLimiter(1000, private_interval=pacing)
        bot = ExtBot(api.token, base_url=f"{api.base_url}/bot", rate_limiter=limiter)
        await bot.initialize()
        engine = DeliveryEngine(bot, db, window=SendWindow(low=1, high=1), poll_seconds=0.1)
        try:
            while await engine.planner.plan_batch(500):
                pass
            async with db.transaction() as conn:  # the others are due a little later
                await conn.execute(
                    "UPDATE deliveries SET not_before = ? WHERE chat_id != 3",
                    (engine.clock() + 0.1,),
                )
            await engine.run_until_idle(timeout=HANG_GUARD)
        finally:
            await engine.stop()
            await bot.shutdown()
        order = [m.chat_id for m in api.sent]
        third = [m for m in api.sent if m.chat_id == 3]
        assert [m.text for m in third] == wanted[3]
        third_released = [at for chat_id, at in limiter.released if chat_id in (3, "3")]
        assert len(third_released) == 3  # paced by the limiter's clock, not by arrival:
        assert all(b - a >= pacing - 0.01 for a, b in itertools.pairwise(third_released))
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
