"""Typed shared state for handlers: `context.services` instead of bot_data look-ups
(as PTB's examples/contexttypesbot.py does it)."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from telegram.ext import Application, CallbackContext, ExtBot

from bot.config import Settings
from bot.delivery.engine import DeliveryEngine
from bot.sources.poller import SourcePoller
from bot.telegram.cleanup import Deleter
from storage.db import Database

SERVICES = "services"  # the bot_data key; only this module reads it


@dataclass
class Services:
    """What handlers, jobs and admin commands share; one per running Application."""

    settings: Settings
    db: Database  # every write through db.transaction(), reads through db.execute()
    http: httpx.AsyncClient  # feeds
    cleanup: Deleter  # command posts and replies in channels, deleted after a minute
    engine: DeliveryEngine | None = None
    poller: SourcePoller | None = None  # DIGEST_SOURCES
    stopping: bool = False  # SIGTERM: updates still queued are dropped, not handled
    dropped_updates: int = 0


class BotContext(CallbackContext[ExtBot, dict, dict, dict]):
    """The context every handler gets (registered with ContextTypes in app.py)."""

    def __init__(
        self, application: Application, chat_id: int | None = None, user_id: int | None = None
    ) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)

    @property
    def services(self) -> Services:
        return self.application.bot_data[SERVICES]


def install_services(application: Application, services: Services) -> None:
    application.bot_data[SERVICES] = services


def get_services(application: Application) -> Services | None:
    return application.bot_data.get(SERVICES)


def remove_services(application: Application) -> Services | None:
    return application.bot_data.pop(SERVICES, None)
