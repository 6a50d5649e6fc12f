"""The Bot API stand-in, driven by the real python-telegram-bot client over real HTTP."""

from __future__ import annotations

import asyncio
import datetime as dtm
import json
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    MessageEntity,
    Update,
)
from telegram.constants import ChatMemberStatus, ParseMode
from telegram.error import (
    BadRequest,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

from bot.local_api import EntityParseError, LocalBotApi, parse_html

PROJECT = Path(__file__).resolve().parents[1]
USER = 111


# PTB 22 warns on every RetryAfter that its int `retry_after` becomes a timedelta.
quiet_retry_after = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


def seconds(error: RetryAfter) -> float:
    """`retry_after` in seconds, an int or a timedelta depending on PTB_TIMEDELTA."""
    value = error.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else value


async def test_get_me_answers_the_bot_identity(api: LocalBotApi, bot: Bot):
    assert bot.username == "digest_test_bot"
    assert bot.id == 123456
    assert (await bot.get_me()).is_bot
    assert [method for method, _ in api.calls] == ["getMe", "getMe"]


async def test_send_message_is_recorded_with_its_markup(api: LocalBotApi, bot: Bot):
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("More", callback_data="more:1")],
            [InlineKeyboardButton("Source", url="https://example.com/a")],
        ]
    )
    first = await bot.send_message(
        USER,
        "123",
        reply_markup=keyboard,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )
    second = await bot.send_message(USER, "<b>Bold</b> &amp; plain", parse_mode=ParseMode.HTML)

    assert (first.message_id, second.message_id) == (1, 2)
    assert first.chat.id == USER and first.from_user.id == bot.id
    assert second.text == "Bold & plain"
    assert [(e.type, e.offset, e.length) for e in second.entities] == [("bold", 0, 4)]

    recorded = api.messages_for(USER)
    assert [m.message_id for m in recorded] == [1, 2]
    assert recorded[0].text == "123"  # a numeric text stays text
    assert recorded[0].buttons == [[("More", "more:1")], [("Source", "https://example.com/a")]]
    assert recorded[0].link_preview_options == {"is_disabled": True}
    assert recorded[1].text == "<b>Bold</b> &amp; plain"
    assert recorded[1].plain_text == "Bold & plain"
    assert recorded[1].parse_mode == "HTML"
    assert recorded[0].ts <= recorded[1].ts
    assert api.stats()["sent"] == 2


async def test_text_that_looks_like_json_stays_text(api: LocalBotApi, bot: Bot):
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Go", callback_data="go")]])
    listed = await bot.send_message(USER, "[1, 2]", reply_markup=keyboard)
    mapped = await bot.send_message(USER, '{"a": 1}', entities=[MessageEntity("bold", 0, 1)])
    assert (listed.text, mapped.text) == ("[1, 2]", '{"a": 1}')
    assert [m.text for m in api.messages_for(USER)] == ["[1, 2]", '{"a": 1}']
    # ...while the structured parameters beside them are still decoded.
    assert api.messages_for(USER)[0].buttons == [[("Go", "go")]]
    assert [(e.type, e.offset, e.length) for e in mapped.entities] == [("bold", 0, 1)]
    assert api.calls[-1][1]["entities"] == [{"type": "bold", "offset": 0, "length": 1}]


async def test_a_structured_parameter_that_is_not_json_is_refused(api: LocalBotApi):
    url = f"{api.base_url}/bot{api.token}/sendMessage"
    async with httpx.AsyncClient() as client:
        reply = await client.post(url, data={"chat_id": USER, "text": "x", "reply_markup": "[oops"})
        as_json = await client.post(url, json={"chat_id": USER, "text": "[1]", "entities": []})
    assert reply.status_code == 400
    assert reply.json()["description"] == (
        "Bad Request: can't parse reply keyboard markup JSON object"
    )
    assert as_json.json()["result"]["text"] == "[1]"


async def test_message_ids_count_per_chat(bot: Bot):
    a1 = await bot.send_message(1, "a")
    b1 = await bot.send_message(2, "b")
    a2 = await bot.send_message(1, "a again")
    assert (a1.message_id, b1.message_id, a2.message_id) == (1, 1, 2)


