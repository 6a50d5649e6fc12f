"""Start-up calls to the Bot API (getMe, setMyCommands, deleteWebhook, setWebhook...)
tried until Telegram answers: with back-off, one log line per attempt, no traceback.

What is retried says nothing about the call itself: no connection, a timeout, a server
error or an HTML error page, an unreadable answer, a RetryAfter (its own delay). A
rejected token or a refused request is raised to the caller at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram.error import RetryAfter, TelegramError, TimedOut

from bot.delivery.health import describe, is_outage
from bot.delivery.ratelimit import retry_after_seconds

log = logging.getLogger(__name__)

FIRST_RETRY, MAX_RETRY = 1.0, 60.0  # seconds between attempts

T = TypeVar("T")


async def until_answered(call: Callable[[], Awaitable[T]], what: str, where: str) -> T:
    """`await call()` until the Bot API at `where` answers it. Cancel to give up."""
    delay = FIRST_RETRY
    attempt = 1
    while True:
        try:
            return await call()
        except RetryAfter as error:
            wait = max(retry_after_seconds(error), delay)
            reason = describe(error)
        except TelegramError as error:
            if not (isinstance(error, TimedOut) or is_outage(error)):
                raise
            wait, reason = delay, describe(error)
            delay = min(delay * 2, MAX_RETRY)
        log.warning("cannot reach the Bot API at %s (%s, attempt %d: %s); retrying in %.0f s",
                    where, what, attempt, reason, wait)  # fmt: skip
        await asyncio.sleep(wait)
        attempt += 1
