"""Builds the PTB Application in one place: handlers, storage, delivery, source polling."""

from __future__ import annotations

import functools
import logging

import httpx
from telegram.ext import Application, ApplicationBuilder, ContextTypes

from bot.config import Settings
from bot.delivery.engine import DeliveryEngine
from bot.delivery.ratelimit import SendRateLimiter
from bot.delivery.sender import BulkSender
from bot.sources.ingest import shutdown_parsers
from bot.sources.poller import SourcePoller
from bot.telegram.cleanup import Deleter
from bot.telegram.commands import register_commands
from bot.telegram.context import (
    BotContext,
    Services,
    get_services,
    install_services,
    remove_services,
)
from bot.telegram.handlers import add_handlers, tell_flooding_chat
from bot.telegram.updates import PerChatUpdateProcessor
from storage import search
from storage.db import connect

log = logging.getLogger(__name__)

FEED_TIMEOUT = httpx.Timeout(20.0, connect=10.0)


def build_application(
    settings: Settings, *, rate_limiter: SendRateLimiter | None = None, with_updater: bool = True
) -> Application:
    if settings.bot_token is None:
        raise ValueError("BOT_TOKEN is not set")
    api = settings.telegram_api_url
    processor = PerChatUpdateProcessor(64)
    builder = (
        ApplicationBuilder()
        .token(settings.bot_token.get_secret_value())
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .context_types(ContextTypes(context=BotContext))
        .rate_limiter(rate_limiter or SendRateLimiter(settings.send_rate))
        # Chats in parallel, each chat's updates in order (bot/telegram/updates.py).
        .concurrent_updates(processor)
        .post_init(functools.partial(on_startup, settings=settings))
        .post_stop(on_stop)
        .post_shutdown(on_shutdown)
    )
    if not with_updater:
        builder = builder.updater(None)
    application = builder.build()
    processor.on_dropped = functools.partial(tell_flooding_chat, application)
    add_handlers(application)
    return application


async def on_startup(application: Application, *, settings: Settings) -> None:
    db = await connect(settings.database_path)
    services = Services(
        settings=settings,
        db=db,
        http=httpx.AsyncClient(timeout=FEED_TIMEOUT, follow_redirects=True),
        cleanup=Deleter(application.bot),
    )
    install_services(application, services)
    # Pushes go through a lean sender (bot/delivery/sender.py) sharing the bot's rate
    # limiter: PTB's per-call cost caps a fan-out near 200 msg/s on two cores.
    sender = BulkSender(
        token=settings.bot_token.get_secret_value(),
        base_url=f"{settings.telegram_api_url}/bot",
        rate_limiter=application.bot.rate_limiter,
    )
    services.engine = DeliveryEngine(
        application.bot,
        db,
        sender=sender,
        default_tz=settings.default_tz,
        keep_days=settings.ledger_keep_days,
    )
    await services.engine.start()
    await register_commands(application.bot)
    # The search's segmenter and script-folding tables load in a thread (~0.2-0.3 s).
    await search.warm_up()
    if settings.digest_sources:
        services.poller = SourcePoller(
            db, services.http, settings.digest_sources, settings.poll_interval,
            on_new=services.engine.wake,
        )  # fmt: skip
        services.poller.start()
    log.info(
        "started: database %s, %d source(s), send rate %s/s",
        settings.database_path,
        len(settings.digest_sources),
        settings.send_rate,
    )


async def on_stop(application: Application) -> None:
    """Updates have stopped: stop polling (fetches in flight are cancelled), let the
    parts in flight finish."""
    services = get_services(application)
    if services:
        await services.cleanup.stop()
    if services and services.poller:
        await services.poller.stop()
    if services and services.engine:
        await services.engine.stop()


async def on_shutdown(application: Application) -> None:
    services = remove_services(application)
    if services is None:
        return
    await services.http.aclose()
    shutdown_parsers()
    if services.engine and services.engine.sender is not None:
        await services.engine.sender.close()
    await services.db.close()
    log.info("stopped cleanly")


async def start_application(application: Application, *, polling: bool = True) -> None:
    """What run_polling does before it idles (the console and the tests use it)."""
    await application.initialize()
    await application.post_init(application)
    if polling:
        await application.updater.start_polling(poll_interval=0, timeout=1)
    await application.start()


async def stop_application(application: Application) -> None:
    """What run_polling does on SIGTERM: stop updates, finish sends in flight, close."""
    if application.updater and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
    await on_stop(application)
    await application.shutdown()
    await on_shutdown(application)
