"""BulkSender (the engine's sendMessage: JSON over a lean HTTP pool, PTB's verdict on
errors) against the Bot API stand-in over real HTTP, side by side with PTB's
`bot.send_message`: same delivery, same exceptions."""

from __future__ import annotations

import asyncio
import json
import socket
import traceback

import pytest
from aiohttp import web
from telegram import Bot, LinkPreviewOptions
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import ExtBot

from bot.delivery.ratelimit import SendRateLimiter
from bot.delivery.sender import BulkSender
from bot.local_api import LocalBotApi

TOKEN = "123456:BULK-SECRET-TOKEN"


def sender_for(url: str, limiter: SendRateLimiter | None = None, **options) -> BulkSender:
    return BulkSender(token=TOKEN, base_url=f"{url}/bot", rate_limiter=limiter, **options)


async def outcome(call) -> TelegramError:
    with pytest.raises(TelegramError) as caught:
        await call
    return caught.value


async def both_outcomes(url: str, send_fault=None) -> tuple[TelegramError, TelegramError]:
    """The same fault met by PTB's send_message and by BulkSender (no rate limiter on either).
    The Bot is not initialized (no getMe): some servers here answer nothing but errors."""
    bot = Bot(TOKEN, base_url=f"{url}/bot")
    try:
        async with sender_for(url) as sender:
            if send_fault is not None:
                send_fault()
            ptb = await outcome(bot.send_message(7, "<b>x</b>", parse_mode="HTML"))
            if send_fault is not None:
                send_fault()
            ours = await outcome(
                sender.send_message(7, "<b>x</b>", parse_mode="HTML", previews=True)
            )
    finally:
        await bot.request.shutdown()
    return ptb, ours


async def test_message_arrives_as_sent():
    async with LocalBotApi(token=TOKEN) as api, sender_for(api.base_url) as sender:
        first = await sender.send_message(5, "<b>Digest</b> 模型 &amp; more", parse_mode="HTML",
                                          previews=False)  # fmt: skip
        second = await sender.send_message(5, "plain 123", parse_mode=None, previews=True)
        group = await sender.send_message(-100200, "<i>hi</i>", parse_mode="HTML", previews=True)
        one, two = api.messages_for(5)
        assert (first, second) == (one.message_id, two.message_id) == (1, 2)
        assert group == api.messages_for(-100200)[0].message_id
        assert one.text == "<b>Digest</b> 模型 &amp; more"
        assert one.plain_text == "Digest 模型 & more"
        assert one.parse_mode == "HTML" and one.link_preview_options == {"is_disabled": True}
        assert two.text == "plain 123" and two.parse_mode is None
        assert two.link_preview_options == {"is_disabled": False}

        # What PTB sends for the same message arrives the same.
        async with Bot(TOKEN, base_url=f"{api.base_url}/bot") as bot:
            await bot.send_message(
                6, one.text, parse_mode="HTML", link_preview_options=LinkPreviewOptions(True)
            )
        (ptb,) = api.messages_for(6)
        assert (ptb.text, ptb.parse_mode, ptb.link_preview_options, ptb.plain_text) == (
            one.text,
            one.parse_mode,
            one.link_preview_options,
            one.plain_text,
        )


FAULTS = [
    (429, None, 3, RetryAfter),
    (403, "Forbidden: bot was blocked by the user", None, Forbidden),
    (403, "Forbidden: user is deactivated", None, Forbidden),
    (400, "Bad Request: chat not found", None, BadRequest),
    (400, "Bad Request: message is too long", None, BadRequest),
    (401, "Unauthorized", None, InvalidToken),
    (404, "Not Found", None, InvalidToken),
    (409, "Conflict: terminated by other getUpdates request", None, Conflict),
    (500, "Internal Server Error", None, NetworkError),
    (502, "Bad Gateway", None, NetworkError),
    (503, "Service Unavailable", None, NetworkError),
]


