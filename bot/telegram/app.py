"""Builds the PTB Application in one place: handlers, storage, delivery, source polling."""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
from collections.abc import Callable

import httpx
from telegram.ext import Application, ApplicationBuilder, ContextTypes, Updater

from bot.config import Settings
from bot.delivery.engine import DeliveryEngine
from bot.delivery.ratelimit import SendRateLimiter
from bot.delivery.sender import BulkSender
from bot.sources.allowed import feed_client
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
from bot.telegram.patience import until_answered
from bot.telegram.updates import PerChatUpdateProcessor
from storage import search
from storage.db import connect
from storage.digest_sources import mark_configured

log = logging.getLogger(__name__)

FEED_TIMEOUT = httpx.Timeout(20.0, connect=10.0)


def build_application(
    settings: Settings, *, rate_limiter: SendRateLimiter | None = None, with_updater: bool = True
) -> Application:
    api = settings.telegram_api_url
    processor = PerChatUpdateProcessor(64)
    builder = (
        ApplicationBuilder()
        .token(settings.token)
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
        http=feed_client(FEED_TIMEOUT, allow_private=settings.ingest_allow_private),
        cleanup=Deleter(application.bot),
    )
    install_services(application, services)
    # Pushes go through a lean sender (bot/delivery/sender.py) sharing the bot's rate
    # limiter: PTB's per-call cost caps a fan-out near 200 msg/s on two cores.
    sender = BulkSender(
        token=settings.token,
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
    bot = application.bot
    await until_answered(lambda: register_commands(bot), "setMyCommands", settings.telegram_api_url)
    # The search's segmenter and script-folding tables load in a thread (~0.2-0.3 s).
    await search.warm_up()
    if settings.digest_sources:
        # Sources DIGEST_SOURCES no longer gives are listed as no longer published.
        entries = settings.source_entries
        await mark_configured(db, settings.source_targets, [n for n, _ in entries if n])
        services.poller = SourcePoller(
            db,
            services.http,
            entries,
            settings.poll_interval,
            on_new=services.engine.wake,
            default_tz=settings.default_tz,
        )
        services.poller.start()
    log.info(
        "started: database %s, %d source(s), send rate %s/s",
        settings.database_path,
        len(settings.digest_sources),
        settings.send_rate,
    )


Step = tuple[str, Callable[[], object]]  # what it does (for the log), the call


class ShutdownError(Exception):
    """Steps of the shutdown failed (each logged with its traceback); the rest ran."""

    def __init__(self, failed: list[str]) -> None:
        super().__init__(f"shutdown incomplete: cannot {', '.join(failed)}")
        self.failed = failed


async def run_steps(steps: list[Step]) -> None:
    """Every step in order, also after one failed (teardown in `finally`, as PTB's
    Application does it): each failure logged; then ShutdownError naming them, or the
    cancellation re-raised as it is."""
    failed: list[str] = []
    first: BaseException | None = None
    for name, step in steps:
        try:
            result = step()
            if inspect.isawaitable(result):
                await result
        except ShutdownError as error:  # a step of steps: each failure is logged already
            failed += error.failed
            first = first or error.__cause__ or error
        except BaseException as error:  # a cancellation too: the next steps still run
            log.error("shutdown: cannot %s: %r", name, error, exc_info=error)
            failed.append(name)
            first = first or error
    if isinstance(first, asyncio.CancelledError):
        raise first
    if first is not None:
        raise ShutdownError(failed) from first


async def on_stop(application: Application) -> None:
    """Updates have stopped: stop polling (fetches in flight are cancelled), let the
    parts in flight finish. Only what on_startup started."""
    services = get_services(application)
    if services is None:
        return
    steps: list[Step] = [("stop deleting channel posts", services.cleanup.stop)]
    if services.poller:
        steps.append(("stop polling the sources", services.poller.stop))
    if services.engine:
        steps.append(("stop the delivery engine", services.engine.stop))
    await run_steps(steps)
    limiter = application.bot.rate_limiter
    dropped = limiter.dropped if isinstance(limiter, SendRateLimiter) else 0
    if services.dropped_updates or dropped:
        log.info("stopping: %d queued update(s) dropped unanswered, %d send(s) not made"
                 " (parts stay in the ledger)", services.dropped_updates, dropped)  # fmt: skip


async def begin_stop(application: Application) -> None:
    """SIGTERM: updates still queued are dropped and sends still waiting are not made
    (replies dropped, parts kept in the ledger), so that stopping takes seconds, not the
    minutes 1,000 queued replies would take at the send rate."""
    services = get_services(application)
    if services is not None:
        services.stopping = True
    limiter = application.bot.rate_limiter
    if isinstance(limiter, SendRateLimiter):
        limiter.close()


async def on_shutdown(application: Application) -> None:
    """Close what on_startup opened, the database last."""
    services = remove_services(application)
    if services is None:
        return
    steps: list[Step] = [
        ("close the feed client", services.http.aclose),
        ("stop the parser processes", shutdown_parsers),
    ]
    if services.engine and services.engine.sender is not None:
        steps.append(("close the delivery sender", services.engine.sender.close))
    steps.append(("close the database", services.db.close))
    await run_steps(steps)
    log.info("stopped cleanly")


async def run_post_init(application: Application) -> None:
    """on_startup, as build_application registered it (run_polling's step after initialize)."""
    if application.post_init is not None:
        await application.post_init(application)


def updater_of(application: Application) -> Updater:
    """The Application's Updater: built with one unless with_updater=False."""
    if application.updater is None:
        raise ValueError("this Application was built without an Updater (with_updater=False)")
    return application.updater


async def start_application(application: Application, *, polling: bool = True) -> None:
    """What run_polling does before it idles (the console and the tests use it)."""
    await application.initialize()
    await run_post_init(application)
    if polling:
        await updater_of(application).start_polling(poll_interval=0, timeout=1)
    await application.start()


async def stop_application(application: Application) -> None:
    """What run_polling does on SIGTERM, after PTB's own: stop updates, finish sends in
    flight, close. Each step runs only if its start ran (PTB's stop() only when running;
    on_stop and on_shutdown only for what on_startup made), and every step runs even
    when one before it failed: each failure is logged, then ShutdownError names them."""
    updater = application.updater
    steps: list[Step] = [("drop what is still queued", functools.partial(begin_stop, application))]
    if updater is not None and updater.running:
        steps.append(("stop the updater", updater.stop))
    if application.running:
        steps.append(("stop the application", application.stop))
    steps += [
        ("stop the services", functools.partial(on_stop, application)),
        ("shut the application down", application.shutdown),
        ("close the services", functools.partial(on_shutdown, application)),
    ]
    await run_steps(steps)
