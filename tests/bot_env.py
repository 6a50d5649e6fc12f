"""A running bot for tests: the real Application, polling over real HTTP a
LocalBotApi stand-in on 127.0.0.1, with a real SQLite file."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr
from telegram.ext import Application

from bot.config import Settings
from bot.console import samples_dir, settle
from bot.delivery.ratelimit import SendRateLimiter
from bot.digest.parse import parse_file
from bot.local_api import LocalBotApi, SentMessage
from bot.telegram.app import build_application, start_application, stop_application
from storage.db import connect
from storage.digests import save_digest

ADMIN_ID = 999


@dataclass
class BotEnv:
    api: LocalBotApi
    application: Application
    settings: Settings

    async def say(
        self, chat_id: int, text: str, *, user_id: int | None = None, **kwargs
    ) -> list[SentMessage]:
        """A user writes; returns what the bot sent or edited in answer."""
        before = len(self.api.sent)
        self.api.send_user_message(chat_id, text, user_id=user_id or chat_id, **kwargs)
        await settle(self.api, self.application, grace=0.05)
        return self.api.sent[before:]

    async def press(
        self,
        chat_id: int,
        message: SentMessage,
        data: str,
        *,
        user_id: int | None = None,
        chat_type: str = "private",
    ) -> list[SentMessage]:
        before = len(self.api.sent)
        self.api.press_button(
            chat_id, message.message_id, data, user_id=user_id or chat_id, chat_type=chat_type
        )
        await settle(self.api, self.application, grace=0.05)
        return self.api.sent[before:]

    def callback_answers(self) -> list[dict]:
        return [params for method, params in self.api.calls if method == "answerCallbackQuery"]


def make_settings(api: LocalBotApi, database: Path, **overrides) -> Settings:
    values = {
        "bot_token": SecretStr(api.token),
        "telegram_api_url": api.base_url,
        "database_path": database,
        "admin_ids": [ADMIN_ID],
        "send_rate": 1000,
        "digest_sources": [],
        **overrides,
    }
    return Settings(_env_file=None, **values)


async def store_samples(database: Path) -> int:
    db = await connect(database)
    try:
        for path in sorted(samples_dir().glob("*.md")):
            await save_digest(db, parse_file(path))
    finally:
        await db.close()
    return len(list(samples_dir().glob("*.md")))


async def wait_until(condition, timeout: float = 10.0, what: str = "") -> None:  # noqa: ASYNC109
    """Poll `condition()` (sync or async) until it is true; fails after `timeout`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = condition()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if loop.time() > deadline:
            raise AssertionError(f"not within {timeout} s: {what or condition}")
        await asyncio.sleep(0.02)


async def start_bot(settings: Settings, *, limits: bool = False) -> Application:
    """`limits=False` lifts the per-chat pacing (1 message/s), which would make a
    scripted user wait a second per reply; the limiter has its own tests."""
    limiter = None if limits else SendRateLimiter(None)
    application = build_application(settings, rate_limiter=limiter)
    await start_application(application)
    return application


async def stop_bot(application: Application) -> None:
    await stop_application(application)


@asynccontextmanager
async def running_bot(
    tmp_path: Path, *, samples: bool = True, limits: bool = False, **overrides
) -> AsyncIterator[BotEnv]:
    """The bot on a database in `tmp_path` (the bundled samples stored first, unless
    samples=False), talking to a fresh stand-in; settings `overrides` as make_settings."""
    async with LocalBotApi() as api:
        database = tmp_path / "bot.db"
        if samples:
            await store_samples(database)
        settings = make_settings(api, database, **overrides)
        application = await start_bot(settings, limits=limits)
        try:
            yield BotEnv(api, application, settings)
        finally:
            await stop_bot(application)
