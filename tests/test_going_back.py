"""Going back: /latest N (1 = the newest) and /latest <source>, /digests with its pages
and buttons, and what bad numbers and an empty database get, in both languages."""

from __future__ import annotations

from tests.bot_env import running_bot
from tests.chat_env import services
from tests.test_chat_sources import en_digest, zh_digest

CHAT = 601


async def stored(env, *digests) -> None:
    db = services(env).db
    from storage.digests import save_digest

    for digest in digests:
        await save_digest(db, digest)


async def test_latest_goes_back_by_number_and_by_source(tmp_path):
    async with running_bot(tmp_path, samples=False) as env:
        await stored(env, *(en_digest(n) for n in range(1, 4)), zh_digest(1), zh_digest(2))
        (newest, *_) = await env.say(CHAT, "/latest")
        assert "AINews issue 3" in newest.text  # an English chat: its language's source
        (before, *_) = await env.say(CHAT, "/latest 2")
        assert "AINews issue 2" in before.text
        (one, *_) = await env.say(CHAT, "/latest 日报")
        assert "日报 第2期" in one.text
        (two_back, *_) = await env.say(CHAT, "/latest 2 日报")
        assert "日报 第1期" in two_back.text

        (too_far,) = await env.say(CHAT, "/latest 99999")
        assert too_far.plain_text == "There are 3 digests so far; /latest 3 is the oldest."
        (negative,) = await env.say(CHAT, "/latest -1")
        assert negative.plain_text.startswith("Usage: /latest [N] [source]")
        (zero,) = await env.say(CHAT + 1, "/latest 0", language_code="zh")
        assert zero.plain_text.startswith("用法：/latest [N] [来源]")
        (far_zh,) = await env.say(CHAT + 1, "/latest 99999", language_code="zh")
        assert far_zh.plain_text == "目前共有 2 期简报；/latest 2 是第一期。"
        (unknown,) = await env.say(CHAT, "/latest 2 Nope")
        assert "no source “Nope”" in unknown.plain_text and "AINews, 日报" in unknown.plain_text


async def test_digests_pages_and_opens(tmp_path):
    async with running_bot(tmp_path, samples=False) as env:
        await stored(env, *(en_digest(n) for n in range(1, 13)))
        (listing,) = await env.say(CHAT, "/digests")
        assert "Digests 1–10 of 12" in listing.plain_text
        assert "1. AINews issue 12\n    AINews · " in listing.plain_text
        assert "· 5 items" in listing.plain_text
        assert "AINews issue 2\n" not in listing.plain_text
        numbers = [text for row in listing.buttons[:-1] for text, _ in row]
        assert numbers == [str(n) for n in range(1, 11)]
        assert listing.buttons[-1] == [("Next ▶", "dg:p:1")]

        (second,) = await env.press(CHAT, listing, "dg:p:1")
        assert "Digests 11–12 of 12" in second.plain_text
        assert "12. AINews issue 1\n" in second.plain_text
        assert second.buttons[-1] == [("◀ Previous", "dg:p:0")]
        open_11 = next(data for row in second.buttons for text, data in row if text == "11")
        (opened, *_) = await env.press(CHAT, second, open_11)
        assert "AINews issue 2" in opened.text and "release 2.1" in opened.text

        (zh_listing,) = await env.say(CHAT + 1, "/digests", language_code="zh")
        assert (
            "简报 第 1–10 期，共 12 期" in zh_listing.plain_text and "5 条" in zh_listing.plain_text
        )
        (stale,) = await env.press(CHAT, second, "dg:o:1:0123abcd") or [None]
        assert stale is None and "out of date" in env.callback_answers()[-1]["text"]


async def test_an_empty_database_gets_a_sentence(tmp_path):
    async with running_bot(tmp_path, samples=False) as env:
        for command in ("/digests", "/latest", "/latest 2", "/latest 99999"):
            (answer,) = await env.say(CHAT, command)
            assert answer.plain_text.startswith("No digest has arrived yet."), command
        (answer,) = await env.say(CHAT + 1, "/digests", language_code="zh")
        assert answer.plain_text == "还没有收到任何一期简报。"
        (answer,) = await env.say(CHAT, "/sources")
        assert answer.plain_text == "No source has published a digest yet."
