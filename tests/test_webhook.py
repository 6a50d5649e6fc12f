"""Webhook mode end to end: `digest-bot run` in a subprocess with WEBHOOK_URL set.

The LocalBotApi stand-in records setWebhook and then POSTs each update to the
bot's webhook server with the X-Telegram-Bot-Api-Secret-Token header, as
Telegram does; the bot's replies come back to the stand-in over HTTP.
"""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import time

import aiohttp
import pytest

from bot.local_api import LocalBotApi
from tests.test_operations import (
    FAKE_TOKEN,
    START_TIMEOUT,
    assert_no_token,
    assert_no_traceback,
    bot_process,
    clean_env,
    run_cli,
    wait_for_reply,
)

SECRET = "s3cret"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
USER, INTRUDER = 5151, 6161


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def wait_until_listening(port: int) -> None:
    """PTB calls setWebhook before its server listens: wait for the port to accept."""
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            if time.monotonic() > deadline:
                raise AssertionError(f"the webhook server never listened on {port}") from None
            await asyncio.sleep(0.05)
        else:
            writer.close()
            await writer.wait_closed()
            return


def raw_update(update_id: int, chat_id: int, text: str) -> dict:
    user = {"id": chat_id, "is_bot": False, "first_name": "Mallory"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "from": user,
            "chat": {"id": chat_id, "type": "private", "first_name": "Mallory"},
            "date": int(time.time()),
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
        },
    }


@pytest.fixture
async def api():
    async with LocalBotApi(token=FAKE_TOKEN) as stand_in:
        yield stand_in


async def test_webhook_mode_serves_updates_and_refuses_forged_ones(tmp_path, api):
    port = free_port()
    url = f"http://127.0.0.1:{port}/hook/abc"
    env = clean_env(
        tmp_path,
        BOT_TOKEN=FAKE_TOKEN,
        TELEGRAM_API_URL=api.base_url,
        WEBHOOK_URL=url,
        WEBHOOK_LISTEN="127.0.0.1",
        WEBHOOK_PORT=port,
        WEBHOOK_SECRET=SECRET,
        LOG_LEVEL="DEBUG",
        LOG_FORMAT="json",
    )
    async with bot_process(tmp_path, env, "run") as bot:
        (registered,) = await api.wait_for_call("setWebhook", timeout=START_TIMEOUT)
        assert registered["url"] == url
        assert registered["secret_token"] == SECRET
        await wait_until_listening(port)

        # A user writes: the stand-in posts the update to the webhook, the bot answers.
        api.send_user_message(USER, "/start")
        await wait_for_reply(api, USER, "Welcome", 0)
        assert not api.webhook_errors

        # Forged posts, straight to the webhook: no secret, then a wrong one.
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http:
            for update_id, headers in ((900001, {}), (900002, {SECRET_HEADER: "guess"})):
                update = raw_update(update_id, INTRUDER, "/start")
                async with http.post(url, json=update, headers=headers) as response:
                    assert response.status == 403, headers

            # A huge body: refused on its headers (wrong secret: 403 before any byte of
            # the body is read), and over 1 MB even with the right secret (413).
            huge = b"x" * (8 * 1024 * 1024)
            for headers, status in (
                ({SECRET_HEADER: "guess"}, 403),
                ({SECRET_HEADER: SECRET}, 413),
            ):
                async with http.post(url, data=huge, headers=headers) as response:
                    assert response.status == status, headers
            # Not an update, with the right secret: 200 and dropped (an error answer would
            # make Telegram post it again forever), one line, no traceback.
            deep = b"[" * 200_000 + b"]" * 200_000
            for body in (b"{not json", deep, b'{"message": 5}', b"null"):
                async with http.post(url, data=body, headers={SECRET_HEADER: SECRET}) as response:
                    assert response.status == 200, body[:20]

        # A genuine update after the forged ones is answered; the forged ones never were.
        before = len(api.messages_for(USER))
        api.send_user_message(USER, "/help")
        await wait_for_reply(api, USER, "/latest", before)
        assert api.messages_for(INTRUDER) == []

        code = await bot.signal_and_wait(signal.SIGTERM)

    assert code == 0, bot.output()[-3000:]
    assert any("stopped cleanly" in line for line in bot.lines)
    assert_no_token(bot.lines, SECRET)
    # PTB logs each refused post at DEBUG, traceback included; nothing is an error.
    levels = {json.loads(line)["level"] for line in bot.lines}
    assert levels <= {"DEBUG", "INFO", "WARNING"}, levels
    assert sum("webhook update dropped" in line for line in bot.lines) == 4
    assert "Traceback" not in bot.output()


def test_webhook_url_without_a_secret_is_refused(tmp_path):
    env = clean_env(
        tmp_path,
        BOT_TOKEN=FAKE_TOKEN,
        WEBHOOK_URL=f"http://127.0.0.1:{free_port()}/hook/abc",
    )
    result = run_cli(tmp_path, "run", env=env)
    assert result.returncode != 0
    (line,) = result.stderr.strip().splitlines()
    assert "WEBHOOK_SECRET" in line
    assert_no_token([result.stdout, result.stderr])
    assert_no_traceback(result.stderr)


def test_plain_http_webhook_off_loopback_is_refused(tmp_path):
    env = clean_env(
        tmp_path,
        BOT_TOKEN=FAKE_TOKEN,
        WEBHOOK_URL="http://bot.example.com/hook/abc",
        WEBHOOK_SECRET=SECRET,
    )
    result = run_cli(tmp_path, "run", env=env)
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert "WEBHOOK_URL" in line and "https" in line
    assert_no_token([result.stdout, result.stderr], SECRET)