@pytest.mark.parametrize(("status", "description", "retry_after", "cls"), FAULTS)
async def test_each_error_status_raises_what_ptb_raises(status, description, retry_after, cls):
    async with LocalBotApi(token=TOKEN) as api:
        ptb, ours = await both_outcomes(
            api.base_url,
            lambda: api.fail_chat(7, status, description, retry_after=retry_after, times=1),
        )
        assert type(ptb) is type(ours) is cls
        if cls is InvalidToken:  # do_api_request's own words: it cannot tell 404 from 401
            assert ours.message.startswith("Either the bot token was rejected")
        else:
            assert ours.message == ptb.message
        if cls is RetryAfter:
            assert ours.retry_after == ptb.retry_after == 3
        assert api.messages_for(7) == []


async def test_unparsable_html_is_the_same_bad_request():
    broken = "<b>Digest <i>unclosed"
    async with LocalBotApi(token=TOKEN) as api, sender_for(api.base_url) as sender:
        async with Bot(TOKEN, base_url=f"{api.base_url}/bot") as bot:
            ptb = await outcome(bot.send_message(7, broken, parse_mode="HTML"))
        ours = await outcome(sender.send_message(7, broken, parse_mode="HTML", previews=False))
    assert type(ours) is type(ptb) is BadRequest
    assert ours.message == ptb.message
    assert "can't parse entities" in ours.message.lower()  # what the engine looks for


async def test_wrong_token_is_invalid_token_without_the_token():
    async with LocalBotApi() as api:  # a different token: 401
        ptb, ours = await both_outcomes(api.base_url)
    assert type(ours) is type(ptb) is InvalidToken
    assert_no_token(ours)


# Answers the stand-in never gives: a raw server, side by side again.
RAW_ANSWERS = {
    "migrated": (400, {"ok": False, "error_code": 400, "description": "Bad Request: group chat "
                       "was upgraded", "parameters": {"migrate_to_chat_id": -1001234}}),
    "unknown-parameters": (400, {"ok": False, "description": "Bad Request: odd",
                                 "parameters": {"something": 1}}),
    "no-description": (500, {"ok": False, "error_code": 500}),
    "not-json": (502, b"<html>bad gateway</html>"),
    "odd-status": (418, {"ok": False}),
    "ok-but-garbage": (200, b"{not json"),
}  # fmt: skip


