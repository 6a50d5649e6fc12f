"""Hostile input and load, through the real bot and the Bot API stand-in."""

from __future__ import annotations

import statistics
import time

import pytest

from bot.local_api import LocalBotApi
from tests.bot_env import BotEnv, make_settings, start_bot, stop_bot, store_samples, wait_until

FLOODER, BYSTANDER = 301, 302


@pytest.fixture
async def paced(tmp_path):
    """The bot with Telegram's real per-chat pacing (1 message/s in a private chat)."""
    async with LocalBotApi() as api:
        database = tmp_path / "bot.db"
        await store_samples(database)
        settings = make_settings(api, database)
        application = await start_bot(settings, limits=True)
        try:
            yield BotEnv(api, application, settings)
        finally:
            await stop_bot(application)


async def reply_time(env: BotEnv, chat_id: int, text: str) -> float:
    before = len(env.api.messages_for(chat_id))
    started = time.monotonic()
    env.api.send_user_message(chat_id, text, user_id=chat_id)
    await env.api.wait_for_messages(before + 1, chat_id=chat_id, timeout=30)
    return time.monotonic() - started


async def test_one_chats_flood_never_delays_another_chat(paced):
    """A sends 200 commands back to back; B's replies stay prompt. A's excess is dropped
    with one notice (its replies are paced at 1/s: 200 would take minutes)."""
    processor = paced.application.update_processor
    processor.max_waiting = 5  # production keeps 20; fewer here so the test ends sooner
    for n in range(200):
        paced.api.send_user_message(FLOODER, f"/follow w{n}", user_id=FLOODER)
    await wait_until(lambda: not paced.api.pending_updates, what="the flood fetched")
    # Ten other chats, one /help each (a chat's own replies are paced at 1/s anyway).
    times = [await reply_time(paced, BYSTANDER + n, "/help") for n in range(10)]
    p95 = statistics.quantiles(times, n=20)[-1]
    assert p95 < 1.0, times
    print(f"bystanders' reply p95 while a chat floods: {p95 * 1000:.0f} ms")
    assert processor.dropped >= 190
    notices = [m for m in paced.api.messages_for(FLOODER) if "faster than I can answer" in m.text]
    assert len(notices) <= 1
    await paced.api.wait_for_messages(1, chat_id=FLOODER, timeout=30)


async def test_big_posts_are_parsed_in_another_process_and_their_errors_kept(db, tmp_path):
    import httpx

    from bench.parse_worst import canonical_items
    from bot.sources.ingest import BIG_POST_BYTES, ingest_targets, shutdown_parsers

    folder = tmp_path / "posts"
    folder.mkdir()
    big = canonical_items(800)
    assert len(big.encode()) > BIG_POST_BYTES
    (folder / "2026-11-28-08.md").write_text(big, encoding="utf-8")
    (folder / "broken.md").write_bytes(b"\x00\x01\x02" * BIG_POST_BYTES)
    try:
        async with httpx.AsyncClient() as http:
            report = await ingest_targets(db, [str(folder)], http)
    finally:
        shutdown_parsers()
    assert len(report.new) == 1
    ((what, why),) = report.failed
    assert what.endswith("broken.md") and "binary" in why
