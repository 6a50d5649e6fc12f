"""Several sources, each chat its own: the sources in a chat's language by default,
/sources to take or drop one, a source removed from DIGEST_SOURCES and one added later.
The running bot over the Bot API stand-in, on a real SQLite file."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from bot.digest.models import Digest, Item
from bot.local_api import LocalBotApi
from storage.digests import save_digest
from tests.bot_env import running_bot, wait_until
from tests.chat_env import push, services

CST = timezone(timedelta(hours=8))
ZH_CHAT, EN_CHAT = 501, 502
ZH_NOUNS = ("芯片", "机器人", "智能体", "数据集", "浏览器", "编译器", "卫星", "电池")
EN_NOUNS = ("chip", "robot", "agent", "dataset", "browser", "compiler", "satellite", "battery")


def zh_digest(number: int, source: str = "日报", hour: int = 8) -> Digest:
    """A Chinese digest of five items, each a story of its own."""
    items = tuple(
        Item(k, f"{source}第{number}期：{noun}公司发布新品{number}-{k}", None,
             f"https://example.cn/{source}/{number}/{k}",
             f"这是关于{noun}的中文摘要，介绍了新产品的能力、价格和发布时间。")
        for k, noun in enumerate(ZH_NOUNS[:5], 1)
    )  # fmt: skip
    return Digest(
        id=f"{source}/{number}",
        source=source,
        title=f"{source} 第{number}期",
        published_at=datetime(2026, 11, 20, hour, 0, tzinfo=CST) + timedelta(days=number),
        items=items,
    )


def en_digest(number: int, source: str = "AINews", hour: int = 9) -> Digest:
    """An English digest of five items, each a story of its own."""
    items = tuple(
        Item(k, f"{source} {number}: a {noun} maker ships release {number}.{k}", "Ada",
             f"https://example.com/{source}/{number}/{k}",
             f"An English summary about the {noun}: what it does, what it costs, when it ships.")
        for k, noun in enumerate(EN_NOUNS[:5], 1)
    )  # fmt: skip
    return Digest(
        id=f"{source}/{number}",
        source=source,
        title=f"{source} issue {number}",
        published_at=datetime(2026, 11, 20, hour, 0, tzinfo=CST) + timedelta(days=number),
        items=items,
    )


async def start_chats(env) -> None:
    """A Chinese reader and an English one subscribe; repeats shown in full, so each
    digest's own items are what a push shows."""
    for chat, code in ((ZH_CHAT, "zh-hans"), (EN_CHAT, "en")):
        await env.say(chat, "/start", language_code=code)
        await env.say(chat, "/repeats show", language_code=code)


async def delivered(env, *digests: Digest) -> None:
    for digest in digests:
        await push(env, digest)
    await services(env).engine.run_until_idle(timeout=10)


def texts_of(env, chat: int) -> str:
    return "\n".join(m.text for m in env.api.messages_for(chat))


async def test_a_zh_chat_and_an_en_chat_each_get_their_language_by_default(tmp_path):
    async with running_bot(tmp_path, samples=False) as env:
        await delivered(env, zh_digest(1), en_digest(1))  # the languages are measured
        await start_chats(env)
        await delivered(env, zh_digest(2), en_digest(2))

        assert "日报 第2期" in texts_of(env, ZH_CHAT)
        assert "AINews issue 2" not in texts_of(env, ZH_CHAT)
        assert "AINews issue 2" in texts_of(env, EN_CHAT)
        assert "日报 第2期" not in texts_of(env, EN_CHAT)

        (zh_list,) = await env.say(ZH_CHAT, "/sources", language_code="zh-hans")
        assert "✅ 日报 · 中文" in zh_list.plain_text and "▫️ AINews · English" in zh_list.plain_text
        (en_list,) = await env.say(EN_CHAT, "/sources", language_code="en")
        assert "✅ AINews · in English" in en_list.plain_text
        assert "▫️ 日报 · in Chinese" in en_list.plain_text
        assert "last: AINews issue 2" in en_list.plain_text

        # Search covers every source, each result naming its own.
        (found,) = await env.say(EN_CHAT, "/search 浏览器")
        assert "日报 · 日报 第2期 · " in found.plain_text