@pytest.fixture
async def raw_server():
    """A server giving one of RAW_ANSWERS, chosen by setting `answer["now"]` to its name
    (or to a (status, body) pair). `answer["requests"]` gets (content type, body) of each."""
    answer: dict = {"requests": []}

    async def handle(request: web.Request) -> web.Response:
        answer["requests"].append((request.content_type, await request.read()))
        chosen = answer["now"]
        status, body = chosen if isinstance(chosen, tuple) else RAW_ANSWERS[chosen]
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        return web.Response(status=status, body=raw, content_type="application/json")

    app = web.Application()
    app.router.add_post("/bot{token}/{method}", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield answer, f"http://127.0.0.1:{port}"
    await runner.cleanup()


@pytest.mark.parametrize("answer", sorted(RAW_ANSWERS))
async def test_unusual_answers_raise_what_ptb_raises(raw_server, answer):
    chosen, url = raw_server
    chosen["now"] = answer
    ptb, ours = await both_outcomes(url)
    assert type(ours) is type(ptb)
    assert ours.message == ptb.message
    if isinstance(ptb, ChatMigrated):
        assert ours.new_chat_id == ptb.new_chat_id == -1001234


GOOD_ANSWERS = {
    b'{"ok":true,"result":{"message_id":41,"from":{"id":1},"chat":{"id":7},"text":"x"}}': 41,
    b'{ "ok" : true , "result" : { "message_id" : 42 } }': 42,
    # message_id not first: the nested one must not be taken for it
    b'{"ok":true,"result":{"reply_to_message":{"message_id":1},"message_id":43}}': 43,
    b'{"result":{"message_id":44},"ok":true}': 44,
    b'{"ok":true,"result":{"message_id":45}}': 45,
    b'{"ok": true, "result": {"message_id": 46, "chat": {"id": 7}}}': 46,
}


@pytest.mark.parametrize("body", list(GOOD_ANSWERS))
async def test_message_id_is_read_from_any_layout_of_the_answer(raw_server, body):
    chosen, url = raw_server
    chosen["now"] = (200, body)
    async with sender_for(url) as sender:
        message_id = await sender.send_message(7, "x", parse_mode=None, previews=False)
    assert message_id == GOOD_ANSWERS[body]


async def test_the_body_is_the_bot_apis_json(raw_server):
    chosen, url = raw_server
    chosen["now"] = (200, b'{"ok":true,"result":{"message_id":5}}')
    async with sender_for(url) as sender:
        await sender.send_message(-100123, "<b>模型</b> [1, 2]", parse_mode="HTML", previews=False)
        await sender.send_message(8, "plain", parse_mode=None, previews=True)
    (first_type, first), (_, second) = chosen["requests"]
    assert first_type == "application/json"
    # The Bot API's JSON, typed, the text in UTF-8 as it is (not escaped).
    assert "模型".encode() in first
    assert json.loads(first) == {
        "chat_id": -100123,
        "text": "<b>模型</b> [1, 2]",
        "parse_mode": "HTML",
        "link_preview_options": {"is_disabled": True},
    }
    assert "parse_mode" not in json.loads(second)


async def test_the_round_trip_is_measured():
    async with LocalBotApi(token=TOKEN, latency=0.1) as api, sender_for(api.base_url) as sender:
        assert sender.rtt is None
        for n in range(3):
            await sender.send_message(5, f"x{n}", parse_mode=None, previews=False)
        assert 0.1 <= sender.rtt < 0.5
        assert sender.posts == 3


OK_BODY = b'{"ok":true,"result":{"message_id":77}}'
FRAMINGS = {
    "content-length": b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(OK_BODY), OK_BODY),
    "chunked": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"5\r\n" + OK_BODY[:5] + b"\r\n" + b"%x;ext=1\r\n" % (len(OK_BODY) - 5) + OK_BODY[5:]
    + b"\r\n0\r\n\r\n",
    "until-close": b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + OK_BODY,
    "http/1.0": b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(OK_BODY), OK_BODY),
}  # fmt: skip


@pytest.mark.parametrize("framing", sorted(FRAMINGS))
async def test_answers_in_any_http_framing_byte_by_byte(framing):
    """The answer arrives one byte at a time, three times: each is read whole, and a
    connection the server keeps open is used again."""
    connections = 0

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
            await reader.readexactly(length)
            for byte in FRAMINGS[framing]:
                writer.write(bytes([byte]))
                await writer.drain()
            if b"close" in FRAMINGS[framing] or b"HTTP/1.0" in FRAMINGS[framing]:
                writer.close()
                return

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with sender_for(f"http://127.0.0.1:{port}") as sender:
            for _ in range(3):
                assert await sender.send_message(7, "x", parse_mode=None, previews=False) == 77
    finally:
        server.close()
    assert connections == (1 if framing in ("content-length", "chunked") else 3)


async def test_a_connection_closed_mid_answer_is_a_network_error():
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"ok":')
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with sender_for(f"http://127.0.0.1:{port}") as sender:
            exc = await outcome(sender.send_message(7, "x", parse_mode=None, previews=False))
    finally:
        server.close()
    assert type(exc) is NetworkError
    assert_no_token(exc)


def assert_no_token(exc: BaseException | None) -> None:
    """Not in the message, the printed traceback, nor any exception chained to it."""
    printed = "".join(traceback.format_exception(exc))
    while exc is not None:
        for text in (str(exc), repr(exc), printed):
            assert TOKEN not in text
            assert TOKEN.split(":")[1] not in text
        exc = exc.__cause__ or exc.__context__


