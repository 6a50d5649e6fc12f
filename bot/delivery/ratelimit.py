"""Telegram's flood limits, applied to every request PTB makes (a BaseRateLimiter).

- Overall: at most `max_rate` messages per second across all chats (SEND_RATE),
  paced evenly (GCRA: in any window of w seconds at most max_rate * w + burst).
  Every sent or edited message counts: send*, edit*, copy*, forward* methods;
  getUpdates, getMe, answerCallbackQuery, setMyCommands, sendChatAction do not.
- Per chat: 1 message/s in a private chat, 20 per minute in a group (negative ids).
- Interactive requests (command replies: no `rate_limit_args`) take the next free
  slot before any bulk request, so a fan-out never makes /search wait behind it.
  Bulk requests pass `rate_limit_args=BULK` (`{"bulk": True}`).
- RetryAfter pauses the chat it came for. An interactive request then waits and
  tries once more; a bulk one is re-raised so the delivery ledger records it (the
  part is retried later, never dropped). RetryAfter for many chats at once means the
  whole bot is over its limit: everything pauses for retry_after and the overall
  rate is halved until `recover_seconds` pass without another such burst.
- `max_rate=None` or 0 lifts all limits (bench mode); RetryAfter pauses still apply.

Waiting costs a future and a timer handle, never a task: one timer releases the
waiters slot by slot.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

BULK: dict[str, bool] = {"bulk": True}

_COUNTED_PREFIXES = ("send", "edit", "copyMessage", "forwardMessage")
_NOT_COUNTED = frozenset({"sendChatAction"})


def counts_as_message(endpoint: str) -> bool:
    """Does this Bot API method send or edit a message (and so count toward the limits)?"""
    return endpoint.startswith(_COUNTED_PREFIXES) and endpoint not in _NOT_COUNTED


def retry_after_seconds(exc: RetryAfter) -> float:
    value = getattr(exc, "_retry_after", None)  # a timedelta since PTB 22.2; no warning
    if value is None:
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _chat_id(data: dict[str, Any]) -> int | str | None:
    chat_id = data.get("chat_id")
    if isinstance(chat_id, str):
        try:
            return int(chat_id)
        except ValueError:
            return chat_id  # @channelusername
    return chat_id


def _is_group(chat_id: int | str) -> bool:
    return isinstance(chat_id, str) or chat_id < 0


class SendRateLimiter(BaseRateLimiter[dict]):
    def __init__(
        self,
        max_rate: float | None = 25.0,
        *,
        burst: int = 2,
        private_interval: float = 1.0,
        group_max: int = 20,
        group_period: float = 60.0,
        overload_chats: int = 5,
        overload_share: float = 0.5,
        slowdown: float = 0.5,
        recover_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_rate = max_rate or 0.0
        self._lifted = not max_rate
        self._burst = max(1, burst)
        self._private_interval = 0.0 if self._lifted else private_interval
        self._group_max = 0 if self._lifted else group_max
        self._group_period = group_period
        self._overload_chats = overload_chats
        self._overload_share = overload_share
        self._slowdown = slowdown
        self._recover_seconds = recover_seconds
        self._clock = clock

        self._factor = 1.0  # < 1 while slowed down after an overload
        self._slowed_until = 0.0
        self._interval = 0.0 if self._lifted else 1.0 / self.max_rate
        self._tat = 0.0  # GCRA: theoretical arrival time of the next message
        self._paused_until = 0.0  # everything waits (the bot as a whole got RetryAfter)

        self._interactive: deque[asyncio.Future[None]] = deque()
        self._bulk: deque[asyncio.Future[None]] = deque()
        self._timer: asyncio.TimerHandle | None = None

        self._chat_ready: dict[int | str, float] = {}  # next send allowed (interval, pauses)
        self._group_sends: dict[int | str, deque[float]] = {}
        self._prune_at = 4096

        # Overload detection: counts in the current one-second window.
        self._window_start = 0.0
        self._window_sends = 0
        self._window_limited: set[int | str] = set()

    # --- BaseRateLimiter ------------------------------------------------------------

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for waiters in (self._interactive, self._bulk):
            while waiters:
                future = waiters.popleft()
                if not future.done():
                    future.cancel()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict | list[dict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: dict | None,
    ) -> bool | dict | list[dict]:
        if not counts_as_message(endpoint):
            return await callback(*args, **kwargs)
        chat_id = _chat_id(data)
        bulk = bool(rate_limit_args and rate_limit_args.get("bulk"))
        await self._acquire(chat_id, bulk)
        try:
            return await callback(*args, **kwargs)
        except RetryAfter as exc:
            self._note_retry_after(chat_id, retry_after_seconds(exc))
            if bulk:
                raise
        # An interactive request: wait for the pause to pass and try once more.
        await self._acquire(chat_id, bulk)
        try:
            return await callback(*args, **kwargs)
        except RetryAfter as exc:
            self._note_retry_after(chat_id, retry_after_seconds(exc))
            raise

    # --- waiting for a slot -----------------------------------------------------------

    async def _acquire(self, chat_id: int | str | None, bulk: bool) -> None:
        now = self._clock()
        self._window_tick(now)
        if self._lifted and now >= self._paused_until and not self._chat_ready:
            return  # bench mode fast path
        while True:
            if chat_id is not None:
                ready = self._ready_at(chat_id)
                if ready > now:
                    await asyncio.sleep(ready - now)
            await self._acquire_global(bulk)
            now = self._clock()
            if chat_id is None:
                return
            if self._ready_at(chat_id) <= now:
                self._record_send(chat_id, now)
                return
            # Another request to this chat went first while we waited: wait again.

    async def _acquire_global(self, bulk: bool) -> None:
        ahead = self._interactive if not bulk else (self._interactive or self._bulk)
        if not ahead and self._take(self._clock()):
            return
        future = asyncio.get_running_loop().create_future()
        (self._bulk if bulk else self._interactive).append(future)
        self._schedule()
        await future

    def _take(self, now: float) -> bool:
        """Take an overall slot now if the pacing allows it."""
        if now < self._paused_until:
            return False
        if self._lifted:
            return True
        self._recover(now)
        interval = self._interval / self._factor
        if now < self._tat - (self._burst - 1) * interval:
            return False
        self._tat = max(self._tat, now) + interval
        return True

    def _schedule(self) -> None:
        if self._timer is not None:
            return
        wake = self._paused_until
        if not self._lifted:
            interval = self._interval / self._factor
            wake = max(wake, self._tat - (self._burst - 1) * interval)
        delay = max(0.0, wake - self._clock())
        self._timer = asyncio.get_running_loop().call_later(delay, self._release)

    def _release(self) -> None:
        self._timer = None
        now = self._clock()
        for waiters in (self._interactive, self._bulk):
            while waiters:
                if waiters[0].done():  # cancelled while waiting
                    waiters.popleft()
                    continue
                if not self._take(now):
                    self._schedule()
                    return
                waiters.popleft().set_result(None)

    # --- per chat -----------------------------------------------------------------------

    def _ready_at(self, chat_id: int | str) -> float:
        ready = self._chat_ready.get(chat_id, 0.0)
        if self._group_max and _is_group(chat_id):
            sends = self._group_sends.get(chat_id)
            if sends is not None and len(sends) >= self._group_max:
                ready = max(ready, sends[0] + self._group_period)
        return ready

    def _record_send(self, chat_id: int | str, now: float) -> None:
        if self._group_max and _is_group(chat_id):
            sends = self._group_sends.setdefault(chat_id, deque(maxlen=self._group_max))
            sends.append(now)
        elif self._private_interval:
            self._chat_ready[chat_id] = now + self._private_interval
        if len(self._chat_ready) + len(self._group_sends) > self._prune_at:
            self._prune(now)

    def _prune(self, now: float) -> None:
        """Forget chats whose limits no longer bind (keeps memory flat over 100k chats)."""
        self._chat_ready = {c: t for c, t in self._chat_ready.items() if t > now}
        self._group_sends = {
            c: s for c, s in self._group_sends.items() if s[-1] + self._group_period > now
        }
        self._prune_at = max(4096, 2 * (len(self._chat_ready) + len(self._group_sends)))

    # --- RetryAfter -------------------------------------------------------------------

    def _window_tick(self, now: float) -> None:
        if now - self._window_start >= 1.0:
            self._window_start = now
            self._window_sends = 0
            self._window_limited.clear()
        self._window_sends += 1

    def _note_retry_after(self, chat_id: int | str | None, seconds: float) -> None:
        now = self._clock()
        until = now + seconds
        key = chat_id if chat_id is not None else "?"
        self._chat_ready[key] = max(self._chat_ready.get(key, 0.0), until)
        self._window_limited.add(key)
        limited = len(self._window_limited)
        if (
            limited >= self._overload_chats
            and limited >= self._overload_share * self._window_sends
            and until > self._paused_until
        ):
            self._paused_until = until
            if not self._lifted:
                self._factor = max(self._factor * self._slowdown, 1.0 / self.max_rate)
                self._slowed_until = now + self._recover_seconds
            log.warning(
                "RetryAfter for %d chats within a second: pausing all sends for %.1f s,"
                " overall rate now %.1f/s",
                limited,
                seconds,
                self.current_rate,
            )
            self._window_limited.clear()
        else:
            log.info("RetryAfter %.1f s for chat %s", seconds, chat_id)

    def _recover(self, now: float) -> None:
        if self._factor < 1.0 and now >= self._slowed_until:
            self._factor = 1.0
            log.info("overall rate back to %.1f/s", self.max_rate)

    @property
    def current_rate(self) -> float:
        """Messages per second now allowed overall (0 = unlimited)."""
        return self.max_rate * self._factor
