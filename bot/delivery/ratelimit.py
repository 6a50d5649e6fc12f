"""Telegram's flood limits, applied to every request PTB makes (a BaseRateLimiter).

- Overall: at most `max_rate` messages per second across all chats (SEND_RATE),
  paced evenly (GCRA: in any window of w seconds at most max_rate * w + burst, where
  the burst is 20 ms of sends, at least 2: a late timer catches up that much).
  Every sent or edited message counts: send*, edit*, copy*, forward* methods (inline
  answers have their own budget, below); getUpdates, getMe, answerCallbackQuery,
  setMyCommands, sendChatAction do not.
- Per chat: 1 message/s in a private chat, 20 per minute in a group (negative ids).
  `chat_ready_at` tells when a chat may get its next message, so the delivery engine
  holds a chat's next part back instead of letting a sender wait on it.
- Inline answers (answerInlineQuery) have a budget of their own (`inline_rate` a
  second, not counted against SEND_RATE), so they never take a command reply's slot;
  one that would wait over `inline_max_wait` is not sent (InlineTooLate): the user
  typed on, and Telegram drops an answer that comes after ~10 s anyway.
- Interactive requests (command replies: no `rate_limit_args`) take the next free
  slot before any bulk request, so a fan-out never makes /search wait behind it.
  Bulk requests pass `rate_limit_args=BULK` (`{"bulk": True}`).
- RetryAfter pauses the chat it came for and gives its overall slot back (nothing was
  delivered). An interactive request then waits and tries once more; a bulk one is
  re-raised so the delivery ledger records it (the part is retried later, never dropped).
- A global slow-down only on evidence of a global limit: distinct chats that got a
  RetryAfter on a first attempt (not a chat already flooded within `flood_memory`
  seconds) are counted against the sends of the same sliding window; only when they
  are at least `overload_chats` AND `overload_share` of those sends is the whole bot
  over its limit. Then AIMD: everything pauses for retry_after and the overall rate
  is halved; every `recover_every` seconds without a new global burst it gets back
  `recover_step` of SEND_RATE. Each change is logged with its reason.
- `max_rate=None` or 0 lifts all limits (bench mode); RetryAfter pauses still apply.
- A command reply that meets an outage (a server error, an unreadable answer: health.py)
  is tried again with back-off until Telegram answers, for up to REPLY_PATIENCE; an
  inline answer is not (it is worthless seconds later). `health` is shared with the
  delivery engine: one view of whether Telegram answers.

Waiting costs a future and a timer handle, never a task: one timer releases the
waiters slot by slot.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
import warnings
from collections import deque
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter, TelegramError
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

from bot.delivery.health import TelegramHealth, describe, is_outage

log = logging.getLogger(__name__)

BULK: dict[str, bool] = {"bulk": True}
BURST_SECONDS = 0.02

_COUNTED_PREFIXES = ("send", "edit", "copyMessage", "forwardMessage", "answerInlineQuery")
_NOT_COUNTED = frozenset({"sendChatAction"})
REPLY_PATIENCE = 900.0  # seconds a command reply is retried through an outage


INLINE_MAX_WAIT = 2.0  # seconds an inline answer may wait for its budget


class InlineTooLate(TelegramError):
    """The inline answer would have waited too long for its budget: not sent."""

    def __init__(self) -> None:
        super().__init__("inline answer not sent: too late")


class SendDropped(TelegramError):
    """The bot is stopping: this send was not made (a reply is dropped, a part stays in
    the ledger)."""

    def __init__(self) -> None:
        super().__init__("not sent: the bot is stopping")


def counts_as_message(endpoint: str) -> bool:
    """Does this Bot API method send or edit a message (and so count toward the limits)?"""
    return endpoint.startswith(_COUNTED_PREFIXES) and endpoint not in _NOT_COUNTED


def retry_after_seconds(exc: RetryAfter) -> float:
    """`exc.retry_after` in seconds, int or timedelta (PTB 22.2+ warns that it will become
    a timedelta; both are read, the warning is not shown)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
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
        burst: int | None = None,
        private_interval: float = 1.0,
        group_max: int = 20,
        group_period: float = 60.0,
        overload_chats: int = 5,
        overload_share: float = 0.25,
        overload_window: float = 2.0,
        flood_memory: float = 60.0,
        slowdown: float = 0.5,
        recover_step: float = 0.1,
        recover_every: float = 2.0,
        inline_rate: float | None = None,
        inline_max_wait: float = INLINE_MAX_WAIT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_rate = max_rate or 0.0
        self._lifted = not max_rate
        # A late timer (a busy event loop) may catch up this many slots at once: 10 ms of
        # sends, at least 2. Without it every late wake-up loses slots for good.
        if burst is None:
            burst = max(2, math.ceil(self.max_rate * BURST_SECONDS))
        self._burst = max(1, burst)
        self._private_interval = 0.0 if self._lifted else private_interval
        self._group_max = 0 if self._lifted else group_max
        self._group_period = group_period
        self._overload_chats = overload_chats
        self._overload_share = overload_share
        self._overload_window = overload_window
        self._flood_memory = flood_memory
        self._slowdown = slowdown
        self._recover_step = recover_step
        self._recover_every = recover_every
        self.clock = clock
        self.health = TelegramHealth(clock)
        self.reply_patience = REPLY_PATIENCE
        # Inline answers: their own pacing (default: as fast as SEND_RATE), no queue.
        rate = inline_rate if inline_rate is not None else self.max_rate
        self._inline_interval = 1.0 / rate if rate else 0.0
        self._inline_max_wait = inline_max_wait
        self._inline_tat = 0.0
        self.inline_dropped = 0
        self.closed = False  # close(): every send still waiting is dropped
        self.dropped = 0
        self._closing = asyncio.Event()

        self._factor = 1.0  # < 1 while slowed down after a global RetryAfter burst
        self._min_factor = min(1.0, 1.0 / self.max_rate) if self.max_rate else 1.0
        self._next_step = 0.0  # when the rate gets its next step back
        self._interval = 0.0 if self._lifted else 1.0 / self.max_rate
        self._tat = 0.0  # GCRA: theoretical arrival time of the next message
        self._paused_until = 0.0  # everything waits (the bot as a whole got RetryAfter)
        self._evidence_from = 0.0  # 429s for sends made before this do not count again

        self._interactive: deque[asyncio.Future[None]] = deque()
        self._bulk: deque[asyncio.Future[None]] = deque()
        self._timer: asyncio.TimerHandle | None = None

        self._chat_ready: dict[int | str, float] = {}  # next send allowed (interval, pauses)
        self._group_sends: dict[int | str, deque[float]] = {}
        self._flooded: dict[int | str, float] = {}  # chat -> time of its last RetryAfter
        self._prune_at = 4096

        # Evidence of a global limit: sends and first-attempt RetryAfters in the window.
        self._sends: deque[float] = deque()
        self._first_floods: deque[tuple[float, int | str]] = deque()

    # --- BaseRateLimiter ------------------------------------------------------------

    async def initialize(self) -> None:
        """Nothing to set up."""

    def close(self) -> None:
        """The bot is stopping: sends waiting for a slot, a pacing or an outage to end
        raise SendDropped now, and so does every send asked for from now on."""
        self.closed = True
        self._closing.set()
        for waiters in (self._interactive, self._bulk):
            while waiters:
                future = waiters.popleft()
                if not future.done():
                    future.set_exception(SendDropped())

    def _drop(self) -> SendDropped:
        self.dropped += 1
        return SendDropped()

    async def _pause(self, seconds: float) -> None:
        """Sleep, cut short by close()."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closing.wait(), seconds)

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
        if endpoint == "answerInlineQuery":
            await self._inline_slot()
            return await callback(*args, **kwargs)
        if not counts_as_message(endpoint):
            return await callback(*args, **kwargs)
        chat_id = _chat_id(data)
        bulk = bool(rate_limit_args and rate_limit_args.get("bulk"))
        if bulk:  # the engine records what the answer says (engine.py)
            await self.acquire(chat_id, bulk=True)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                self.note_retry_after(chat_id, retry_after_seconds(exc))
                raise
        # An interactive request: after a RetryAfter, wait for the pause to pass and try
        # once more; through an outage, try again with back-off (not an inline answer).
        patient = endpoint != "answerInlineQuery"
        give_up_at = self.clock() + self.reply_patience
        flooded = False
        while True:
            await self.acquire(chat_id, bulk=False)
            try:
                result = await callback(*args, **kwargs)
            except RetryAfter as exc:
                self.note_retry_after(chat_id, retry_after_seconds(exc))
                if flooded:
                    raise
                flooded = True
                continue
            except TelegramError as exc:
                if not (patient and is_outage(exc)):
                    raise
                delay = self.health.failed(describe(exc))
                if self.clock() + delay > give_up_at:
                    raise
                log.info("%s for chat %s met an outage; trying again in %.0f s", endpoint,
                         chat_id, delay)  # fmt: skip
                self._give_back_slot()
                await self._pause(delay)
                continue
            self.health.answered()
            return result

    async def _inline_slot(self) -> None:
        """Wait for the inline budget, or InlineTooLate if that wait would be too long."""
        if self.closed:
            raise self._drop()
        now = self.clock()
        wait = max(0.0, self._inline_tat - now)
        if wait > self._inline_max_wait:
            self.inline_dropped += 1
            raise InlineTooLate()
        self._inline_tat = max(self._inline_tat, now) + self._inline_interval
        if wait:
            await self._pause(wait)

    # --- what the delivery engine asks ----------------------------------------------------

    @property
    def current_rate(self) -> float:
        """Messages per second now allowed overall (0 = unlimited)."""
        return self.max_rate * self._factor

    def chat_ready_at(self, chat_id: int | str) -> float:
        """When (on `clock`) this chat may get its next message: its pacing, its group
        quota and any RetryAfter pause for it or for the whole bot."""
        ready = max(self._chat_ready.get(chat_id, 0.0), self._paused_until)
        if self._group_max and _is_group(chat_id):
            sends = self._group_sends.get(chat_id)
            if sends is not None and len(sends) >= self._group_max:
                ready = max(ready, sends[0] + self._group_period)
        return ready

    async def acquire(self, chat_id: int | str | None, *, bulk: bool) -> None:
        """Wait for this chat's pacing and an overall slot; the send then counts."""
        if self.closed:
            raise self._drop()
        now = self.clock()
        if self._lifted and now >= self._paused_until and not self._chat_ready:
            self._count_send(now)
            return  # bench mode fast path
        while True:
            if chat_id is not None:
                ready = self.chat_ready_at(chat_id)
                if ready > now:
                    await self._pause(ready - now)
                    if self.closed:
                        raise self._drop()
            try:
                await self._acquire_global(bulk)
            except SendDropped:
                self.dropped += 1
                raise
            now = self.clock()
            if chat_id is None:
                self._count_send(now)
                return
            if self.chat_ready_at(chat_id) <= now:
                self._record_send(chat_id, now)
                return
            # Another request to this chat went first while we waited: wait again.

    # --- waiting for an overall slot ----------------------------------------------------

    async def _acquire_global(self, bulk: bool) -> None:
        ahead = self._interactive if not bulk else (self._interactive or self._bulk)
        if not ahead and self._take(self.clock()):
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
        if self._factor < 1.0 and now >= self._next_step:
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
        delay = max(0.0, wake - self.clock())
        self._timer = asyncio.get_running_loop().call_later(delay, self._release)

    def _release(self) -> None:
        self._timer = None
        now = self.clock()
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

    def _record_send(self, chat_id: int | str, now: float) -> None:
        self._count_send(now)
        if self._group_max and _is_group(chat_id):
            sends = self._group_sends.setdefault(chat_id, deque(maxlen=self._group_max))
            sends.append(now)
        elif self._private_interval:
            self._chat_ready[chat_id] = now + self._private_interval
        if len(self._chat_ready) + len(self._group_sends) + len(self._flooded) > self._prune_at:
            self._prune(now)

    def _prune(self, now: float) -> None:
        """Forget chats whose limits no longer bind (keeps memory flat over 100k chats)."""
        self._chat_ready = {c: t for c, t in self._chat_ready.items() if t > now}
        self._group_sends = {
            c: s for c, s in self._group_sends.items() if s[-1] + self._group_period > now
        }
        forget = now - self._flood_memory
        self._flooded = {c: t for c, t in self._flooded.items() if t > forget}
        kept = len(self._chat_ready) + len(self._group_sends) + len(self._flooded)
        self._prune_at = max(4096, 2 * kept)

    # --- RetryAfter -------------------------------------------------------------------

    def _count_send(self, now: float) -> None:
        self._sends.append(now)
        start = now - self._overload_window
        while self._sends[0] < start:
            self._sends.popleft()

    def note_retry_after(self, chat_id: int | str | None, seconds: float) -> None:
        """Telegram answered RetryAfter for this chat: pause it; a burst of them across
        many chats on first attempts slows the whole bot down."""
        now = self.clock()
        key = chat_id if chat_id is not None else "?"
        self._chat_ready[key] = max(self._chat_ready.get(key, 0.0), now + seconds)
        self._give_back_slot()
        last = self._flooded.get(key)
        self._flooded[key] = now
        if last is not None and last > now - self._flood_memory:
            log.info("RetryAfter %.1f s for chat %s again (a per-chat flood)", seconds, chat_id)
            return
        if now < self._evidence_from:
            log.info("RetryAfter %.1f s for chat %s (sent before the global pause)", seconds,
                     chat_id)  # fmt: skip
            return
        start = now - self._overload_window
        floods = self._first_floods
        floods.append((now, key))
        while floods[0][0] < start:
            floods.popleft()
        while self._sends and self._sends[0] < start:
            self._sends.popleft()
        chats = len({chat for _, chat in floods})
        sends = max(len(self._sends), chats)
        if chats >= self._overload_chats and chats >= self._overload_share * sends:
            self._slow_down(now, seconds, chats, sends)
        else:
            log.info("RetryAfter %.1f s for chat %s", seconds, chat_id)

    def _give_back_slot(self) -> None:
        """Nothing was delivered: the overall slot goes back to the other chats."""
        now = self.clock()
        if not self._lifted and self._tat > now:
            self._tat = max(now, self._tat - self._interval / self._factor)

    def _slow_down(self, now: float, seconds: float, chats: int, sends: int) -> None:
        """Multiplicative decrease: pause everything, halve the overall rate."""
        self._paused_until = max(self._paused_until, now + seconds)
        # 429s for sends already under way say nothing new: count again after the pause.
        self._evidence_from = self._paused_until
        self._first_floods.clear()
        before = self.current_rate
        if not self._lifted:
            self._factor = max(self._factor * self._slowdown, self._min_factor)
            self._next_step = self._paused_until + self._recover_every
        log.warning(
            "global flood limit: RetryAfter for %d distinct chats on first attempts among %d"
            " sends in %.0f s; pausing all sends for %.1f s; overall rate %.1f -> %.1f/s",
            chats,
            sends,
            self._overload_window,
            seconds,
            before,
            self.current_rate,
        )

    def _recover(self, now: float) -> None:
        """Additive increase: a step back for every `recover_every` s without a new burst."""
        steps = 1 + math.floor((now - self._next_step) / self._recover_every)
        before = self.current_rate
        self._factor = min(1.0, round(self._factor + steps * self._recover_step, 9))
        self._next_step = now + self._recover_every
        log.info(
            "no global RetryAfter for %.0f s: overall rate %.1f -> %.1f/s",
            steps * self._recover_every,
            before,
            self.current_rate,
        )