async def test_edit_keeps_the_id_and_refuses_an_identical_edit(api: LocalBotApi, bot: Bot):
    sent = await bot.send_message(USER, "draft")
    edited = await bot.edit_message_text("final", chat_id=USER, message_id=sent.message_id)
    assert edited.message_id == sent.message_id
    assert edited.text == "final"
    assert [(m.method, m.text) for m in api.sent] == [
        ("sendMessage", "draft"),
        ("editMessageText", "final"),
    ]

    with pytest.raises(BadRequest, match="not modified"):
        await bot.edit_message_text("final", chat_id=USER, message_id=sent.message_id)
    with pytest.raises(BadRequest, match="not found"):
        await bot.edit_message_text("x", chat_id=USER, message_id=99)


async def test_get_updates_long_polls_until_an_update_arrives(api: LocalBotApi, bot: Bot):
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await api.wait_for_call("getUpdates")
    update_id = api.send_user_message(USER, "hello")

    updates = await asyncio.wait_for(poll, 10)  # far below the 30 s poll: it was woken
    assert [u.update_id for u in updates] == [update_id]
    assert updates[0].message.text == "hello"
    assert updates[0].message.chat.type == "private"


async def test_get_updates_honours_the_offset(api: LocalBotApi, bot: Bot):
    first = api.send_user_message(USER, "one")
    second = api.send_user_message(USER, "two")

    assert [u.update_id for u in await bot.get_updates(timeout=0)] == [first, second]
    # Unconfirmed updates come again; confirmed ones are gone.
    assert [u.update_id for u in await bot.get_updates(offset=second, timeout=0)] == [second]
    assert second is not None
    assert await bot.get_updates(offset=second + 1, timeout=0) == ()
    assert api.pending_updates == []


async def test_get_updates_times_out_empty(bot: Bot):
    assert await bot.get_updates(timeout=1) == ()


async def test_commands_carry_a_bot_command_entity(api: LocalBotApi, bot: Bot):
    api.send_user_message(-100500, "/start@digest_test_bot now", chat_type="supergroup")
    (update,) = await bot.get_updates(timeout=0)
    message = update.message
    assert message.chat.type == "supergroup"
    assert message.from_user.id != message.chat.id
    assert message.parse_entity(message.entities[0]) == "/start@digest_test_bot"
    assert message.entities[0].type == "bot_command"


@quiet_retry_after
@pytest.mark.parametrize(
    ("status", "retry_after", "error", "message"),
    [
        (429, 3, RetryAfter, "Flood control exceeded"),
        (403, None, Forbidden, "bot was blocked by the user"),
        (400, None, BadRequest, "Chat not found"),
        (500, None, NetworkError, "Internal Server Error"),
    ],
)
async def test_fail_chat_raises_what_ptb_raises_for_telegram(
    api: LocalBotApi, bot: Bot, status, retry_after, error, message
):
    api.fail_chat(USER, status, retry_after=retry_after, times=1)

    with pytest.raises(error, match=message) as caught:
        await bot.send_message(USER, "hi")
    if retry_after:
        assert seconds(caught.value) == retry_after
    assert not api.sent
    assert api.failures[0][2] == status

    # `times=1`: the next send goes through; other chats were never affected.
    assert (await bot.send_message(USER, "hi")).message_id == 1
    assert api.stats()["failed"] == {str(status): 1}


async def test_fail_chat_for_ever_until_cleared(api: LocalBotApi, bot: Bot):
    api.fail_chat(USER, 403)
    for _ in range(3):
        with pytest.raises(Forbidden):
            await bot.send_message(USER, "hi")
    await bot.send_message(USER + 1, "someone else")
    api.clear_faults()
    await bot.send_message(USER, "back")
    assert [m.chat_id for m in api.sent] == [USER + 1, USER]


@quiet_retry_after
async def test_fail_randomly_is_seeded(api: LocalBotApi, bot: Bot):
    async def failures(seed: int) -> list[int]:
        api.fail_randomly(0.3, 429, retry_after=1, seed=seed)
        failed = []
        for chat_id in range(1, 41):
            try:
                await bot.send_message(chat_id, "x")
            except RetryAfter:
                failed.append(chat_id)
            except Forbidden:
                assert chat_id == 7
        return failed

    api.fail_chat(7, 403)  # a chat set explicitly keeps its own fault
    first = await failures(seed=1)
    again = await failures(seed=1)
    assert first == again
    assert 0 < len(first) < 40
    assert 7 not in first
    assert api.failures[0][2] in (429, 403)


