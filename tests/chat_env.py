"""Helpers for the channel, forum and inline tests: channel posts, pushes of a new
digest, reads of what the bot stored."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bot.console import settle
from bot.digest.models import Digest, Item
from bot.local_api import SentMessage
from storage.digests import save_digest
from tests.bot_env import BotEnv

CST = timezone(timedelta(hours=8))


def services(env: BotEnv):
    return env.application.bot_data["services"]


async def post(env: BotEnv, chat_id: int, text: str) -> list[SentMessage]:
    """The channel's owner posts; returns what the bot sent in answer."""
    before = len(env.api.sent)
    env.api.post_in_channel(chat_id, text)
    await settle(env.api, env.application, grace=0.05)
    return env.api.sent[before:]


async def settled(env: BotEnv) -> None:
    await settle(env.api, env.application, grace=0.05)


# Headlines of the numbered digests: each a new story (an equal headline is a repeated
# story, folded in pushes: bot/digest/stories.py).
HEADLINES = {
    1: ("A new open model tops the coding board", "Chip export rules tighten again"),
    2: ("A robot maker raises a record round", "Chip export rules get a new exemption list"),
}


def new_digest(number: int = 1, hour: int = 20) -> Digest:
    """A digest newer than the samples, with two items of our own words."""
    first, second = HEADLINES.get(number, HEADLINES[1])
    return Digest(
        id=f"test/2026-11-29-{hour:02d}-{number}",
        source="test",
        title=f"2026.11.29.{hour:02d} test digest {number}",
        published_at=datetime(2026, 11, 29, hour, 0, tzinfo=CST),
        categories=("AI News",),
        items=(
            Item(1, first, "Ada Park",
                 f"https://example.com/ada/{number}", "An **open model** leads. More later."),
            Item(2, second, "Ben Ortiz",
                 f"https://example.com/ben/{number}", "New **chip** export rules. Details."),
        ),
    )  # fmt: skip


async def push(env: BotEnv, digest: Digest) -> None:
    """Store a new digest in the running bot's database and wake the delivery engine,
    as an ingest does."""
    found = services(env)
    await save_digest(found.db, digest)
    found.engine.wake()
