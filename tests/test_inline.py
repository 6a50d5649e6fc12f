"""Inline mode and deep links end to end through the Bot API stand-in: @bot <words> in any
chat gives the same search as /search, paged, in the user's language; an empty query the
latest digest's items; hostile queries and forged offsets get an answer, never an error."""

from __future__ import annotations

import logging
import re

from bot.local_api import LocalBotApi
from bot.telegram.inline import PAGE_SIZE
from storage import subscribers as subs
from tests.bot_env import BotEnv, make_settings, start_bot, stop_bot, store_samples
from tests.chat_env import services

USER, OTHER = 401, 402


async def ask(env: BotEnv, user_id: int, query: str, **kwargs):
    query_id = env.api.send_inline_query(user_id, query, **kwargs)
    return await env.api.wait_for_inline_answer(query_id)


async def test_inline_search_finds_what_slash_search_finds(env):
    answer = await ask(env, USER, "芯片", chat_type="group")  # not subscribed, in a group
    assert answer.results and len(answer.results) <= PAGE_SIZE
    (listed,) = await env.say(USER, "/search 芯片")
    for title in answer.titles:
        assert title.split(" ")[0] in listed.plain_text  # the same items
    first = answer.results[0]
    assert first["type"] == "article" and first["description"]
    assert len(first["description"]) <= 200 and "**" not in first["description"]
    content = first["input_message_content"]
    assert content["parse_mode"] == "HTML"
    assert content["link_preview_options"] == {"is_disabled": True}
    assert content["message_text"].startswith("<b><a href=")
    assert "2026.11.28" in content["message_text"]  # where it came from
    assert answer.cache_time and 0 < answer.cache_time <= 300
    assert not answer.is_personal  # English, no settings: the same for everyone
    assert answer.next_offset == ""  # all on one page
    assert len({r["id"] for r in answer.results}) == len(answer.results)
    assert not env.api.sent[1:]  # inline answers send no message


async def test_inline_pages_with_next_offset(env):
    first = await ask(env, USER, "a")  # matches nearly every item
    assert len(first.results) == PAGE_SIZE and first.next_offset == str(PAGE_SIZE)
    second = await ask(env, USER, "a", offset=first.next_offset)
    assert second.results
    assert not {r["id"] for r in first.results} & {r["id"] for r in second.results}
    pages = [first, second]
    while pages[-1].next_offset:
        pages.append(await ask(env, USER, "a", offset=pages[-1].next_offset))
    ids = [r["id"] for page in pages for r in page.results]
    assert len(ids) == len(set(ids))


async def test_empty_query_shows_the_latest_digests_items(env):
    answer = await ask(env, USER, "")
    assert answer.results
    assert all("2026.11.28.16" in text for text in answer.texts)  # the newest sample


async def test_results_in_the_users_language_are_personal(env):
    chinese = await ask(env, OTHER, "模型", language_code="zh")
    assert chinese.is_personal
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日|\d{4}-\d\d-\d\d", chinese.texts[0])
    # A private chat's settings (here a time zone) make results personal too.
    await env.say(USER, "/tz Europe/London")
    own = await subs.get_subscriber(services(env).db, USER)
    assert own.tz == "Europe/London"
    london = await ask(env, USER, "模型")
    assert london.is_personal and "08:00 (UTC)" in london.texts[0]  # 16:00 UTC+8


async def test_hostile_queries_and_forged_offsets_get_answers_not_errors(env, caplog):
    caplog.set_level(logging.WARNING)
    fts = ('NEAR("a" OR * ) AND col:title ^x -y "' * 10)[:256]
    answer = await ask(env, USER, fts)
    assert answer.next_offset in ("", str(PAGE_SIZE))
    for forged in ("-1", "abc", "99999999", "7", "1e3", "20; DROP TABLE items"):
        answer = await ask(env, USER, "a", offset=forged)
        assert answer.results == [] and answer.next_offset == ""
    answer = await ask(env, USER, "\ud800模型")  # a lone surrogate
    assert answer.results
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_late_answer_is_no_error(env, caplog):
    caplog.set_level(logging.WARNING)
    env.api.fail_method(
        "answerInlineQuery",
        400,
        "Bad Request: query is too old and response timeout expired or query id is invalid",
        times=1,
    )
    env.api.send_inline_query(USER, "模型")
    answer = await ask(env, USER, "模型")
    assert answer.results
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_deep_link_subscribes_and_follows_and_topics_share_links(env):
    (welcome,) = await env.say(USER, "/start chips")
    assert "Welcome" in welcome.text and "You now follow" in welcome.text
    own = await subs.get_subscriber(services(env).db, USER)
    assert (own.status, own.topics) == ("active", {"chips"})
    (again,) = await env.say(USER, "/start robotics")  # already subscribed: follows it too
    assert "already subscribed" in again.text
    own = await subs.get_subscriber(services(env).db, USER)
    assert own.topics == {"chips", "robotics"}
    await env.say(OTHER, "/start no-such-topic")
    assert (await subs.get_subscriber(services(env).db, OTHER)).topics == frozenset()
    (topics,) = await env.say(USER, "/topics")
    assert 'href="https://t.me/digest_test_bot?start=chips"' in topics.text
    assert 'href="https://t.me/digest_test_bot?start=robotics"' in topics.text


async def test_inline_answers_count_under_the_rate_limit(tmp_path):
    async with LocalBotApi() as api:
        database = tmp_path / "bot.db"
        await store_samples(database)
        settings = make_settings(api, database, send_rate=4)
        application = await start_bot(settings, limits=True)
        try:
            env = BotEnv(api, application, settings)
            ids = [api.send_inline_query(500 + n, "模型") for n in range(8)]
            answers = [await api.wait_for_inline_answer(query_id) for query_id in ids]
            span = max(a.ts for a in answers) - min(a.ts for a in answers)
            assert span >= 1.0  # 8 answers at 4 a second (a burst of 2): 1.5 s at least
            assert all(answer.results for answer in answers)
            assert env.api.sent == []
        finally:
            await stop_bot(application)