@pytest.mark.parametrize(
    ("markup", "error"),
    [
        ("<foo>x</foo>", 'Unsupported start tag "foo" at byte offset 0'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("<b>never closed", 'Can\'t find end tag corresponding to start tag "b"'),
        ("closed</b>", "Unexpected end tag at byte offset 6"),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("<b>x</b", "Unclosed end tag at byte offset 4"),
        ("<a href='x", "Unclosed start tag at byte offset 0"),
        ('<span class="x">s</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("é<i", "Unclosed start tag at byte offset 2"),
    ],
)
def test_html_checker_refuses_what_telegram_refuses(markup: str, error: str):
    with pytest.raises(EntityParseError) as caught:
        parse_html(markup)
    assert str(caught.value) == error


def test_html_checker_reads_entities_like_telegram():
    text, entities = parse_html(
        '<b>B <i>I</i></b> <a href="https://x.io/?a=1&amp;b=2">link</a> &lt;&nbsp;&#65;&#x42;'
        " 😀<code>c</code> <blockquote expandable>q</blockquote>"
        ' <span class="tg-spoiler">s</span><pre><code class="language-py">p</code></pre>'
    )
    assert text == "B I link <&nbsp;AB 😀c q sp"
    assert [(e["type"], e["offset"], e["length"]) for e in entities] == [
        ("bold", 0, 3),
        ("italic", 2, 1),
        ("text_link", 4, 4),
        ("code", 21, 1),  # the emoji before it is two UTF-16 units
        ("expandable_blockquote", 23, 1),
        ("spoiler", 25, 1),
        ("pre", 26, 1),
        ("code", 26, 1),
    ]
    assert entities[2]["url"] == "https://x.io/?a=1&b=2"
    assert entities[-1]["language"] == "py"


async def test_send_validates_text_like_telegram(api: LocalBotApi, bot: Bot):
    with pytest.raises(BadRequest, match="Can't parse entities: unsupported start tag"):
        await bot.send_message(USER, "1 < 2", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(USER, "<b></b>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(USER, "😀" * 2049)  # 4098 UTF-16 units
    await bot.send_message(USER, "😀" * 2048)
    # More than 100 entities: Telegram keeps the first 100, and the send succeeds.
    many = await bot.send_message(USER, "<b>x</b> " * 150, parse_mode=ParseMode.HTML)
    assert len(many.entities) == 100
    assert [m.message_id for m in api.sent] == [1, 2]


async def test_wrong_token_and_unknown_method(api: LocalBotApi, bot: Bot):
    with pytest.raises(InvalidToken):
        await Bot("999:WRONG", base_url=f"{api.base_url}/bot").get_me()
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("noSuchMethod")


async def test_commands_chats_and_admins(api: LocalBotApi, bot: Bot):
    await bot.set_my_commands([("latest", "The newest digest"), ("search", "Search items")])
    assert api.commands == [
        {"command": "latest", "description": "The newest digest"},
        {"command": "search", "description": "Search items"},
    ]
    assert [c.command for c in await bot.get_my_commands()] == ["latest", "search"]

    group = -100777
    api.set_chat_admins(group, {42})
    admin = await bot.get_chat_member(group, 42)
    member = await bot.get_chat_member(group, 43)
    assert admin.status == ChatMemberStatus.ADMINISTRATOR
    assert member.status == ChatMemberStatus.MEMBER
    assert [m.user.id for m in await bot.get_chat_administrators(group)] == [42]
    assert (await bot.get_chat(group)).type == "supergroup"
    assert await bot.send_chat_action(USER, "typing")


async def test_wait_for_messages_explains_a_timeout(api: LocalBotApi, bot: Bot):
    await bot.send_message(USER, "only one")
    assert len(await api.wait_for_messages(1, chat_id=USER, timeout=1)) == 1
    with pytest.raises(TimeoutError, match="expected 2 message") as caught:
        await api.wait_for_messages(2, chat_id=USER, timeout=0.2)
    assert "only one" in str(caught.value)


async def test_quiet_record_keeps_counters_only(bot: Bot):
    async with LocalBotApi(record=False) as quiet:
        async with Bot(quiet.token, base_url=f"{quiet.base_url}/bot") as quiet_bot:
            for chat_id in (1, 2, 1):
                await quiet_bot.send_message(chat_id, "x")
        assert quiet.sent == [] and quiet.calls == []
        stats = quiet.stats()
        assert (stats["sent"], stats["chats"], stats["methods"]["sendMessage"]) == (3, 2, 3)
        assert stats["chat_gaps_under_1s"] == 1


# --- a real Application, end to end ------------------------------------------------------


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Again", callback_data="again")]])
    await update.effective_message.reply_text(
        f"Hello, {update.effective_user.first_name}!", reply_markup=keyboard
    )


async def again(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.callback_query.answer()
    await update.callback_query.edit_message_text(f"Pressed: {update.callback_query.data}")


def build_app(api: LocalBotApi) -> Application:
    app = (
        ApplicationBuilder()
        .token(api.token)
        .base_url(f"{api.base_url}/bot")
        .base_file_url(f"{api.base_url}/file/bot")
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(again))
    return app


async def test_application_polls_and_replies(api: LocalBotApi):
    app = build_app(api)
    await app.initialize()
    await app.start()
    await app.updater.start_polling(poll_interval=0, timeout=1)
    try:
        api.send_user_message(USER, "/start", first_name="Ada")
        (reply,) = await api.wait_for_messages(1, chat_id=USER)
        assert reply.text == "Hello, Ada!"
        assert reply.buttons == [[("Again", "again")]]

        api.press_button(USER, reply.message_id, "again")
        _, edited = await api.wait_for_messages(2, chat_id=USER)
        assert (edited.method, edited.message_id, edited.text) == (
            "editMessageText",
            reply.message_id,
            "Pressed: again",
        )

        group = -100200
        api.send_user_message(group, "/start@digest_test_bot", chat_type="supergroup")
        (group_reply,) = await api.wait_for_messages(1, chat_id=group)
        assert group_reply.text == "Hello, Tester!"
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()

    methods = [method for method, _ in api.calls]
    assert methods[:2] == ["getMe", "deleteWebhook"]
    assert "answerCallbackQuery" in methods
    # Stopping took one last getUpdates with timeout 0 to confirm what was fetched.
    last_method, last_params = api.calls[-1]
    assert (last_method, last_params["timeout"]) == ("getUpdates", 0)
    assert api.pending_updates == []  # the last getUpdates confirmed everything


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_application_over_a_webhook(api: LocalBotApi):
    app = build_app(api)
    port = free_port()
    await app.initialize()
    await app.start()
    await app.updater.start_webhook(
        listen="127.0.0.1",
        port=port,
        url_path="hook",
        webhook_url=f"http://127.0.0.1:{port}/hook",
        secret_token="s3cret",
    )
    try:
        assert api.webhook is not None and api.webhook["secret_token"] == "s3cret"
        api.send_user_message(USER, "/start")
        (reply,) = await api.wait_for_messages(1, chat_id=USER)
        assert reply.text == "Hello, Tester!"
        await api.flush_webhook()
        assert api.webhook_errors == []
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


async def test_webhook_updates_without_the_secret_are_refused(api: LocalBotApi):
    app = build_app(api)
    port = free_port()
    await app.initialize()
    await app.updater.start_webhook(
        listen="127.0.0.1", port=port, url_path="hook", secret_token="s3cret"
    )
    try:
        # Registered by hand with a wrong secret: PTB's server answers 403 every time.
        api.webhook_attempts = 1
        api.webhook = {"url": f"http://127.0.0.1:{port}/hook", "secret_token": "wrong"}
        api.send_user_message(USER, "/start")
        await api.flush_webhook()
        assert len(api.webhook_errors) == 1 and "403" in api.webhook_errors[0]
    finally:
        await app.updater.stop()
        await app.shutdown()


# --- standalone, as a benchmark runs it -------------------------------------------------


def test_standalone_server_prints_its_url_and_stats():
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.local_api", "--port", "0", "--quiet-record"],
        cwd=PROJECT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        base_url = proc.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:")
        with httpx.Client(base_url=base_url, timeout=5) as client:
            reply = client.post(
                "/bot123456:LOCAL-TEST-TOKEN/sendMessage", data={"chat_id": "5", "text": "hi"}
            ).json()
            assert reply["ok"] and reply["result"]["chat"]["id"] == 5
            client.post("/_local/fail_chat", json={"chat_id": 5, "status": 403})
            refused = client.post(
                "/bot123456:LOCAL-TEST-TOKEN/sendMessage", json={"chat_id": 5, "text": "hi"}
            )
            assert refused.status_code == 403
            assert client.get("/_local/stats").json()["sent"] == 1
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=10)
        assert proc.returncode == 0
        stats = json.loads(out.strip().splitlines()[-1])
        assert (stats["sent"], stats["failed"]) == (1, {"403": 1})
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
