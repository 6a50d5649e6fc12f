"""The stand-in's photos, deletions, command lists and network latency, driven by the real
python-telegram-bot Bot over real HTTP."""

from __future__ import annotations

import asyncio
import datetime as dtm
import signal
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import httpx
import pytest
from telegram import (
    Bot,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    BotCommandScopeChatAdministrators,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, RetryAfter

from bot.local_api import LocalBotApi, main

PROJECT = Path(__file__).resolve().parents[1]
USER = 111
GROUP = -100200
FORUM = -100400


def png(width: int, height: int) -> bytes:
    """A real (red) PNG image of that size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


# --- photos ------------------------------------------------------------------------------


async def test_send_photo_keeps_the_upload_and_its_caption(api: LocalBotApi, bot: Bot):
    image = png(40, 30)
    topic = api.create_forum_topic(FORUM, "Trends")
    sent = await bot.send_photo(
        FORUM,
        InputFile(image, filename="trends.png"),
        caption="<b>Trends</b> [1, 2]",
        parse_mode=ParseMode.HTML,
        message_thread_id=topic,
    )
    assert (sent.photo[-1].width, sent.photo[-1].height) == (40, 30)
    assert sent.caption == "Trends [1, 2]"
    assert [(e.type, e.offset, e.length) for e in sent.caption_entities] == [("bold", 0, 6)]
    assert sent.message_thread_id == topic and sent.is_topic_message

    (recorded,) = api.photos_for(FORUM)
    assert recorded.photo == image
    assert (recorded.text, recorded.plain_text) == ("<b>Trends</b> [1, 2]", "Trends [1, 2]")
    assert (recorded.parse_mode, recorded.message_thread_id) == ("HTML", topic)
    assert recorded.file_id == sent.photo[-1].file_id

    # Sent again by its file_id: the same bytes, no upload.
    again = await bot.send_photo(USER, sent.photo[-1].file_id)
    assert api.photos_for(USER)[0].photo == image and again.caption is None
    assert api.stats()["sent"] == 2


async def test_send_photo_is_checked_like_telegram(api: LocalBotApi, bot: Bot):
    with pytest.raises(BadRequest, match="Message caption is too long"):
        await bot.send_photo(USER, png(2, 2), caption="x" * 1025)
    await bot.send_photo(USER, png(2, 2), caption="😀" * 512)  # 1024 UTF-16 units
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await bot.send_photo(USER, png(2, 2), caption="1 < 2", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="Image_process_failed"):
        await bot.send_photo(USER, InputFile(b"not an image", filename="x.png"))
    with pytest.raises(BadRequest, match="Photo_invalid_dimensions"):
        await bot.send_photo(USER, png(1000, 30))  # wider than 20:1
    with pytest.raises(BadRequest, match="Wrong file identifier"):
        await bot.send_photo(USER, "no-such-file-id")
    with pytest.raises(BadRequest, match="There is no text in the message to edit"):
        photo = api.photos_for(USER)[0]
        await bot.edit_message_text("x", chat_id=USER, message_id=photo.message_id)
    edited = await bot.edit_message_caption(
        USER, photo.message_id, caption="<i>new</i>", parse_mode=ParseMode.HTML
    )
    assert edited.caption == "new" and edited.photo
    assert api.sent[-1].method == "editMessageCaption" and api.sent[-1].photo == photo.photo
    assert len(api.photos_for(USER)) == 1


async def test_a_quiet_run_counts_photos_without_keeping_them():
    async with (
        LocalBotApi(record=False) as quiet,
        Bot(quiet.token, base_url=f"{quiet.base_url}/bot") as bot,
    ):
        sent = await bot.send_photo(USER, png(4, 4))
        await bot.send_photo(USER + 1, sent.photo[-1].file_id)
        assert quiet.state.files == {} and quiet.sent == []
        assert quiet.stats()["sent"] == 2


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_chat_faults_reach_send_photo(api: LocalBotApi, bot: Bot):
    api.fail_chat(USER, 429, retry_after=3, times=1)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_photo(USER, png(2, 2))
    retry = caught.value.retry_after
    assert (retry.total_seconds() if isinstance(retry, dtm.timedelta) else retry) == 3
    await bot.send_photo(USER, png(2, 2))
    assert len(api.photos_for(USER)) == 1


# --- deleting ----------------------------------------------------------------------------


async def test_delete_message_is_recorded_and_checked(api: LocalBotApi, bot: Bot):
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("More", callback_data="more")]])
    sent = await bot.send_message(USER, "menu", reply_markup=keyboard)
    assert await bot.delete_message(USER, sent.message_id)
    assert api.deleted == [(USER, sent.message_id)]
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(USER, sent.message_id)
    with pytest.raises(LookupError):
        api.press_button(USER, sent.message_id, "more")
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", chat_id=USER, message_id=sent.message_id)

    ids = [(await bot.send_message(USER, str(i))).message_id for i in range(3)]
    assert await bot.delete_messages(USER, [ids[0], 999, ids[2]])  # unknown ones are skipped
    assert api.deleted[1:] == [(USER, ids[0]), (USER, ids[2])]


async def test_deleting_others_messages_needs_the_right(api: LocalBotApi, bot: Bot):
    api.send_user_message(GROUP, "spam", chat_type="supergroup", user_id=5)  # message 1
    own = await bot.send_message(GROUP, "mine")
    with pytest.raises(BadRequest, match="Message can't be deleted"):
        await bot.delete_message(GROUP, 1)
    assert await bot.delete_message(GROUP, own.message_id)  # its own: always
    api.set_bot_member(GROUP, "administrator", can_delete_messages=False)
    with pytest.raises(BadRequest, match="Message can't be deleted"):
        await bot.delete_message(GROUP, 1)
    api.set_bot_member(GROUP, "administrator")
    assert await bot.delete_message(GROUP, 1)
    api.send_user_message(USER, "hi")  # incoming messages in private chats: always
    assert await bot.delete_message(USER, 1)
    assert api.deleted == [(GROUP, own.message_id), (GROUP, 1), (USER, 1)]


# --- commands ----------------------------------------------------------------------------


async def test_commands_are_kept_per_scope_and_language(api: LocalBotApi, bot: Bot):
    await bot.set_my_commands([("latest", "Newest digest"), ("help", "Help")])
    await bot.set_my_commands([("latest", "最新一期")], language_code="zh")
    await bot.set_my_commands(
        [("latest", "Digest for the group")], scope=BotCommandScopeAllGroupChats()
    )
    admins = BotCommandScopeChatAdministrators(GROUP)
    await bot.set_my_commands([("settings", "Group settings")], scope=admins)
    await bot.set_my_commands([("start", "Start")], scope=BotCommandScopeChat(USER))

    assert [c.command for c in await bot.get_my_commands()] == ["latest", "help"]
    assert [c.description for c in await bot.get_my_commands(language_code="zh")] == ["最新一期"]
    assert await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats()) == ()  # exactly it
    assert [c["command"] for c in api.commands] == ["latest", "help"]
    assert api.commands_for({"type": "chat_administrators", "chat_id": GROUP})[0]["command"] == (
        "settings"
    )
    assert api.commands_for("all_group_chats", "zh") == []

    # What each user is shown, after Telegram's fallbacks.
    api.set_chat_admins(GROUP, {7})

    def seen(chat_id: int, user_id: int | None = None, language: str = "") -> list[str]:
        return [c["command"] for c in api.commands_seen_by(chat_id, user_id, language)]

    assert seen(USER) == ["start"]
    (shown,) = api.commands_seen_by(USER + 1, USER + 1, "zh")  # no list of its own
    assert shown == {"command": "latest", "description": "最新一期"}
    assert seen(GROUP, 7) == ["settings"]
    assert seen(GROUP, 8) == ["latest"]

    await bot.delete_my_commands(language_code="zh")
    assert await bot.get_my_commands(language_code="zh") == ()
    assert len(await bot.get_my_commands()) == 2
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([("Latest", "capitals are refused")])


# --- latency -----------------------------------------------------------------------------


async def test_latency_delays_each_answer_while_requests_overlap():
    async with (
        LocalBotApi(latency=1.0) as api,
        Bot(api.token, base_url=f"{api.base_url}/bot") as bot,
    ):
        started = time.monotonic()
        sends = [asyncio.create_task(bot.send_message(chat, "x")) for chat in range(1, 6)]
        # All five reached the server before any was answered: they overlap.
        await api.wait_for_call("sendMessage", count=5)
        assert not any(task.done() for task in sends)
        await asyncio.gather(*sends)
        assert time.monotonic() - started >= 1.0
        # getChat is no send/edit/answer: it is answered at once.
        assert (await asyncio.wait_for(bot.get_chat(USER), 0.9)).id == USER


def test_standalone_rtt_delays_sends():
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.local_api", "--quiet-record", "--rtt", "0.3"],
        cwd=PROJECT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        base_url = proc.stdout.readline().strip()
        with httpx.Client(base_url=base_url, timeout=5) as client:
            started = time.monotonic()
            reply = client.post(
                "/bot123456:LOCAL-TEST-TOKEN/sendMessage", data={"chat_id": "5", "text": "hi"}
            )
            assert reply.json()["ok"] and time.monotonic() - started >= 0.3
            client.post("/_local/latency", json={"seconds": 0.6})  # changed while running
            started = time.monotonic()
            client.post("/bot123456:LOCAL-TEST-TOKEN/sendMessage", data={"chat_id": 5, "text": "x"})
            assert time.monotonic() - started >= 0.6
            assert client.get("/_local/stats").json()["sent"] == 2
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=10)
        assert proc.returncode == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_a_negative_rtt_is_refused(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["--rtt", "-1"])
    assert caught.value.code == 2
    assert "--rtt must be 0 or more seconds" in capsys.readouterr().err
