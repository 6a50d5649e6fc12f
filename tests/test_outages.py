"""Telegram misbehaving (issue 23): server errors, HTML error pages and unreadable answers
keep parts pending until Telegram answers again, nothing lost and nothing sent twice; a
command reply sent during an outage is answered after it."""

from __future__ import annotations

import asyncio
import logging

import pytest
from telegram.ext import ExtBot

from bot.delivery.engine import DeliveryEngine
from bot.delivery.sender import BulkSender
from bot.delivery.window import SendWindow
from bot.local_api import LocalBotApi
from storage import deliveries
from storage.digests import save_digest
from tests.bot_env import ADMIN_ID, running_bot, wait_until
from tests.delivery_runner import add_subscribers, make_digest
from tests.test_delivery import FAST_RETRIES, expected_parts, make_bot, make_sender

OUTAGES = {"502 page": dict(status=502, kind="html"), "malformed JSON": dict(status=200,
           kind="malformed")}  # fmt: skip


@pytest.mark.parametrize("outage", OUTAGES)
async def test_an_outage_longer_than_the_retries_loses_nothing(db, caplog, outage):
    chat_ids = list(range(1, 31))
    await add_subscribers(db, chat_ids)
    digest = make_digest(items=8)
    async with LocalBotApi() as api:
        api.fail_method("sendMessage", **OUTAGES[outage])
        await save_digest(db, digest)
        wanted = await expected_parts(db, digest)
        bot = await make_bot(api)
        sender = make_sender(api, bot)
        # Retries for other errors end within 3.1 s: the outage outlasts them.
        engine = DeliveryEngine(
            bot, db, window=SendWindow(high=8), retry_delays=FAST_RETRIES, sender=sender
        )
        caplog.set_level(logging.WARNING, logger="bot.delivery.health")
        try:
            await engine.start()
            engine.wake()
            await wait_until(lambda: len(api.failures) >= len(chat_ids), what="every chat tried")
            await asyncio.sleep(4.0)  # the outage goes on
            assert engine.health.down and api.sent == []
            stats = await deliveries.delivery_stats(db)
            assert stats.failed == 0 and stats.pending > 0
            api.clear_faults()
            await engine.run_until_idle(timeout=30)
        finally:
            await engine.stop()
            await sender.close()
            await bot.shutdown()
        for chat_id in chat_ids:
            assert [m.text for m in api.messages_for(chat_id)] == wanted[chat_id], chat_id
    assert not engine.health.down
    warnings = [r.getMessage() for r in caplog.records if r.name == "bot.delivery.health"]
    assert len(warnings) == 2  # one when it started, one when it ended
    assert warnings[0].startswith("Telegram is failing")
    assert warnings[1].startswith("Telegram answers again")
    stats = await deliveries.delivery_stats(db)
    assert stats.failed == 0 and stats.pending == 0


async def test_a_chat_that_is_gone_still_ends_its_parts_during_an_outage(db):
    await add_subscribers(db, [3, 6])
    async with LocalBotApi() as api:
        api.fail_chat(3, 400, "Bad Request: chat not found")
        api.fail_chat(6, 502, kind="html", times=2)
        await save_digest(db, make_digest(items=2))
        bot = await make_bot(api)
        engine = DeliveryEngine(bot, db, retry_delays=FAST_RETRIES)
        try:
            await engine.run_until_idle(timeout=20)
        finally:
            await engine.stop()
            await bot.shutdown()
        assert len(api.messages_for(6)) == 1 and api.messages_for(3) == []
    async with db.execute("SELECT chat_id, status FROM deliveries ORDER BY chat_id") as cursor:
        assert [tuple(r) for r in await cursor.fetchall()] == [(3, "skipped"), (6, "sent")]


