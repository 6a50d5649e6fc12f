"""What a new user meets first (the "first hour" issue), each as it was observed."""

from __future__ import annotations

import re

import pytest

from bot.digest.parse import parse_text
from bot.local_api import LocalBotApi
from storage.db import connect
from storage.digests import save_digest
from tests.bot_env import BotEnv, make_settings, running_bot, start_bot, stop_bot, store_samples

USER = 808

EMPTY_POST = """\
---
title: "2026.11.29.00 过去4小时全球AI发生了什么？"
date: 2026-11-29T00:00:00+08:00
---

Nothing happened.
"""


@pytest.fixture
async def fresh(tmp_path):
    """A bot on an empty database."""
    async with running_bot(tmp_path, samples=False) as running:
        yield running


async def test_usage_of_search_is_valid_html_and_shows_its_placeholder(env):
    for query in ("/search", "/search ???"):
        (usage,) = await env.say(USER, query)
        assert usage.parse_mode == "HTML"  # Telegram took the HTML: no plain fallback
        assert "/search <words>" in usage.plain_text


async def test_latest_skips_an_empty_newest_digest_and_says_so(env, tmp_path):
    db = await connect(env.settings.database_path)
    try:
        await save_digest(db, parse_text(EMPTY_POST, name="2026-11-29-00", source="test"))
    finally:
        await db.close()
    notice, *parts = await env.say(USER, "/latest")
    assert "2026.11.29.00" in notice.text and "has no items" in notice.text
    assert parts and "2026.11.28.16" in parts[0].text


async def test_stop_then_start_is_welcome_back_and_a_second_start_already(env):
    (welcome,) = await env.say(USER, "/start")
    assert "Welcome to the AI digest" in welcome.text
    await env.say(USER, "/stop")
    (back,) = await env.say(USER, "/start")
    assert "Welcome back" in back.text and "Welcome to" not in back.text
    (again,) = await env.say(USER, "/start")
    assert "already subscribed" in again.text


@pytest.mark.parametrize(
    ("command", "current", "choices"),
    [
        ("/format", "full", {"set:format:full", "set:format:brief", "set:format:headlines"}),
        ("/alerts", "every digest", {"set:alerts:all", "set:alerts:topics"}),
        ("/previews", "off", {"set:previews:on", "set:previews:off"}),
        ("/quiet", "off", {"set:quiet:off", "set:quiet:22-7", "set:quiet:23-8"}),
        ("/lang", "English", {"set:lang:zh", "set:lang:en"}),
    ],
)
async def test_a_setting_without_a_value_shows_the_current_one_and_the_choices(
    env, command, current, choices
):
    (answer,) = await env.say(USER, command)
    assert f"Now: <b>{current}</b>" in answer.text
    assert {data for row in answer.buttons for _, data in row} == choices


async def test_headlines_are_one_line_each(env):
    await env.say(USER, "/format headlines")
    (part,) = await env.say(USER, "/latest")
    lines = part.plain_text.split("\n")
    numbered = [n for n, line in enumerate(lines) if re.match(r"\d+\. ", line)]
    assert len(numbered) >= 5
    assert numbered == list(range(numbered[0], numbered[0] + len(numbered)))  # no blank lines


async def test_latest_on_an_empty_database_tells_a_subscriber_the_right_thing(fresh):
    (before,) = await fresh.say(USER, "/latest")
    assert "No digest has arrived yet" in before.text and "/start" in before.text
    await fresh.say(USER, "/start")
    (after,) = await fresh.say(USER, "/latest")
    assert "You are subscribed" in after.text and "/start" not in after.text


async def test_a_chat_without_a_zone_sees_default_tz_or_the_published_offset(tmp_path):
    """The canonical title says 12:00 and its date is +08:00: no "04:00 (UTC)" beside it."""
    await store_samples(tmp_path / "bot.db")
    for default_tz, shown in (("", "2026-11-28 16:00 (UTC+8)"), ("Tokyo", "17:00 (UTC+9)")):
        async with LocalBotApi() as api:
            settings = make_settings(api, tmp_path / "bot.db", default_tz=default_tz)
            application = await start_bot(settings)
            try:
                parts = await BotEnv(api, application, settings).say(USER, "/latest")
                assert shown in parts[0].plain_text, default_tz
            finally:
                await stop_bot(application)
