"""Hostile input and load, through the real bot and the Bot API stand-in."""

from __future__ import annotations

import statistics
import time

import pytest

from tests.bot_env import (
    BotEnv,
    running_bot,
    wait_until,
)

FLOODER, BYSTANDER = 301, 302


@pytest.fixture
async def paced(tmp_path):
    """The bot with Telegram's real per-chat pacing (1 message/s in a private chat)."""
    async with running_bot(tmp_path, limits=True) as running:
        yield running


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


async def test_a_huge_title_stored_as_it_is_breaks_no_reply(env):
    """A 6.4 KB title (stored without the parser's clipping) once broke /start for all."""
    from datetime import UTC, datetime

    from bot.digest.models import Digest, Item
    from storage.db import connect
    from storage.digests import save_digest

    db = await connect(env.settings.database_path)
    try:
        huge = Digest("test/huge", "test", "模型" * 3200, datetime(2026, 11, 29, tzinfo=UTC), (),
                      (Item(1, "T" * 6400, "A" * 6400, "https://e.com/1", "S"),))  # fmt: skip
        await save_digest(db, huge)
    finally:
        await db.close()
    for command in ("/start", "/latest", "/search 模型"):
        answers = await env.say(BYSTANDER, command)
        assert answers, command
        assert all(len(answer.text) <= 4096 for answer in answers), command


async def test_a_saved_search_belongs_to_its_chat(env):
    (page,) = await env.say(FLOODER, "/search 模型")
    (token,) = {data.split(":")[1] for row in page.buttons for _, data in row}
    other = (await env.say(BYSTANDER, "/settings"))[0]
    await env.press(BYSTANDER, other, f"s:{token}:5")  # another chat's token
    assert "expired" in env.callback_answers()[-1]["text"]
    await env.press(FLOODER, page, f"s:{token}:5")  # its own chat: the next page
    assert env.callback_answers()[-1].get("text") in (None, "")


@pytest.mark.parametrize(
    "data",
    [
        "s:AAAAAAAAAAAA:" + "9" * 400,  # a huge number
        "s:../../etc:0",
        "t:kw:",  # a keyword smuggled into a topic button
        "t:kw:-",
        "k:" + "0" * 12,  # no keyword of this chat has that token
        "set:tz:" + "A" * 60,
        "set:format:<b>",
        "forget:maybe",
        "",
    ],
)
async def test_forged_buttons_are_out_of_date_and_change_nothing(env, data):
    (panel,) = await env.say(BYSTANDER, "/settings")
    before = await env_subscriber(env)
    await env.press(BYSTANDER, panel, data)
    answer = env.callback_answers()[-1]
    assert "out of date" in answer["text"] or "expired" in answer["text"], data
    assert await env_subscriber(env) == before


async def env_subscriber(env):
    from storage import subscribers
    from storage.db import connect

    db = await connect(env.settings.database_path)
    try:
        return await subscribers.get_subscriber(db, BYSTANDER)
    finally:
        await db.close()


@pytest.mark.parametrize(
    "text",
    [
        "/search \ud800模型",
        "/follow \udfffgemini",
        "/frobnicate\ud800",
        "/tz " + "x" * 5000,
        "/tz \ud800",
        "\ud83d lone high surrogate as a search",
    ],
)
async def test_lone_surrogates_and_huge_values_get_an_answer(env, text):
    answers = await env.say(BYSTANDER, text)
    assert answers and "something went wrong" not in answers[-1].text, text


async def test_hostile_posts_beside_a_normal_one_are_refused_within_their_budget(
    tmp_path, monkeypatch, caplog
):
    """A poll of a folder with posts that take a minute or a gigabyte to parse: the normal
    post beside them is pushed within a poll interval plus the budget, each hostile one is
    refused (killed at its budget), and the poll goes on."""
    from bot.console import samples_dir
    from bot.sources import parse_worker
    from tests.bot_env import running_bot
    from tests.chat_env import services

    monkeypatch.setattr(parse_worker, "PARSE_SECONDS", 3.0)
    folder = tmp_path / "posts"
    folder.mkdir()
    front = "---\ntitle: Hostile\ndate: 2026-01-01T08:00:00+08:00\n---\n\n"
    hostile = {
        "emphasis.md": front + "*a " * 1_600_000,  # 1.3 GB and half a minute once
        "brackets.md": front + "1. " + "[" * 4_900_000,  # 56 s once
        "yaml-list.md": "---\ntitle: x\nlist:\n" + "- item\n" * 700_000 + "---\n\n- x\n",
    }
    for name, text in hostile.items():
        (folder / name).write_text(text, encoding="utf-8")
    normal = folder / "zz-last-by-name.md"  # parsed first all the same: the smallest
    normal.write_bytes((samples_dir() / "2026-11-28-16.md").read_bytes())
    async with running_bot(
        tmp_path, samples=False, digest_sources=[str(folder)], poll_interval=60
    ) as env:
        await env.say(42, "/start")
        # Within the first poll (1 s after start) plus one budget, with room for a busy box.
        await wait_until(lambda: len(env.api.messages_for(42)) > 1, timeout=1 + 3.0 + 10,
                         what="the normal post pushed")  # fmt: skip
        poller = services(env).poller
        await wait_until(lambda: poller.polls >= 1, timeout=60, what="the poll finished")
    pushed = env.api.messages_for(42)[1]
    assert "2026.11.28.16" in pushed.text
    skipped = [r.getMessage() for r in caplog.records if r.getMessage().startswith("skipped")]
    for name in ("emphasis.md", "brackets.md"):
        (line,) = [line for line in skipped if name in line]
        assert "refused: parsing it" in line or "refused: the parser died" in line, line
    (line,) = [line for line in skipped if "yaml-list.md" in line]
    assert "front matter is over 64 KB" in line
