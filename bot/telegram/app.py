"""Builds the PTB Application in one place: handlers, storage, delivery, source polling."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import httpx
from telegram import BotCommand
from telegram.ext import Application, ApplicationBuilder, ContextTypes

from bot.config import Settings
from bot.delivery.engine import DeliveryEngine
from bot.delivery.ratelimit import SendRateLimiter
from bot.delivery.sender import BulkSender
from bot.sources.ingest import IngestReport, ingest_targets
from bot.telegram.context import Services
from bot.telegram.handlers import COMMANDS, add_handlers
from storage.db import connect

log = logging.getLogger(__name__)

FEED_TIMEOUT = httpx.Timeout(20.0, connect=10.0)


def build_application(
    settings: Settings, *, rate_limiter: SendRateLimiter | None = None, with_updater: bool = True
) -> Application:
    if settings.bot_token is None:
        raise ValueError("BOT_TOKEN is not set")
    api = settings.telegram_api_url
    builder = (
        ApplicationBuilder()
        .token(settings.bot_token.get_secret_value())
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .rate_limiter(rate_limiter or SendRateLimiter(settings.send_rate))
        .concurrent_updates(64)  # one user's slow /latest must not hold up the others
        .post_init(on_startup)
        .post_stop(on_stop)
        .post_shutdown(on_shutdown)
    )
    if not with_updater:
        builder = builder.updater(None)
    application = builder.build()
    application.bot_data["settings"] = settings
    add_handlers(application)
    return application


async def on_startup(application: Application) -> None:
    settings: Settings = application.bot_data["settings"]
    db = await connect(settings.database_path)
    services = Services(
        settings=settings,
        db=db,
        ingest_db=await connect(settings.database_path),
        http=httpx.AsyncClient(timeout=FEED_TIMEOUT, follow_redirects=True),
    )
    application.bot_data["services"] = services
    # Pushes go through a lean sender (bot/bulk_send.py) sharing the bot's rate limiter:
    # PTB's per-call cost (form-encoding, a full Message per reply) caps a fan-out
    # near 200 msg/s on two cores; the lean path sustains over 1,000 (bench/fanout.py).
    sender = BulkSender(
        token=settings.bot_token.get_secret_value(),
        base_url=f"{settings.telegram_api_url}/bot",
        rate_limiter=application.bot.rate_limiter,
    )
    services.engine = DeliveryEngine(
        application.bot, await connect(settings.database_path), sender=sender
    )
    await services.engine.start()
    await application.bot.set_my_commands(
        [BotCommand(command.name, command.help) for command in COMMANDS if not command.admin]
    )
    if settings.digest_sources and application.job_queue is not None:
        application.job_queue.run_repeating(
            poll_sources, interval=settings.poll_interval, first=1, name="poll-sources"
        )
    log.info(
        "started: database %s, %d source(s), send rate %s/s",
        settings.database_path,
        len(settings.digest_sources),
        settings.send_rate,
    )


async def on_stop(application: Application) -> None:
    """Updates have stopped: let the parts in flight finish."""
    services: Services | None = application.bot_data.get("services")
    if services and services.engine:
        await services.engine.stop()


async def on_shutdown(application: Application) -> None:
    services: Services | None = application.bot_data.pop("services", None)
    if services is None:
        return
    await services.http.aclose()
    await services.ingest_db.close()
    if services.engine:
        await services.engine.db.close()
        if services.engine.sender is not None:
            await services.engine.sender.close()
    await services.db.close()
    log.info("stopped cleanly")


async def poll_sources(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The repeating job: every source, each failure isolated and backed off."""
    services: Services = context.application.bot_data["services"]
    report = IngestReport()
    async with services.ingest_lock:
        for source in services.settings.digest_sources:
            if not await due(services, source):
                continue
            try:
                report.merge(
                    await ingest_targets(
                        services.ingest_db, [source], services.http, stamps=services.file_stamps
                    )
                )
            except Exception:  # one broken source must not stop the others
                log.exception("polling failed", extra={"source": source})
    if report.new and services.engine is not None:
        services.engine.wake()
    if report.new or report.updated or report.failed:
        log.info("polled sources: %s", report.summary())


async def due(services: Services, source: str) -> bool:
    """Feeds that failed wait out their back-off; folders are always due."""
    if not source.startswith(("http://", "https://")) and Path(source).exists():
        return True
    from storage.sources import load_source_state

    state = await load_source_state(services.ingest_db, source)
    return state.next_poll_ts <= time.time()


async def start_application(application: Application, *, polling: bool = True) -> None:
    """What run_polling does before it idles (the console and the tests use it)."""
    await application.initialize()
    await on_startup(application)
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
