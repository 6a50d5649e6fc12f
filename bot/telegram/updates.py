"""How updates are processed: one chat at a time in order, many chats at once.

PTB's default processor lets N updates run at once, whoever sent them. A handler
that waits out its chat's pacing (1 message/s in a private chat) holds its slot
meanwhile, so one chat sending 200 commands filled every slot and another chat's
/help waited minutes. Here each chat's updates wait in the chat's own line, holding
nothing; only the update at the head of a line takes one of the shared slots. A
chat with more than MAX_WAITING updates in line has the excess dropped, and is told
once (a flood is not a conversation).

Inline queries have slots of their own (INLINE_SLOTS), so a flood of them never holds
a command's slot; one that waited over INLINE_MAX_AGE for a slot is dropped unanswered
(the user has typed on; Telegram drops a late answer anyway).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

log = logging.getLogger(__name__)

MAX_WAITING = 20  # updates of one chat in line; more are dropped
INLINE_SLOTS = 16  # inline queries handled at once, beside the commands' slots
INLINE_MAX_AGE = 3.0  # seconds an inline query may wait for a slot
# PTB's own bound must not be what limits: every update may wait in its chat's line.
_PTB_BOUND = 1_000_000


def chat_key(update: object) -> int | None:
    """The line an update waits in: its chat (inline queries: their user)."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return None


class PerChatUpdateProcessor(BaseUpdateProcessor):
    def __init__(
        self,
        max_concurrent: int = 64,
        *,
        max_waiting: int = MAX_WAITING,
        on_dropped: Callable[[Update], Awaitable[None]] | None = None,
    ) -> None:
        super().__init__(_PTB_BOUND)
        self._slots = asyncio.Semaphore(max_concurrent)
        self._inline_slots = asyncio.Semaphore(INLINE_SLOTS)
        self.inline_dropped = 0
        self.max_waiting = max_waiting
        self._lines: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}
        self._told: set[int] = set()  # chats told about dropped updates, until their line empties
        self.on_dropped = on_dropped
        self.dropped = 0

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to free."""

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        if isinstance(update, Update) and update.inline_query is not None:
            await self._inline(coroutine)
            return
        key = chat_key(update)
        if key is None:
            async with self._slots:
                await coroutine
            return
        if self._waiting.get(key, 0) >= self.max_waiting:
            await self._drop(key, update, coroutine)
            return
        self._waiting[key] = self._waiting.get(key, 0) + 1
        line = self._lines.setdefault(key, asyncio.Lock())
        try:
            async with line, self._slots:
                await coroutine
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:
                del self._waiting[key]
                self._lines.pop(key, None)
                self._told.discard(key)

    async def _inline(self, coroutine: Awaitable[Any]) -> None:
        arrived = time.monotonic()
        async with self._inline_slots:
            if time.monotonic() - arrived > INLINE_MAX_AGE:
                self.inline_dropped += 1
                if asyncio.iscoroutine(coroutine):
                    coroutine.close()  # never awaited: nothing of it runs
                return
            await coroutine

    async def _drop(self, key: int, update: object, coroutine: Awaitable[Any]) -> None:
        self.dropped += 1
        if asyncio.iscoroutine(coroutine):
            coroutine.close()  # never awaited: nothing of it runs
        if key in self._told:
            return
        self._told.add(key)
        log.warning("chat is flooding: updates dropped", extra={"chat_id": key})
        if self.on_dropped is not None and isinstance(update, Update):
            try:
                await self.on_dropped(update)
            except Exception:  # telling is best effort; the flood is handled either way
                log.exception("could not tell a flooding chat", extra={"chat_id": key})