async def test_with_no_source_in_its_language_a_chat_gets_all(tmp_path):
    async with running_bot(tmp_path, samples=False) as env:
        await delivered(env, zh_digest(1))
        await start_chats(env)
        await delivered(env, zh_digest(2))
        assert "日报 第2期" in texts_of(env, EN_CHAT)


async def test_toggling_a_source_by_button_and_by_name(tmp_path):
    async with running_bot(tmp_path, samples=False) as env:
        await delivered(env, zh_digest(1), en_digest(1))
        await start_chats(env)
        (panel,) = await env.say(EN_CHAT, "/sources")
        take = next(data for row in panel.buttons for text, data in row if "日报" in text)
        (edited,) = await env.press(EN_CHAT, panel, take)
        assert env.callback_answers()[-1]["text"] == "Taking 日报"
        assert "✅ 日报" in edited.plain_text
        await delivered(env, zh_digest(2), en_digest(2))
        assert "日报 第2期" in texts_of(env, EN_CHAT) and "AINews issue 2" in texts_of(env, EN_CHAT)

        (dropped,) = await env.say(ZH_CHAT, "/sources 日报", language_code="zh-hans")
        assert "不再发到这个聊天" in dropped.plain_text
        (dropped,) = await env.say(EN_CHAT, "/sources ａｉnews")  # any case and width
        assert "AINews: its digests no longer come" in dropped.plain_text
        await delivered(env, zh_digest(3), en_digest(3))
        assert "日报 第3期" not in texts_of(env, ZH_CHAT)
        assert "AINews issue 3" not in texts_of(env, EN_CHAT)
        assert "日报 第3期" in texts_of(env, EN_CHAT)

        (unknown,) = await env.say(EN_CHAT, "/sources Nope")
        assert "no source “Nope”" in unknown.plain_text and "AINews, 日报" in unknown.plain_text
        (unknown,) = await env.say(ZH_CHAT, "/sources Nope", language_code="zh-hans")
        assert "没有名为“Nope”的来源" in unknown.plain_text


async def test_200_sources_page(tmp_path):
    async with running_bot(tmp_path, samples=False) as env:
        db = services(env).db
        for n in range(200):
            await save_digest(db, en_digest(1, source=f"Feed {n:03d}"))
        (panel,) = await env.say(EN_CHAT, "/sources")
        assert "(1–10 of 200)" in panel.plain_text and "Feed 009" in panel.plain_text
        assert len(panel.text) < 4096
        assert panel.buttons[-1] == [("Next ▶", "src:p:1")]
        (page,) = await env.press(EN_CHAT, panel, "src:p:19")
        assert "(191–200 of 200)" in page.plain_text and "Feed 199" in page.plain_text
        assert [text for text, _ in page.buttons[-1]] == ["◀ Previous"]


async def test_a_source_removed_and_one_added(tmp_path: Path):
    folder, empty = tmp_path / "posts", tmp_path / "empty"
    folder.mkdir()
    empty.mkdir()
    day = datetime.now(CST).date().isoformat()
    lines = [f"---\ntitle: The Wire {day}\ndate: {day}T08:00:00+08:00\n---\n"]
    lines += [
        f"{k}.  [A {noun} maker ships its new release {k} - Ada](https://example.org/{k})\n\n"
        f"    An English summary about the {noun}: what it does and when it ships.\n"
        for k, noun in enumerate(EN_NOUNS[:5], 1)
    ]
    async with running_bot(tmp_path, samples=False) as env:  # yesterday's bot: two sources
        yesterday = int(time.time()) - 86_400
        await save_digest(services(env).db, zh_digest(1), now=yesterday)
        await save_digest(services(env).db, en_digest(1, source="Old Wire"), now=yesterday)
        await start_chats(env)
        await env.say(EN_CHAT, "/sources 日报")  # an English reader takes the Chinese one too
    (folder / f"{day}.md").write_text("\n".join(lines), encoding="utf-8")

    named = [f"日报={empty}", f"The Wire={folder}"]  # Old Wire is no longer there
    async with running_bot(tmp_path, samples=False, digest_sources=named) as env:
        await wait_until(lambda: "The Wire" in texts_of(env, EN_CHAT), what="the new source")
        await services(env).engine.run_until_idle(timeout=10)
        (pushed,) = [m for m in env.api.messages_for(EN_CHAT) if "The Wire" in m.text]
        assert "🆕 A new source: The Wire." in pushed.plain_text
        assert "The Wire" not in texts_of(env, ZH_CHAT)  # not in its language

        (panel,) = await env.say(EN_CHAT, "/sources")
        assert "✅ Old Wire · in English · too new to tell how often\n    no longer published" in (
            panel.plain_text
        )
        assert "✅ The Wire · in English" in panel.plain_text
        assert "✅ 日报 · in Chinese" in panel.plain_text  # its choice kept
        (zh_panel,) = await env.say(ZH_CHAT, "/sources", language_code="zh-hans")
        assert "▫️ Old Wire · English" in zh_panel.plain_text and "不再发布" in zh_panel.plain_text
        assert "▫️ The Wire · English" in zh_panel.plain_text


