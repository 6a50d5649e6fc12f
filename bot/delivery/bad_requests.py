"""What Telegram's BadRequest descriptions mean, in one place for pushes (engine.py) and
replies (bot/telegram/replies.py), and the one fallback to plain text for HTML Telegram
cannot parse."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from telegram.error import BadRequest

from bot.digest.markup import html_to_plain

log = logging.getLogger(__name__)

T = TypeVar("T")

# The chat is gone for good.
CHAT_GONE = (
    "chat not found",
    "group chat was deleted",
    "user is deactivated",
    "bot was kicked",
    "not enough rights to send",
    "have no rights to send",
)
# The forum topic is gone (the chat is not).
TOPIC_GONE = ("message thread not found", "topic_deleted")
PARSE_ERROR = "can't parse entities"


def chat_gone(error: BadRequest) -> bool:
    return any(phrase in error.message.lower() for phrase in CHAT_GONE)


def topic_gone(error: BadRequest) -> bool:
    return any(phrase in error.message.lower() for phrase in TOPIC_GONE)


async def send_html_or_plain(
    send: Callable[[str, str | None], Awaitable[T]], html: str, **log_extra: Any
) -> T:
    """`send(text, parse_mode)` the HTML; when Telegram cannot parse it, the same words
    as plain text (links shown as their URLs). Any other error is raised as it is."""
    try:
        return await send(html, "HTML")
    except BadRequest as error:
        if PARSE_ERROR not in error.message.lower():
            raise
        log.warning("HTML rejected, sending plain text: %s", error.message, extra=log_extra)
        return await send(html_to_plain(html), None)
