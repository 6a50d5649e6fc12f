"""Channels keep only digests: a command post and the bot's replies to it are deleted
after a minute (when the bot may delete there).

One timer per command post, not a task: replies to the same post join its batch, and
the batch goes in one deleteMessages call. Failures are logged, never raised. Stopping
cancels what is still waiting (a restart leaves those messages in place) and never
waits on the Bot API for long.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress

from telegram.error import TelegramError
from telegram.ext import ExtBot

log = logging.getLogger(__name__)

DELETE_AFTER = 60.0  # seconds
STOP_TIMEOUT = 2.0  # deletions on the wire when stopping get this long
MAX_IDS = 100  # deleteMessages takes 1-100 ids


class Deleter:
    """Deletes batches of messages after `delay` seconds."""

    def __init__(self, bot: ExtBot, delay: float = DELETE_AFTER) -> None:
        self.bot = bot
        self.delay = delay
        self._batches: dict[tuple[int, int], list[int]] = {}  # (chat, post) -> message ids
        self._timers: dict[tuple[int, int], asyncio.TimerHandle] = {}
        self._running: set[asyncio.Task] = set()
        self.deleted = 0  # messages deleted, for tests and logs
        self._stopped = False

    def schedule(self, chat_id: int, post_id: int, message_ids: list[int]) -> None:
        """Delete `message_ids` of the chat in `delay` seconds, with the rest of the batch
        of `post_id` (the command post they answer)."""
        if self._stopped or not message_ids:
            return
        key = (chat_id, post_id)
        batch = self._batches.setdefault(key, [])
        batch.extend(m for m in message_ids if m not in batch)
        if key not in self._timers:
            loop = asyncio.get_running_loop()
            self._timers[key] = loop.call_later(self.delay, self._due, key)

    @property
    def pending(self) -> int:
        """Messages waiting for their deletion."""
        return sum(len(batch) for batch in self._batches.values())

    def _due(self, key: tuple[int, int]) -> None:
        self._timers.pop(key, None)
        ids = self._batches.pop(key, [])
        if ids:
            task = asyncio.get_running_loop().create_task(self._delete(key[0], ids))
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    async def _delete(self, chat_id: int, ids: list[int]) -> None:
        for start in range(0, len(ids), MAX_IDS):
            chunk = ids[start : start + MAX_IDS]
            try:
                await self.bot.delete_messages(chat_id, chunk)
                self.deleted += len(chunk)
            except TelegramError as error:
                log.warning(
                    "could not delete %d message(s): %s",
                    len(chunk),
                    error,
                    extra={"chat_id": chat_id},
                )

    async def stop(self) -> None:
        """Cancel what waits; give deletions already on the wire a moment."""
        self._stopped = True
        for timer in self._timers.values():
            timer.cancel()
        if self._batches:
            log.info("%d message(s) left undeleted at shutdown", self.pending)
        self._timers.clear()
        self._batches.clear()
        if self._running:
            _, late = await asyncio.wait(self._running, timeout=STOP_TIMEOUT)
            for task in late:
                task.cancel()
            with suppress(asyncio.CancelledError):
                await asyncio.gather(*late, return_exceptions=True)