async def test_help_and_the_command_menu_name_sources_digests_and_mute(tmp_path):
    async with running_bot(tmp_path, samples=False) as env:
        (help_en,) = await env.say(EN_CHAT, "/help")
        (help_zh,) = await env.say(ZH_CHAT, "/help", language_code="zh")
        assert "/sources [name] — the digests' sources" in help_en.plain_text
        assert "/sources [名称] — 简报的来源" in help_zh.plain_text
        for command in ("/digests — ", "/mute <", "/unmute <", "/latest [N] ["):
            assert command in help_en.plain_text and command in help_zh.plain_text
        menus = {
            params.get("language_code"): {
                c["command"]: c["description"] for c in params["commands"]
            }
            for method, params in env.api.calls
            if method == "setMyCommands"
        }
        assert menus[None]["mute"] == "leave out items containing the word"
        assert menus["zh"]["mute"] == "不再显示包含这个词的条目"
        assert {"sources", "digests", "unmute"} <= set(menus[None]) & set(menus["zh"])


async def test_in_a_group_an_admin_chooses_the_sources(tmp_path):
    group, admin, member = -7001, 71, 72
    on = {"chat_type": "group", "chat_title": "AI fans"}
    async with running_bot(tmp_path, samples=False) as env:
        await delivered(env, zh_digest(1), en_digest(1))
        env.api.set_chat_admins(group, {admin})
        await env.say(group, "/start", user_id=admin, language_code="zh", **on)
        (refused,) = await env.say(group, "/sources AINews", user_id=member, **on)
        assert "admins" in refused.plain_text or "管理员" in refused.plain_text
        (panel,) = await env.say(group, "/sources", user_id=member, **on)  # anyone may look
        assert "▫️ AINews" in panel.plain_text
        take = next(data for row in panel.buttons for text, data in row if "AINews" in text)
        await env.press(group, panel, take, user_id=member, chat_type="group")
        assert env.callback_answers()[-1].get("show_alert") in (True, "true", "True")
        (taken,) = await env.say(group, "/sources AINews", user_id=admin, **on)
        assert "✅ AINews" in taken.plain_text
        await env.say(group, "/repeats show", user_id=admin, **on)
        await delivered(env, en_digest(2), zh_digest(2))
        pushed = texts_of(env, group)
        assert "AINews issue 2" in pushed and "日报 第2期" in pushed


async def test_roundups_gather_the_chats_sources_only(db):
    from storage.digest_sources import choose
    from storage.subscribers import follow
    from tests.delivery_runner import add_subscribers
    from tests.test_roundups import SAT, Clock, close, run, schedule, texts, three_digests

    await add_subscribers(db, [12, 13])  # English chats (no language stored)
    for chat_id in (12, 13):
        await schedule(db, chat_id, "daily", 8 * 60, format="headlines", tz="Asia/Shanghai")
    chinese = replace(zh_digest(1), published_at=SAT - timedelta(hours=1))
    async with LocalBotApi() as api:
        for d in [*three_digests(), chinese]:
            await save_digest(db, d)
        await choose(db, 13, 0, "日报", True)  # 13 takes the Chinese one as well
        await follow(db, 13, "mute:chip")  # and mutes a word
        clock = Clock(SAT)
        engine = await run(api, db, clock)
        try:
            clock.set(datetime(2025, 12, 21, 0, 0, 30, tzinfo=UTC))
            await run(api, db, clock, engine)
            (only_english,) = texts(api, 12)
            assert only_english.startswith("<b>Daily roundup · 3 digests")
            assert "芯片公司" not in only_english
            (both,) = texts(api, 13)
            assert both.startswith("<b>Daily roundup · 4 digests") and "芯片公司" in both
            assert "Chip exports" in only_english and "Chip exports" not in both
        finally:
            await close(engine)


