"""Shared fixtures: a real SQLite file per test, and the real posts in ../shared/data."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from storage.db import connect

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    """The real posts; tests that need them skip where ../shared is absent (a user's clone)."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not here (a user's clone): real-post tests skipped")
    return SHARED_DATA


@pytest.fixture
async def env(tmp_path: Path):
    """The running bot on the bundled samples (tests/bot_env.py running_bot)."""
    from tests.bot_env import running_bot

    async with running_bot(tmp_path) as running:
        yield running


@pytest.fixture
async def api():
    """A Bot API stand-in on 127.0.0.1 (bot/local_api)."""
    from bot.local_api import LocalBotApi

    async with LocalBotApi() as stand_in:
        yield stand_in


@pytest.fixture
async def bot(api):
    """A plain PTB Bot talking to the stand-in."""
    from telegram import Bot

    async with Bot(api.token, base_url=f"{api.base_url}/bot") as ptb_bot:
        yield ptb_bot


@pytest.fixture
async def db(tmp_path: Path):
    connection = await connect(tmp_path / "test.db")
    try:
        yield connection
    finally:
        await connection.close()


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """Skips in one line (the real-post tests skip, one by one, in a user's clone)."""
    skipped = terminalreporter.stats.get("skipped", [])
    if not skipped:
        return
    reasons = Counter(
        str(report.longrepr[-1]).removeprefix("Skipped: ") for report in skipped if report.longrepr
    )
    summary = "; ".join(f"{count} × {reason}" for reason, count in reasons.most_common(3))
    terminalreporter.write_line(f"{len(skipped)} skipped: {summary}")