async def test_connection_refused_is_a_network_error_without_the_token():
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with sender_for(f"http://127.0.0.1:{port}") as sender:
        exc = await outcome(sender.send_message(7, "x", parse_mode=None, previews=False))
    assert type(exc) is NetworkError
    assert exc.message.startswith("ConnectionRefusedError (127.0.0.1:")
    assert_no_token(exc)


@pytest.mark.parametrize("url", ["http://127.0.0.1:99999", "http://[::1", "ftp://127.0.0.1"])
async def test_a_bad_url_is_a_network_error_without_the_token(url):
    async with sender_for(url) as sender:
        exc = await outcome(sender.send_message(7, "x", parse_mode=None, previews=False))
    assert type(exc) is NetworkError
    assert_no_token(exc)


async def test_a_slow_answer_is_timed_out_without_the_token():
    release = asyncio.Event()

    async def handle(request: web.Request) -> web.Response:
        await release.wait()
        return web.json_response({"ok": True, "result": {"message_id": 1}})

    app = web.Application()
    app.router.add_post("/bot{token}/{method}", handle)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        async with sender_for(url, timeout=0.2) as sender:
            exc = await outcome(sender.send_message(7, "x", parse_mode=None, previews=False))
    finally:
        release.set()
        await runner.cleanup()
    assert isinstance(exc, TimedOut)  # a LateAnswer: its answer may still come (engine.py)
    assert_no_token(exc)


async def test_sends_pass_through_the_shared_limiter():
    """A frozen limiter clock lets exactly `burst` sends through; each step of one interval
    lets one more through, and an interactive PTB request waiting alongside goes first."""
    now = [1000.0]
    limiter = SendRateLimiter(10, burst=2, clock=lambda: now[0])  # one slot per 0.1 s
    async with LocalBotApi(token=TOKEN) as api, sender_for(api.base_url, limiter) as sender:
        bot = ExtBot(TOKEN, base_url=f"{api.base_url}/bot", rate_limiter=limiter)
        await bot.initialize()
        bulk = [
            asyncio.create_task(
                sender.send_message(chat, f"part {chat}", parse_mode=None, previews=False)
            )
            for chat in range(1, 6)
        ]
        await api.wait_for_messages(2)
        await asyncio.sleep(0.3)  # the limiter's timer fires a few times; nothing more passes
        assert len(api.sent) == 2

        interactive = asyncio.create_task(bot.send_message(99, "/search reply"))
        await asyncio.sleep(0.05)
        now[0] += 0.1  # one slot: the interactive reply takes it before the waiting bulk sends
        await api.wait_for_messages(3)
        await asyncio.sleep(0.3)
        assert [m.chat_id for m in api.sent] == [1, 2, 99]

        now[0] += 0.1
        await api.wait_for_messages(4)
        await asyncio.sleep(0.3)
        assert len(api.sent) == 4

        now[0] += 10
        ids = await asyncio.gather(*bulk)
        await interactive
        await bot.shutdown()
        assert sorted(m.chat_id for m in api.sent) == [1, 2, 3, 4, 5, 99]
        assert ids == [1, 1, 1, 1, 1]


async def test_bulk_retry_after_is_raised_and_pauses_the_chat():
    """BULK reaches the limiter: a bulk send's RetryAfter is not retried, and the chat is
    paused for what Telegram asked (an interactive send would wait and try again)."""
    now = [1000.0]
    limiter = SendRateLimiter(None, clock=lambda: now[0])
    async with LocalBotApi(token=TOKEN) as api, sender_for(api.base_url, limiter) as sender:
        api.fail_chat(7, 429, retry_after=5, times=1)
        exc = await outcome(sender.send_message(7, "x", parse_mode=None, previews=False))
        assert isinstance(exc, RetryAfter)
        assert limiter.chat_ready_at(7) == 1005.0
        assert len(api.failures) == 1 and api.sent == []