@pytest.mark.parametrize("outage", OUTAGES)
async def test_a_command_sent_during_an_outage_is_answered_after_it(tmp_path, outage):
    async with running_bot(tmp_path) as env:
        env.api.fail_method("sendMessage", **OUTAGES[outage])
        env.api.send_user_message(42, "/help", user_id=42)
        await wait_until(lambda: len(env.api.failures) >= 1, what="the reply tried")
        assert env.api.sent == []
        env.api.clear_faults()
        await wait_until(lambda: env.api.messages_for(42), timeout=10, what="/help answered")
        (answer,) = env.api.messages_for(42)
        assert "/latest" in answer.text


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_stats_shows_an_outage(tmp_path, lang):
    async with running_bot(tmp_path) as env:
        engine = env.application.bot_data["services"].engine
        engine.health.failed("NetworkError: Bad Gateway")
        engine.health.down_since -= 5  # failing for 5 s, no good answer between: an outage
        engine.health.failed("NetworkError: Bad Gateway")
        (answer,) = await env.say(ADMIN_ID, "/stats", language_code=lang)
        line = "Telegram is failing" if lang == "en" else "秒无法使用"
        assert line in answer.text and "Bad Gateway" in answer.text
        engine.health.answered()
        (answer,) = await env.say(ADMIN_ID, "/stats", language_code=lang)
        assert line not in answer.text


def test_only_answers_that_say_nothing_about_the_chat_are_outages():
    from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError, TimedOut

    from bot.delivery.health import is_outage

    assert is_outage(NetworkError("Bad Gateway (502)"))
    assert is_outage(TelegramError("Invalid server response"))
    for error in (BadRequest("Chat not found"), Forbidden("blocked"), TimedOut()):
        assert not is_outage(error)  # about the chat; a timeout may have been delivered


def impatient_sender(api: LocalBotApi, bot: ExtBot, *, answer_wait: float) -> BulkSender:
    """A bulk sender that gives up on an answer after 0.2 s and awaits a late one for
    `answer_wait` seconds in all."""
    return BulkSender(
        token=api.token,
        base_url=f"{api.base_url}/bot",
        rate_limiter=bot.rate_limiter,
        timeout=0.2,
        answer_wait=answer_wait,
    )


async def test_a_slow_answer_is_awaited_not_sent_twice(db):
    chat_ids = list(range(1, 21))
    await add_subscribers(db, chat_ids)
    digest = make_digest(items=8)
    async with LocalBotApi() as api:
        api.slow_answers(0.6, {"sendMessage"})  # delivered at once, answered 0.6 s later
        await save_digest(db, digest)
        wanted = await expected_parts(db, digest)
        bot = await make_bot(api)
        sender = impatient_sender(api, bot, answer_wait=2.0)
        engine = DeliveryEngine(bot, db, retry_delays=FAST_RETRIES, sender=sender)
        try:
            await engine.run_until_idle(timeout=60)
        finally:
            await engine.stop()
            await sender.close()
            await bot.shutdown()
        for chat_id in chat_ids:
            assert [m.text for m in api.messages_for(chat_id)] == wanted[chat_id], chat_id
    assert engine.late_answers > 0 and engine.possible_duplicates == 0


async def test_a_send_never_answered_is_sent_again_counted_and_logged(db, caplog):
    await add_subscribers(db, [3, 6])
    async with LocalBotApi() as api:
        api.slow_answers(30, {"sendMessage"})  # delivered, the answer never waited for
        await save_digest(db, make_digest(items=2))  # one part each
        bot = await make_bot(api)
        sender = impatient_sender(api, bot, answer_wait=0.5)
        engine = DeliveryEngine(bot, db, retry_delays=FAST_RETRIES, sender=sender)
        try:
            await engine.start()
            engine.wake()
            await wait_until(lambda: len(api.sent) == 2, what="both sent once")
            api.slow_answers(0, {"sendMessage"})
            await engine.run_until_idle(timeout=30)
        finally:
            await engine.stop()
            await sender.close()
            await bot.shutdown()
        twice = [c for c in (3, 6) if len(api.messages_for(c)) == 2]
    assert len(twice) == engine.possible_duplicates == 2  # bounded: each one counted
    logged = [r for r in caplog.records if "may arrive twice" in r.getMessage()]
    assert len(logged) == 2 and all(r.levelname == "WARNING" for r in logged)
