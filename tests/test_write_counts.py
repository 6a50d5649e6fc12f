"""How many write transactions a chat's command costs (Database.transactions counts
them): reading a chat's state writes nothing, and /follow is one transaction; a private
chat's Telegram language is stored once, when it changes, after the handlers."""

from __future__ import annotations

from pathlib import Path

from bot.telegram.context import get_services
from storage import subscribers as subs
from storage.db import Database
from tests.bot_env import BotEnv, running_bot

USER = 5


def database(env: BotEnv) -> Database:
    services = get_services(env.application)
    assert services is not None
    return services.db


async def transactions_of(env: BotEnv, text: str, language_code: str) -> int:
    db = database(env)
    before = db.transactions
    await env.say(USER, text, language_code=language_code)
    return db.transactions - before


async def test_follow_is_one_write_transaction_and_reading_writes_nothing(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as env:
        await transactions_of(env, "/start", "zh-hans")
        for topic in ("chips", "agents", "机器人"):
            assert await transactions_of(env, f"/follow {topic}", "zh-hans") == 1, topic
        for command in ("/latest", "/settings", "/topics", "/help"):
            assert await transactions_of(env, command, "zh-hans") == 0, command


async def test_a_new_telegram_language_is_stored_once(tmp_path: Path) -> None:
    async with running_bot(tmp_path) as env:
        await transactions_of(env, "/start", "en")
        db = database(env)
        assert await transactions_of(env, "/latest", "zh-hans") == 1  # the language, once
        assert await transactions_of(env, "/latest", "zh-hans") == 0
        stored = await subs.get_subscriber(db, USER)
        assert stored is not None and stored.user_lang == "zh"
