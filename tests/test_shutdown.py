"""Stopping the bot (bot/telegram/app.py stop_application, as PTB's Application does
it): every step runs even when one before it fails, each failure is logged and
reported, never swallowed; a step whose start never ran is not run."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from telegram.error import BadRequest

from bot.local_api import LocalBotApi
from bot.telegram.app import (
    ShutdownError,
    build_application,
    run_steps,
    start_application,
    stop_application,
)
from bot.telegram.context import get_services
from storage.db import Database
from tests.bot_env import make_settings


async def is_closed(db: Database) -> bool:
    try:
        async with db.execute("SELECT 1"):
            return False
    except ValueError:  # aiosqlite: "no active connection"
        return True


async def test_a_failing_step_is_logged_and_reported_and_the_database_still_closes(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with LocalBotApi() as api:
        application = build_application(make_settings(api, tmp_path / "bot.db"))
        await start_application(application)
        services = get_services(application)
        assert services is not None and services.engine is not None
        engine, db = services.engine, services.db
        real_stop = engine.stop

        async def failing_stop() -> None:
            await real_stop()
            raise RuntimeError("the engine could not flush its ledger")

        monkeypatch.setattr(engine, "stop", failing_stop)
        with pytest.raises(ShutdownError, match="stop the delivery engine"):
            await stop_application(application)

    assert not application.running
    assert await is_closed(db)  # the steps after the failing one ran
    failures = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert any("the engine could not flush its ledger" in r.getMessage() for r in failures)
    assert any(r.exc_info for r in failures)  # with its traceback


async def test_stopping_a_bot_whose_start_failed_closes_what_it_opened(tmp_path: Path) -> None:
    async with LocalBotApi() as api:
        # A 400 (a 5xx is an outage: start-up waits it out instead).
        api.fail_method("setMyCommands", 400, "Bad Request: BOT_COMMAND_INVALID")
        application = build_application(make_settings(api, tmp_path / "bot.db"))
        with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
            await start_application(application)  # on_startup: after the database opened
        services = get_services(application)
        assert services is not None  # the database, the engine: opened before it failed
        db = services.db
        await stop_application(application)  # no PTB stop() (never started): no error
    assert get_services(application) is None
    assert await is_closed(db)


async def test_every_step_runs_and_a_cancellation_is_raised_as_it_is() -> None:
    ran: list[str] = []

    async def cancelled() -> None:
        ran.append("cancelled")
        raise asyncio.CancelledError

    def failing() -> None:
        ran.append("failing")
        raise OSError("gone")

    async def last() -> None:
        ran.append("last")

    with pytest.raises(ShutdownError, match=r"cannot fail, fail again$") as raised:
        await run_steps([("fail", failing), ("end", last), ("fail again", failing)])
    assert isinstance(raised.value.__cause__, OSError)
    with pytest.raises(asyncio.CancelledError):
        await run_steps([("be cancelled", cancelled), ("fail", failing), ("end", last)])
    assert ran == ["failing", "last", "failing", "cancelled", "failing", "last"]
