"""Long posts in a few messages, through the real bot: /latest and pushes send the chat's
cap of parts, "Show N more" sends the next ones (also after a restart), forged buttons
are out of date; /schedule, /repeats and /messages; the real AINews posts' part counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.delivery import more
from bot.delivery.rendering import load, render
from bot.digest.parse import parse_file
from bot.digest.render import render_digest
from bot.local_api import LocalBotApi
from bot.preferences import Profile, next_roundup, parse_schedule
from storage.db import connect
from storage.digests import save_digest
from tests.bot_env import BotEnv, make_settings, start_bot, stop_bot
from tests.test_roundups import SAT, digest, story

USER = 4242


def long_digest(name: str = "long", items: int = 160):
    return digest(name, SAT, *(story(n, f"Story {n} of a long day", f"https://e.com/{name}/{n}")
                               for n in range(1, items + 1)))  # fmt: skip


async def store(path, *digests) -> None:
    db = await connect(path)
    try:
        for d in digests:
            await save_digest(db, d)
    finally:
        await db.close()


async def test_latest_sends_the_cap_and_the_button_the_rest_even_after_a_restart(tmp_path):
    path = tmp_path / "bot.db"
    await store(path, long_digest())
    async with LocalBotApi() as api:
        settings = make_settings(api, path)
        env = BotEnv(api, await start_bot(settings), settings)
        try:
            await env.say(USER, "/messages 2")
            sent = await env.say(USER, "/latest")
            assert len(sent) == 2 and sent[0].reply_markup is None
            ((label, data),) = sent[1].buttons[0]
            total = int(label.split()[2]) + 2
            assert label.startswith("▼ Show ") and data.startswith("more:l:")
            assert len(data.encode()) <= 64
            more_sent = await env.press(USER, sent[1], data)
            parts = [m for m in more_sent if m.method == "sendMessage"]
            assert [p.text.split("\n", 1)[0].split()[-1] for p in parts] == [
                f"(3/{total})",
                f"(4/{total})",
            ]
            assert sent[1].message_id in [m.message_id for m in more_sent
                                          if m.method == "editMessageReplyMarkup"]  # fmt: skip
            again = await env.press(USER, sent[1], data)  # pressed twice: nothing twice
            assert [m for m in again if m.method == "sendMessage"] == []
            last_button = parts[-1].buttons[0][0][1]
        finally:
            await stop_bot(env.application)
        # A restart forgets nothing the button needs.
        env = BotEnv(api, await start_bot(settings), settings)
        try:
            after = await env.press(USER, parts[-1], last_button)
            texts = [m.text for m in after if m.method == "sendMessage"]
            assert texts[0].split("\n", 1)[0].endswith(f"(5/{total})")
        finally:
            await stop_bot(env.application)


async def test_a_capped_push_goes_on_by_its_button(tmp_path):
    path = tmp_path / "bot.db"
    async with LocalBotApi() as api:
        settings = make_settings(api, path)
        env = BotEnv(api, await start_bot(settings), settings)
        try:
            await env.say(USER, "/start")
            await env.say(USER, "/messages 1")
            before = len(api.messages_for(USER))
            services = env.application.bot_data["services"]
            await save_digest(services.db, long_digest("push"))
            services.engine.wake()
            (push,) = (await api.wait_for_messages(before + 1, chat_id=USER))[before:]
            ((_, data),) = push.buttons[0]
            assert data.startswith("more:p:")
            more_sent = await env.press(USER, push, data)
            (second,) = [m for m in more_sent if m.method == "sendMessage"]
            assert "(2/" in second.text.split("\n", 1)[0] and second.buttons
        finally:
            await stop_bot(env.application)


@pytest.mark.parametrize(
    "data",
    [
        "more:p:1766224800:00000000:2",  # no such digest
        "more:x:1766224800:00000000:2",  # no such kind
        "more:l:1766224800:1a2b3c4d:1",  # part 1 is never "more"
        "more:l:99999999999999:1a2b3c4d:2",  # a huge time
    ],
)
async def test_forged_more_buttons_are_out_of_date(tmp_path, data):
    path = tmp_path / "bot.db"
    await store(path, long_digest())
    async with LocalBotApi() as api:
        settings = make_settings(api, path)
        env = BotEnv(api, await start_bot(settings), settings)
        try:
            sent = await env.say(USER, "/latest")
            await env.press(USER, sent[-1], data)
            (answer,) = env.callback_answers()
            assert "out of date" in answer["text"]
            assert len(api.messages_for(USER)) == len(sent)
        finally:
            await stop_bot(env.application)


async def test_schedule_repeats_and_messages_are_typed_and_confirmed(tmp_path):
    async with LocalBotApi() as api:
        settings = make_settings(api, tmp_path / "bot.db")
        env = BotEnv(api, await start_bot(settings), settings)
        try:
            await env.say(USER, "/tz Asia/Shanghai")
            (reply,) = await env.say(USER, "/schedule weekly 周一 8:00")
            due = next_roundup(parse_schedule("weekly mon 08:00"), "Asia/Shanghai",
                               datetime.now(UTC).timestamp())  # fmt: skip
            local = datetime.fromtimestamp(due, UTC) + timedelta(hours=8)
            assert "a roundup every Monday at 08:00" in reply.plain_text
            assert local.strftime("%Y-%m-%d 08:00 (UTC+8)") in reply.plain_text
            (bad,) = await env.say(USER, "/schedule daily 25:00")
            assert "not a choice" in bad.plain_text and bad.buttons
            (instant,) = await env.say(USER, "/schedule instant")
            assert "as it is published" in instant.plain_text
            await env.say(USER, "/repeats hide")
            (panel,) = await env.say(USER, "/settings")
            assert "Stories you already have: left out" in panel.plain_text
            assert "Messages at once: 3" in panel.plain_text
            data = [d for row in panel.buttons for _, d in row]
            assert {"set:schedule:daily-08:00", "set:repeats:fold", "set:messages:5"} <= set(data)
            await env.press(USER, panel, "set:messages:5")
            (typed,) = await env.say(USER, "/messages 11")
            assert "not a choice" in typed.plain_text
            (zh,) = await env.say(USER, "/schedule daily 07:30", language_code="zh")
            assert "每天 07:30 一份汇总" in zh.plain_text and "下一份汇总" in zh.plain_text
        finally:
            await stop_bot(env.application)


# ---- the real posts ------------------------------------------------------------------

AINEWS = "digests/smol-ai-ainews"
# (post, format) -> parts; were (measured on the parts as sent before): 37 items
# 14/4/2, 377 items 44/29/13.
PARTS = {
    ("issues/26-08-21-not-much.md", "full"): 9,
    ("issues/26-08-21-not-much.md", "brief"): 3,
    ("issues/26-08-21-not-much.md", "headlines"): 1,
    ("frozen-issues/25-12-19-not-much.md", "full"): 33,
    ("frozen-issues/25-12-19-not-much.md", "brief"): 19,
    ("frozen-issues/25-12-19-not-much.md", "headlines"): 5,
}


@pytest.mark.parametrize(("post", "fmt"), sorted(PARTS))
def test_the_big_ainews_posts_take_few_full_parts(shared_data, post, fmt):
    parsed = parse_file(shared_data / AINEWS / post)
    parts = render_digest(parsed, Profile(format=fmt))
    assert len(parts) <= PARTS[(post, fmt)]  # counts re-pinned by hand after the repacking


async def test_latest_on_the_377_item_post_is_three_messages_and_a_button(shared_data, db):
    parsed = parse_file(shared_data / AINEWS / "frozen-issues/25-12-19-not-much.md")
    await save_digest(db, parsed)
    source = await load(db, parsed.id)
    rendered = render(source, Profile(format="headlines"))
    assert rendered.lead == len(rendered.parts) <= 5
    data = more.data(more.LATEST, source.published_ts, source.digest_id, 4)
    assert len(data.encode()) <= 64 and await more.find(db, more.parse(data)) == parsed.id
