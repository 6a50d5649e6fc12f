"""`digest-bot run`: start the bot (long polling, or a webhook server), run until
SIGTERM/SIGINT, stop cleanly.

Start-up waits for the Bot API with back-off (one log line per attempt: a network
that is not up yet, DNS not ready, a server error or an unreadable answer), for every
start-up call (getMe, setMyCommands, deleteWebhook or setWebhook, polling's own
bootstrap: patience.py), and gives up at once, in one line, on a rejected token.
The webhook server is ours (aiohttp), not PTB's: it checks Telegram's secret header
before reading a body and refuses bodies over MAX_UPDATE_BYTES, so forged posts cost
nothing.
"""

from __future__ import annotations

import asyncio
import functools
import hmac
import json
import logging
import signal
from contextlib import suppress

from aiohttp import web
from telegram import Update
from telegram.error import InvalidToken
from telegram.ext import Application

from bot.config import Settings
from bot.telegram.app import (
    ShutdownError,
    Step,
    build_application,
    run_post_init,
    run_steps,
    stop_application,
    updater_of,
)
from bot.telegram.patience import until_answered
from storage.db import DatabaseError

log = logging.getLogger(__name__)

ALLOWED_UPDATES = [
    "message",
    "edited_message",
    "channel_post",
    "callback_query",
    "inline_query",
    "my_chat_member",
]
MAX_UPDATE_BYTES = 1024 * 1024  # Telegram's updates are a few kB
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class StartupError(Exception):
    """The bot cannot start; the message is the one line to show."""


async def connect_to_bot_api(application: Application, settings: Settings) -> None:
    """PTB's initialize (getMe) until the Bot API answers. StartupError on a rejected
    token."""
    try:
        await until_answered(application.initialize, "getMe", settings.telegram_api_url)
    except InvalidToken:  # PTB's message quotes the token: our own line instead
        raise StartupError(
            f"BOT_TOKEN was rejected by {settings.telegram_api_url} "
            "(revoked or mistyped? @BotFather issues a new one)"
        ) from None


def webhook_app(application: Application, settings: Settings) -> web.Application:
    secret = settings.webhook_token.encode()

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, secret):
            log.debug("webhook post refused: missing or wrong secret")
            return web.Response(status=403)
        if (request.content_length or 0) > MAX_UPDATE_BYTES:
            return web.Response(status=413)
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return web.Response(status=413)
        try:
            update = Update.de_json(json.loads(body), application.bot)
            if update is None:
                raise ValueError("empty update")
        except Exception as error:  # RecursionError, TypeError, ValueError...
            # From Telegram (the secret matched): an error answer would make it post the
            # same body again and again. Dropped, with one line.
            log.warning("webhook update dropped: not an update (%s, %d bytes)",
                        type(error).__name__, len(body))  # fmt: skip
            return web.Response()
        await application.update_queue.put(update)
        return web.Response()

    app = web.Application(client_max_size=MAX_UPDATE_BYTES)
    app.router.add_post("/" + settings.webhook_path, receive)
    return app


async def start(application: Application, settings: Settings) -> web.AppRunner | None:
    """Every start-up step, each Bot API call tried until it is answered; the webhook
    server's runner, if there is one."""
    where = settings.telegram_api_url
    await connect_to_bot_api(application, settings)
    try:
        await run_post_init(application)
    except DatabaseError as error:
        raise StartupError(f"cannot use the database {error}") from None
    if settings.webhook_url:
        site_runner = web.AppRunner(webhook_app(application, settings), access_log=None)
        await site_runner.setup()
        url, secret = settings.webhook_url, settings.webhook_token
        try:
            await web.TCPSite(site_runner, settings.webhook_listen, settings.webhook_port).start()
            await until_answered(
                lambda: application.bot.set_webhook(
                    url, secret_token=secret, allowed_updates=ALLOWED_UPDATES
                ),
                "setWebhook",
                where,
            )
        except BaseException:  # stopped (or failed) while waiting: the server goes too
            await site_runner.cleanup()
            raise
    else:
        site_runner = None
        await until_answered(application.bot.delete_webhook, "deleteWebhook", where)
        updater = updater_of(application)
        await until_answered(
            lambda: updater.start_polling(allowed_updates=ALLOWED_UPDATES), "polling", where
        )
    await application.start()
    return site_runner


async def serve(settings: Settings, stop: asyncio.Event) -> None:
    """Run the bot until `stop` is set (start-up is given up when it is set first).
    Raises StartupError when it cannot start."""
    application = build_application(settings)
    site_runner: web.AppRunner | None = None
    starting = asyncio.create_task(start(application, settings))
    stopping = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({starting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if not starting.done():
            starting.cancel()
            with suppress(asyncio.CancelledError):
                await starting
            return
        site_runner = starting.result()
        log.info("running (%s); SIGTERM or Ctrl-C stops", "webhook" if site_runner else "polling")
        await stop.wait()
    finally:
        stopping.cancel()
        # A half-started application still closes what it opened; each step that fails
        # is logged, and ShutdownError says so after all of them ran.
        steps: list[Step] = []
        if site_runner is not None:
            steps.append(("stop the webhook server", site_runner.cleanup))
        steps.append(("stop the application", functools.partial(stop_application, application)))
        await run_steps(steps)


def run(settings: Settings) -> int:
    """The process: 0 after a clean stop, 1 when the bot cannot start."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await serve(settings, stop)

    try:
        asyncio.run(main())
    except StartupError as error:
        log.critical("%s", error)
        return 1
    except ShutdownError as error:  # each failed step is logged above
        if isinstance(error.__context__, StartupError):
            log.critical("%s", error.__context__)
        log.critical("%s", error)
        return 1
    return 0
