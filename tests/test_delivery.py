"""The delivery engine end to end: a real SQLite file, the real PTB ExtBot over real HTTP
to the local Bot API stand-in, faults injected by the stand-in."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from telegram.ext import ExtBot
from telegram.request import HTTPXRequest

from bot.delivery.engine import DeliveryEngine
from bot.delivery.ratelimit import SendRateLimiter
from bot.delivery.sender import BulkSender
from bot.delivery.window import SendWindow
from bot.digest.markup import html_to_plain
from bot.digest.render import render_digest
from bot.local_api import LocalBotApi
from bot.preferences import quiet_until
from storage import deliveries
from storage.db import connect
from storage.digests import save_digest
from storage.subscribers import get_subscriber, get_subscribers, set_status, update_preferences
from tests.delivery_runner import HANG_GUARD, add_subscribers, make_digest, preferences

FAST_RETRIES = (0.1, 0.2, 0.4, 0.8, 1.6)
IN_FLIGHT = 8  # the send window's upper bound in these tests
ROOT = Path(__file__).resolve().parents[1]


async def make_bot(api: LocalBotApi, rate: float = 3000) -> ExtBot:
    # Per-chat pacing shortened so the tests stay fast; overall pacing as in production.
    limiter = SendRateLimiter(rate, private_interval=0.01, group_period=0.5)
    # A small pool: httpcore's pool costs O(requests x connections) per request.
    request = HTTPXRequest(connection_pool_size=8)
    bot = ExtBot(api.token, base_url=f"{api.base_url}/bot", rate_limiter=limiter, request=request)
    await bot.initialize()
    return bot


def make_sender(api: LocalBotApi, bot: ExtBot) -> BulkSender:
    """The engine's lean send path, sharing the bot's rate limiter."""
    return BulkSender(
        token=api.token,
        base_url=f"{api.base_url}/bot",
        rate_limiter=bot.rate_limiter,
        connections=IN_FLIGHT,
    )


async def deliver_all(
    api: LocalBotApi, db, *, idle_within: float, bulk: bool = False
) -> DeliveryEngine:
    """Run an engine (fast retries) until nothing is left to send, then shut it down."""
    bot = await make_bot(api)
    sender = make_sender(api, bot) if bulk else None
    engine = DeliveryEngine(
        bot, db, window=SendWindow(high=IN_FLIGHT), retry_delays=FAST_RETRIES, sender=sender
    )
    try:
        await engine.run_until_idle(timeout=idle_within)
    finally:
        await engine.stop()
        if sender is not None:
            await sender.close()
        await bot.shutdown()
    return engine


async def expected_parts(db, digest) -> dict[int, list[str]]:
    """What each active chat should receive, rendered independently of the engine."""
    from storage.digests import get_digest

    digest = await get_digest(db, digest.id) or digest  # as stored: with its topics
    async with db.execute("SELECT chat_id FROM subscribers WHERE status = 'active'") as cursor:
        chat_ids = [row[0] for row in await cursor.fetchall()]
    subscribers = await get_subscribers(db, chat_ids)
    cache: dict[str, list[str]] = {}
    wanted = {}
    for chat_id, subscriber in subscribers.items():
        key = subscriber.profile().key()
        if key not in cache:
            cache[key] = render_digest(digest, subscriber.profile())
        wanted[chat_id] = cache[key]
    return wanted


async def ledger(db, digest_id: str) -> Counter:
    async with db.execute(
        "SELECT status, count(*) FROM deliveries WHERE digest_id = ? GROUP BY status",
        (digest_id,),
    ) as cursor:
        return Counter({status: n for status, n in await cursor.fetchall()})


async def test_fan_out_with_faults_delivers_every_part_once_in_order(db):
    chat_ids = list(range(1, 1001))
    await add_subscribers(db, chat_ids)
    blocked = [c for c in chat_ids if c % 97 == 5]  # 403: blocked the bot
    flaky = [c for c in chat_ids if c % 89 == 4]  # two 500s, then fine
    digest = make_digest(items=8)  # full: two parts; brief, headlines, topics-only: one
    async with LocalBotApi() as api:
        api.fail_randomly(0.1, 429, retry_after=1, seed=7)
        for chat_id in blocked:
            api.fail_chat(chat_id, 403, "Forbidden: bot was blocked by the user")
        for chat_id in flaky:
            api.fail_chat(chat_id, 500, "Internal Server Error", times=2)
        assert await save_digest(db, digest) == "new"
        wanted = await expected_parts(db, digest)
        engine = await deliver_all(api, db, idle_within=HANG_GUARD, bulk=True)

        # Every send went the BulkSender way, none through PTB.
        assert engine.sender.posts == len(api.sent) + len(api.failures)
        assert [m for m, _ in api.calls if m == "sendMessage"] == [
            "sendMessage"
        ] * engine.sender.posts
        topics_only = {c for c in chat_ids if preferences(c)["alerts_mode"] == "topics"}
        for chat_id in chat_ids:
            got = [m.text for m in api.messages_for(chat_id)]
            if chat_id in blocked:
                assert got == [], chat_id
            else:
                assert got == wanted[chat_id], chat_id  # every part, once, in order
            if chat_id in topics_only and chat_id not in blocked:
                assert len(got) == 1 and "robot" in got[0] and "Update number" not in got[0]
        assert any(m.link_preview_options == {"is_disabled": False} for m in api.sent)
        assert all(m.parse_mode == "HTML" for m in api.sent)
        assert Counter(status for _, _, status, _ in api.failures)[429] > 50

    for chat_id in blocked:
        assert (await get_subscriber(db, chat_id)).status == "blocked"
    profiles = {s.profile().key() for s in (await get_subscribers(db, chat_ids)).values()}
    async with db.execute(
        "SELECT count(DISTINCT profile) FROM renders WHERE digest_id = ?", (digest.id,)
    ) as cursor:
        (rendered,) = await cursor.fetchone()
    assert engine.render_calls == rendered == len(profiles) >= 12
    counts = await ledger(db, digest.id)
    assert set(counts) == {"sent", "skipped"}
    assert counts["sent"] == sum(len(wanted[c]) for c in chat_ids if c not in blocked)
    stats = await deliveries.delivery_stats(db)
    assert stats.pending == 0 and stats.failed == 0
    assert stats.last_fanout is not None and stats.last_fanout.parts == counts["sent"]
    assert stats.latency_p50 is not None and stats.latency_p95 >= stats.latency_p50


async def test_parts_stay_in_order_when_a_chat_gets_429(db):
    await add_subscribers(db, [3, 6])  # full format: three parts each
    digest = make_digest()
    async with LocalBotApi() as api:
        api.fail_chat(3, 429, retry_after=1, times=1)
        await save_digest(db, digest)
        await deliver_all(api, db, idle_within=HANG_GUARD)
        for chat_id in (3, 6):
            labels = [m.text.split("\n", 1)[0][-5:] for m in api.messages_for(chat_id)]
            assert labels == ["(1/3)", "(2/3)", "(3/3)"]


@pytest.mark.parametrize("path", ["own sender", "given sender"])
async def test_errors_block_fall_back_to_plain_fail_or_give_up(db, path):
    await add_subscribers(db, [3, 6, 9, 12, 15, 18])  # all full format
    digest = make_digest(items=2)  # one part
    async with LocalBotApi() as api:
        api.fail_chat(3, 400, "Bad Request: chat not found")
        api.fail_chat(6, 400, "Bad Request: message is too long")
        api.fail_chat(9, 502, "Bad Gateway", times=3)  # an outage: tried until it ends
        api.fail_chat(12, 403, "Forbidden: bot was kicked from the group chat")
        await save_digest(db, digest)
        # Chat 15's profile renders to broken HTML: the stand-in answers "can't parse entities".
        broken = "<b>Digest</b> <i>unclosed & odd <a href='x'>"
        await update_preferences(db, 15, previews=True)  # a profile of its own
        profile = (await get_subscriber(db, 15)).profile()
        await deliveries.store_render(db, digest.id, profile.key(), [broken], profile.previews)
        bot = await make_bot(api)
        sender = make_sender(api, bot) if path == "given sender" else None
        engine = DeliveryEngine(bot, db, retry_delays=(0.05,) * 5, sender=sender)
        try:
            await engine.run_until_idle(timeout=HANG_GUARD)
        finally:
            await engine.stop()
            if sender is not None:
                await sender.close()
            await bot.shutdown()
        profile_18 = (await get_subscriber(db, 18)).profile()
        assert [m.text for m in api.messages_for(18)] == render_digest(digest, profile_18)
        (plain,) = api.messages_for(15)
        assert plain.parse_mode is None and plain.text == html_to_plain(broken)
        for chat_id in (3, 6, 12):
            assert api.messages_for(chat_id) == []
        assert len(api.messages_for(9)) == 1  # after the server errors

    async with db.execute(
        "SELECT chat_id, status, last_error, attempts FROM deliveries ORDER BY chat_id"
    ) as cursor:
        rows = {r[0]: tuple(r[1:]) for r in await cursor.fetchall()}
    assert rows[3][0] == "skipped" and "chat not found" in rows[3][1].lower()
    assert rows[6][:2] == ("failed", "BadRequest: Message is too long")
    assert rows[9][0] == "sent"
    assert rows[12][0] == "skipped"
    assert rows[15][0] == rows[18][0] == "sent"
    assert (await get_subscriber(db, 3)).status == "blocked"
    assert (await get_subscriber(db, 12)).status == "blocked"
    assert (await get_subscriber(db, 6)).status == "active"


async def test_paused_after_planning_is_skipped_and_never_sent(db):
    now = [datetime(2025, 12, 20, 23, 30, tzinfo=UTC).timestamp()]
    await add_subscribers(db, [3, 6])
    await update_preferences(db, 3, quiet_from=22, quiet_to=7)  # planned, held back
    digest = make_digest(items=2)
    async with LocalBotApi() as api:
        await save_digest(db, digest)
        bot = await make_bot(api)
        engine = DeliveryEngine(bot, db, clock=lambda: now[0])
        try:
            await engine.run_until_idle(timeout=HANG_GUARD)
            await set_status(db, 3, "paused")  # /stop before the quiet hours end
            now[0] += 12 * 3600
            engine.wake()
            await engine.run_until_idle(timeout=HANG_GUARD)
        finally:
            await engine.stop()
            await bot.shutdown()
        assert api.messages_for(3) == [] and len(api.messages_for(6)) == 1
    async with db.execute("SELECT status, last_error FROM deliveries WHERE chat_id = 3") as c:
        assert [tuple(r) for r in await c.fetchall()] == [("skipped", "unsubscribed")]


async def test_quiet_hours_defer_until_the_window_ends(db):
    now = [datetime(2025, 12, 20, 23, 30, tzinfo=UTC).timestamp()]
    await add_subscribers(db, [3, 6])
    await update_preferences(db, 3, quiet_from=22, quiet_to=7, tz="UTC")
    digest = make_digest(items=2)
    async with LocalBotApi() as api:
        await save_digest(db, digest)
        bot = await make_bot(api)
        engine = DeliveryEngine(bot, db, clock=lambda: now[0], poll_seconds=0.1)
        try:
            await engine.run_until_idle(timeout=HANG_GUARD)
            assert api.messages_for(3) == [] and len(api.messages_for(6)) == 1
            async with db.execute("SELECT not_before FROM deliveries WHERE chat_id = 3") as c:
                (not_before,) = await c.fetchone()
            assert not_before == datetime(2025, 12, 21, 7, 0, tzinfo=UTC).timestamp()
            now[0] = not_before + 1  # the window ends
            engine.wake()
            await engine.run_until_idle(timeout=HANG_GUARD)
            assert len(api.messages_for(3)) == 1
        finally:
            await engine.stop()
            await bot.shutdown()


def test_quiet_until_wraps_midnight_and_uses_the_chat_zone():
    at = datetime(2025, 6, 1, 15, 0, tzinfo=UTC).timestamp()  # 23:00 in Shanghai
    shanghai = quiet_until(22, 8, "Asia/Shanghai", at)
    assert shanghai == datetime(2025, 6, 2, 0, 0, tzinfo=UTC).timestamp()
    assert quiet_until(9, 17, "UTC", at) == datetime(2025, 6, 1, 17, 0, tzinfo=UTC).timestamp()
    assert quiet_until(1, 6, "UTC", at) is None
    assert quiet_until(None, None, "", at) is None
    # A fixed offset typed as UTC+8 behaves like Shanghai (no DST there).
    assert quiet_until(22, 8, "UTC+08:00", at) == shanghai


async def test_newer_digest_waits_for_the_older_one_per_chat(db):
    await add_subscribers(db, [3])
    older = make_digest("test/older", published_at=datetime(2025, 12, 20, 4, 0, tzinfo=UTC))
    newer = make_digest("test/newer", published_at=datetime(2025, 12, 20, 8, 0, tzinfo=UTC))
    async with LocalBotApi() as api:
        api.fail_chat(3, 429, retry_after=1, times=1)
        await save_digest(db, newer)  # ingested first, published later
        await save_digest(db, older)
        await deliver_all(api, db, idle_within=HANG_GUARD)
        got = [m.text for m in api.messages_for(3)]
        profile = (await get_subscriber(db, 3)).profile()
        assert got == render_digest(older, profile) + render_digest(newer, profile)


# --- crash safety: the engine in its own process ------------------------------------------


async def _spawn_engine(db_path: Path, api: LocalBotApi, *, until_idle: bool, in_flight: int):
    args = [sys.executable, "-m", "bot.delivery", "--db", str(db_path), "--api", api.base_url]
    args += ["--token", api.token, "--rate", "400", "--max-in-flight", str(in_flight)]
    args += ["--poll", "0.1"]
    if until_idle:
        args += ["--until-idle", "--timeout", "30"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return await asyncio.create_subprocess_exec(
        *args, cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )


async def _prepare(tmp_path: Path, chats: int):
    db_path = tmp_path / "crash.db"
    db = await connect(db_path)
    await add_subscribers(db, [c for c in range(1, chats + 1) if c % 10 != 7])
    digest = make_digest()
    await save_digest(db, digest)
    return db, db_path, await expected_parts(db, digest)


def _collapse(texts: list[str]) -> list[str]:
    """Drop immediate repeats: a part sent twice around a crash."""
    return [t for i, t in enumerate(texts) if i == 0 or texts[i - 1] != t]


async def test_engine_process_survives_sigterm_then_sigkill(tmp_path):
    in_flight = 8
    db, db_path, wanted = await _prepare(tmp_path, 150)
    digest_id = "test/2025-12-20-12"
    total = sum(len(parts) for parts in wanted.values())
    async with LocalBotApi() as api:
        # SIGTERM a third of the way: parts in flight finish and are recorded, no more.
        first = await _spawn_engine(db_path, api, until_idle=False, in_flight=in_flight)
        await api.wait_for_messages(total // 3, timeout=HANG_GUARD)
        first.send_signal(signal.SIGTERM)
        _, err = await first.communicate()
        assert first.returncode == 0, err.decode()
        received = len(api.sent)
        assert received < total, "the engine finished before SIGTERM: make the run longer"
        counts = await ledger(db, digest_id)
        assert counts["sent"] == received and counts["sending"] == 0
        assert len({(m.chat_id, m.text) for m in api.sent}) == received  # nothing twice

        # SIGKILL two thirds of the way: whatever was in flight may go twice, nothing more.
        second = await _spawn_engine(db_path, api, until_idle=False, in_flight=in_flight)
        await api.wait_for_messages(2 * total // 3, timeout=HANG_GUARD)
        second.kill()
        await second.communicate()
        assert len(api.sent) < total, "the engine finished before SIGKILL: make the run longer"

        third = await _spawn_engine(db_path, api, until_idle=True, in_flight=in_flight)
        _, err = await third.communicate()
        assert third.returncode == 0, err.decode()

        duplicates = 0
        for chat_id, parts in wanted.items():
            got = [m.text for m in api.messages_for(chat_id)]
            assert _collapse(got) == parts, chat_id  # nothing lost, order kept
            duplicates += len(got) - len(parts)
        assert duplicates <= in_flight  # the bound: the send window's slots
    counts = await ledger(db, digest_id)
    await db.close()
    assert counts == Counter({"sent": total})