async def test_an_empty_inline_query_shows_the_latest_digest_of_the_users_sources(tmp_path):
    from tests.test_inline import ask

    async with running_bot(tmp_path, samples=False) as env:
        await delivered(env, en_digest(1), zh_digest(1))  # the Chinese one is newer
        english = await ask(env, EN_CHAT, "", language_code="en")
        assert english.titles and all("AINews 1:" in title for title in english.titles)
        chinese = await ask(env, ZH_CHAT, "", language_code="zh")
        assert chinese.titles and all("日报第1期" in title for title in chinese.titles)
        assert english.is_personal and chinese.is_personal


async def test_a_channels_admin_chooses_its_sources_from_a_private_chat(tmp_path):
    from tests.chat_env import post
    from tests.test_channels import CHANNEL, OWNER, add_bot_to_channel

    async with running_bot(tmp_path, samples=False) as env:
        await delivered(env, zh_digest(1), en_digest(1))
        await add_bot_to_channel(env)
        await post(env, CHANNEL, "/start")  # an English channel: AINews
        (panel,) = await env.say(OWNER, "/channels")
        toggles = {text: data for row in panel.buttons for text, data in row if ":source:" in data}
        assert set(toggles) == {"✅ AINews", "▫️ 日报"}
        (edited,) = await env.press(OWNER, panel, toggles["▫️ 日报"])
        assert {text for row in edited.buttons for text, _ in row} >= {"✅ AINews", "✅ 日报"}
        await post(env, CHANNEL, "/repeats show")
        await delivered(env, zh_digest(2), en_digest(2))
        pushed = texts_of(env, CHANNEL)
        assert "日报 第2期" in pushed and "AINews issue 2" in pushed
        (stale,) = await env.press(OWNER, edited, f"ch:{CHANNEL}:source:0123456789ab") or [None]
        assert stale is None and "out of date" in env.callback_answers()[-1]["text"]


async def test_topics_counts_follow_the_chats_sources(tmp_path):
    import re

    from storage.topics import topic_counts

    now = datetime.now(CST)
    fresh = [replace(zh_digest(1), published_at=now), replace(en_digest(1), published_at=now)]
    async with running_bot(tmp_path, samples=False) as env:
        await delivered(env, *fresh)
        db, since = services(env).db, int(time.time()) - 7 * 86_400
        everywhere = await topic_counts(db, since)
        english = await topic_counts(db, since, {"AINews"})
        assert english.get("chips", 0) < everywhere.get("chips", 0)  # 芯片 counts too
        (topics,) = await env.say(EN_CHAT, "/topics")
        shown = dict(
            re.findall(r"(Chips & compute|Agents) · (\d+) items? this week", topics.plain_text)
        )
        assert shown == {
            "Chips & compute": str(english.get("chips", 0)),
            "Agents": str(english.get("agents", 0)),
        }


async def test_trends_draw_the_chats_sources(tmp_path):
    now = datetime.now(CST)
    async with running_bot(tmp_path, samples=False) as env:
        await delivered(env, replace(zh_digest(1), published_at=now))
        old = replace(en_digest(1), published_at=now - timedelta(days=40))
        await delivered(env, old)  # English, but older than the 30 days drawn
        (nothing,) = await env.say(EN_CHAT, "/trends")  # takes AINews only: nothing recent
        assert nothing.plain_text.startswith("No items in the last 30 days yet")
        (picture,) = await env.say(ZH_CHAT, "/trends", language_code="zh")
        assert picture.method == "sendPhoto"
