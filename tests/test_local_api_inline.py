"""The stand-in's inline mode and users' languages, driven by the real python-telegram-bot
Bot and Application over real HTTP."""

from __future__ import annotations

import json

import httpx
import pytest
from telegram import (
    Bot,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import ApplicationBuilder, ContextTypes, InlineQueryHandler

from bot.local_api import LocalBotApi

USER = 111
TOO_OLD = "Query is too old and response timeout expired or query id is invalid"


def article(result_id: str, text: str = "<b>Digest</b>", **kwargs) -> InlineQueryResultArticle:
    content = InputTextMessageContent(text, parse_mode=ParseMode.HTML)
    return InlineQueryResultArticle(result_id, f"Title {result_id}", content, **kwargs)


async def search(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.inline_query
    language = query.from_user.language_code
    results = [article(str(i), f"<i>{query.query}</i> #{i} ({language})") for i in range(3)]
    await query.answer(results, cache_time=0, is_personal=True, next_offset="3")


async def test_application_answers_an_inline_query(api: LocalBotApi):
    assert (await Bot(api.token, base_url=f"{api.base_url}/bot").get_me()).supports_inline_queries
    app = ApplicationBuilder().token(api.token).base_url(f"{api.base_url}/bot").build()
    app.add_handler(InlineQueryHandler(search))
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=1)
        query_id = api.send_inline_query(USER, "模型", language_code="zh", chat_type="group")
        answer = await api.wait_for_inline_answer(query_id)
        await app.updater.stop()
        await app.stop()
    assert (answer.query, answer.user_id, answer.next_offset) == ("模型", USER, "3")
    assert answer.is_personal and answer.cache_time == 0
    assert answer.titles == ["Title 0", "Title 1", "Title 2"]
    assert answer.texts[0] == "<i>模型</i> #0 (zh)"
    assert api.inline_answers == [answer]


async def test_the_inline_query_update_carries_what_the_user_sent(api: LocalBotApi, bot: Bot):
    api.send_inline_query(USER, "chips", offset="10", first_name="Ada", language_code="de")
    api.send_inline_query(USER + 1, "", chat_type=None, language_code="")
    first, second = (u.inline_query for u in await bot.get_updates(timeout=0))
    assert (first.query, first.offset, first.chat_type) == ("chips", "10", "sender")
    assert (first.from_user.first_name, first.from_user.language_code) == ("Ada", "de")
    assert second.chat_type is None and second.from_user.language_code is None


async def test_answers_are_checked_like_telegram(api: LocalBotApi, bot: Bot):
    query_id = api.send_inline_query(USER, "x")
    with pytest.raises(BadRequest, match="Results_too_much"):
        await bot.answer_inline_query(query_id, [article(str(i)) for i in range(51)])
    with pytest.raises(BadRequest, match="Result_id_duplicate"):
        await bot.answer_inline_query(query_id, [article("a"), article("a")])
    with pytest.raises(BadRequest, match="Result_id_invalid"):
        await bot.answer_inline_query(query_id, [article("é" * 33)])  # 66 bytes
    with pytest.raises(BadRequest, match="Can't parse inline query result: can't parse ent"):
        await bot.answer_inline_query(query_id, [article("a", "<b>open")])
    assert api.failures[-1][3] == (  # PTB lower-cases all but the first letter
        "Bad Request: can't parse inline query result: Can't parse entities: "
        'Can\'t find end tag corresponding to start tag "b"'
    )
    with pytest.raises(BadRequest, match="Next_offset_invalid"):
        await bot.answer_inline_query(query_id, [article("a")], next_offset="9" * 65)
    with pytest.raises(BadRequest, match="Start_param_invalid"):
        button = InlineQueryResultsButton("Open the bot", start_parameter="not valid!")
        await bot.answer_inline_query(query_id, [], button=button)
    untitled = {"type": "article", "id": "1", "input_message_content": {"message_text": "t"}}
    no_content = {"type": "article", "id": "1", "title": "T"}
    url = f"{api.base_url}/bot{api.token}/answerInlineQuery"
    async with httpx.AsyncClient() as client:  # results PTB would not build
        for raw, error in [
            (untitled, 'Can\'t find field "title"'),
            (no_content, 'Field "input_message_content" must be of type Object'),
            ({"type": "poem", "id": "1"}, 'type "poem" is unsupported for the inline query result'),
        ]:
            form = {"inline_query_id": query_id, "results": json.dumps([raw])}
            reply = (await client.post(url, data=form)).json()
            assert reply["description"] == f"Bad Request: can't parse inline query result: {error}"
    # None of the refusals used the query up: a valid answer is still taken, once.
    assert await bot.answer_inline_query(query_id, [article("a")])
    with pytest.raises(BadRequest, match=TOO_OLD):
        await bot.answer_inline_query(query_id, [article("a")])
    with pytest.raises(BadRequest, match=TOO_OLD):
        await bot.answer_inline_query("no-such-query", [])
    assert [a.titles for a in api.inline_answers] == [["Title a"]]


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_faults_reach_answer_inline_query(api: LocalBotApi, bot: Bot):
    query_id = api.send_inline_query(USER, "x")
    api.fail_method("answerInlineQuery", 500, times=1)
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await bot.answer_inline_query(query_id, [article("a")])
    api.fail_randomly(1.0, 429, retry_after=2, methods={"answerInlineQuery"})
    with pytest.raises(RetryAfter):
        await bot.answer_inline_query(query_id, [article("a")])
    await bot.send_message(USER, "sends are not affected")
    api.clear_faults()
    assert await bot.answer_inline_query(query_id, [article("a")])
    assert [status for _, _, status, _ in api.failures] == [500, 429]


async def test_users_keep_the_language_they_were_given(api: LocalBotApi, bot: Bot):
    api.send_user_message(USER, "/start", language_code="zh")
    api.send_user_message(USER, "/help")  # None keeps what is known
    sent = await bot.send_message(USER, "menu")
    api.press_button(USER, sent.message_id, "x", language_code="en")
    api.send_user_message(USER + 1, "/start")  # a new user speaks "en"
    api.send_user_message(USER + 2, "/start", language_code="")  # Telegram left it out
    found = await bot.get_updates(timeout=0)
    languages = [u.effective_user.language_code for u in found]
    assert languages == ["zh", "zh", "en", "en", None]
    assert found[2].callback_query.data == "x"
