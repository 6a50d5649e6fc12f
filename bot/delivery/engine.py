"""The delivery engine: sends the ledger's parts (storage/deliveries.py) at the allowed rate.

- The dispatcher plans new digests (planner.py) and takes due parts from the ledger in
  batches (`deliveries.pick`: choosing and marking 'sending' is one statement).
- The pump starts a send for each due part while the window (window.py) has a free
  slot. The window follows Little's law: rate x (measured round trip + ledger write),
  so over the internet hundreds of sends are in flight, not a fixed few.
- A chat gets its parts strictly one after another (the ledger hands out a chat's next
  part only once the previous one is settled), and its next part waits in a timer heap
  until the chat's pacing allows (`SendRateLimiter.chat_ready_at`): no slot is held
  while it waits, other chats' parts go meanwhile.
- A send holds its slot until its outcome is committed (ledger.py: group commit,
  retried until it succeeds). So a part Telegram accepted is never sent again in the
  same run, and never left 'sending'.

Crash safety: the ledger, not memory, decides what is left; a restart puts parts left
'sending' back to 'pending'. After a kill -9, the parts that may have reached Telegram
without their 'sent' recorded are those holding a window slot: at most `window.limit`
at that moment (rate x (rtt + record) x 1.5 + 2, e.g. ~240 at 1,000/s and 150 ms;
never above `window.high`, 1,000). Those go twice; nothing else does.

Telegram outages (health.py: server errors, unreadable answers, no connection) say
nothing about the chat: such a part stays pending, tried again with back-off (growing
with the outage, at most 5 minutes), never given up on; when Telegram answers again,
every part waiting for it is due at once. Only answers about the chat end a part.

Command replies do not pass through here: they take the rate limiter's interactive
queue, ahead of every bulk send.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence

import telegram
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bot.delivery.bad_requests import chat_gone, send_html_or_plain, topic_gone
from bot.delivery.health import TelegramHealth, describe, is_outage
from bot.delivery.ledger import LedgerWriter, Settled
from bot.delivery.planner import Planner
from bot.delivery.pruning import LedgerPruner
from bot.delivery.ratelimit import SendDropped, SendRateLimiter, retry_after_seconds
from bot.delivery.roundups import RoundupScheduler
from bot.delivery.sender import BulkSender, LateAnswer, message_id_of
from bot.delivery.window import SendWindow
from storage import deliveries
from storage.db import Database
from storage.deliveries import Gone, Key, Outcome, Part, PartStatus, Retry, Sent
from storage.subscribers import ChatStatus

log = logging.getLogger(__name__)

RETRY_DELAYS = (2.0, 4.0, 8.0, 16.0, 32.0)  # other errors; then the part is 'failed'
OUTAGE = "outage: "  # last_error of parts waiting for Telegram to answer again
STOP_SECONDS = 4.0  # at stop, sends in flight get this long (SIGTERM: Docker waits 10 s)
FEED_GAP = 0.02  # seconds between two picks from the ledger when woken by settled parts
AHEAD = 0.5  # keep about this many seconds of sends taken from the ledger
# Plan (render and expand) at most this many seconds of sends ahead of what was taken:
# a digest to 1,000,000 chats is planned as it goes out, not all at once, so planning
# never starves replies of the event loop or the write path.
PLAN_AHEAD = 30.0


class DeliveryEngine:
    def __init__(
        self,
        bot: telegram.Bot,
        db: Database,
        *,
        sender: BulkSender | None = None,
        rate_limiter: SendRateLimiter | None = None,
        window: SendWindow | None = None,
        clock: Callable[[], float] = time.time,
        poll_seconds: float = 1.0,
        retry_delays: Sequence[float] = RETRY_DELAYS,
        batch_size: int = 500,
        default_tz: str = "",
        keep_days: int = 0,
    ) -> None:
        """`sender`: the bulk sendMessage (sender.py), sharing the bot's rate limiter; its
        owner starts and closes it. Without one the engine makes (and closes) its own.
        `keep_days`: delivered ledger rows older than this are pruned (0: kept)."""
        self.bot = bot
        self.db = db
        self._own_sender = sender is None
        self.sender = sender if sender is not None else BulkSender.for_bot(bot)
        limiter = rate_limiter or self.sender.limiter or getattr(bot, "rate_limiter", None)
        self.limiter = limiter if isinstance(limiter, SendRateLimiter) else None
        self.window = window or SendWindow()
        self.clock = clock
        self.poll_seconds = poll_seconds
        self.retry_delays = tuple(retry_delays)
        self.batch_size = batch_size
        self.planner = Planner(db, clock=clock, default_tz=default_tz)
        self.roundups = RoundupScheduler(db, clock=clock, default_tz=default_tz)
        self.ledger = LedgerWriter(db)
        self.pruner = LedgerPruner(db, keep_days, clock=clock)
        self.sent_count = 0
        self.health = self.limiter.health if self.limiter is not None else TelegramHealth()
        self._hasten = False  # Telegram answers again: parts waiting for it are due now
        self._late: set[asyncio.Task[None]] = set()  # sends whose answer is awaited late
        self._unanswered: set[Key] = set()  # parts whose last send got no answer at all
        self.late_answers = 0  # sends whose answer came after the timeout, delivered
        self.possible_duplicates = 0  # parts sent again after a send that got no answer

        self._token = getattr(bot, "token", "") or ""
        self._ready: deque[Part] = deque()  # taken from the ledger, due now
        self._later: list[tuple[float, int, Part]] = []  # (chat ready at, seq, part): pacing
        self._seq = itertools.count()
        self._sending: set[asyncio.Task[None]] = set()
        self._wake = asyncio.Event()  # the dispatcher: look at the ledger
        self._parts = asyncio.Event()  # the pump: parts were taken
        self._progress = asyncio.Event()
        self._dispatcher: asyncio.Task[None] | None = None
        self._pump_task: asyncio.Task[None] | None = None
        self._stopping = False
        self._look_for_planned = True  # set by wake() and the poll; planning is then checked
        self._last_feed = 0.0
        self._taken = 0  # parts taken from the ledger (against planner.parts_planned)

    @property
    def render_calls(self) -> int:
        """render_digest calls made by this engine (tests, bench)."""
        return self.planner.render_calls

    @property
    def in_hand(self) -> int:
        """Parts this engine marked 'sending' and has not settled yet."""
        return len(self._ready) + len(self._later) + self.window.in_flight

    # --- life cycle ---------------------------------------------------------------------

    async def start(self) -> None:
        if self._dispatcher is not None:
            return
        reset = await deliveries.reset_sending(self.db)
        if reset:
            log.warning("crash recovery: %d part(s) left 'sending' are pending again", reset)
        self._stopping = False
        self.health.on_recovery(self._recovered)
        self._dispatcher = asyncio.create_task(self._dispatch(), name="delivery-dispatcher")
        self._pump_task = asyncio.create_task(self._pump(), name="delivery-pump")
        self.pruner.start()
        log.info(
            "delivery engine started: %s/s, up to %d sends in flight (rate x round trip)",
            self._rate() or "unlimited",
            self.window.high,
        )

    def wake(self) -> None:
        """Look at the ledger now (called after an ingest)."""
        self._look_for_planned = True
        self._wake.set()

    def _recovered(self) -> None:
        self._hasten = True
        self.wake()

    async def stop(self, timeout: float = STOP_SECONDS) -> None:  # noqa: ASYNC109
        """Take no new parts, let the sends in flight finish and be recorded, put the
        parts not tried yet back."""
        if self._dispatcher is None:
            return
        self.health.off_recovery(self._recovered)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        self._stopping = True
        self._wake.set()
        await self.pruner.stop()
        with contextlib.suppress(asyncio.CancelledError):
            await self._dispatcher
        if self._pump_task is not None:
            self._pump_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pump_task
        self._dispatcher = self._pump_task = None
        untried = [p.key for p in self._ready] + [p.key for _, _, p in self._later]
        self._ready.clear()
        self._later.clear()
        try:
            await deliveries.release(self.db, untried)
        except Exception as exc:  # they stay 'sending': the next start sends them
            log.warning("could not put %d untried part(s) back: %r", len(untried), exc)
        if self._sending:
            _, late = await asyncio.wait(self._sending, timeout=max(0, deadline - loop.time()))
            for task in late:  # their parts stay 'sending': the next start sends them again
                task.cancel()
        for task in list(self._late):  # their parts wait in the ledger, retried later
            task.cancel()
        if not await self.ledger.flush(max(0.0, deadline - loop.time())):
            log.warning("ledger writes still failing at stop: parts stay 'sending'")
            await self.ledger.close()
        if self._own_sender:
            await self.sender.close()
        log.info("delivery engine stopped (%d part(s) put back)", len(untried))

    async def run_until_idle(self, timeout: float = 60.0) -> None:  # noqa: ASYNC109
        """Start if needed and return once nothing is planned, in hand, or due before the
        deadline (parts deferred beyond it, e.g. by quiet hours, do not count)."""
        await self.start()
        self.wake()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            remaining = deadline - loop.time()
            settled = self.in_hand == 0 and self.ledger.pending == 0
            until = self.clock() + max(remaining, 0)
            # Roundups first: one planned between the two looks is in the ledger by then.
            if settled and await self.roundups.has_work():
                self.wake()
            elif settled and not await deliveries.has_work(self.db, until):
                return
            if remaining <= 0:
                raise TimeoutError(f"delivery not idle after {timeout} s")
            self._progress.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._progress.wait(), min(0.05, remaining))

    # --- the dispatcher: planning and taking parts from the ledger --------------------------

    def _rate(self) -> float:
        return self.limiter.current_rate if self.limiter is not None else 0.0

    def _low_water(self) -> int:
        """Take more parts from the ledger when fewer than this are due in memory."""
        return max(self.window.limit, int(self._rate() * AHEAD), 32)

    def _plan_room(self) -> bool:
        """Are fewer than PLAN_AHEAD seconds of sends planned and not yet taken?"""
        rate = self._rate()
        ahead = self.planner.parts_planned - self._taken
        return rate <= 0 or ahead < rate * PLAN_AHEAD

    async def _dispatch(self) -> None:
        while not self._stopping:
            try:
                busy = False
                if self._hasten:
                    self._hasten = False
                    hastened = await deliveries.hasten(self.db, OUTAGE, self.clock())
                    log.info("%d part(s) that waited for Telegram are due now", hastened)
                if self._look_for_planned:
                    self._look_for_planned = False  # a wake() while planning sets it again
                    busy = await self.roundups.run_due()  # due roundups become planned rows
                    if self._plan_room():
                        busy = await self.planner.plan_batch(self.batch_size) or busy
                    else:  # enough is planned: look again once the sends caught up
                        self._look_for_planned = True
                    self._look_for_planned = self._look_for_planned or busy
                if len(self._ready) < self._low_water():
                    busy = await self._feed() or busy
            except Exception:
                log.exception("delivery dispatcher failed; retrying")
                busy = False
            if not busy and not self._stopping:
                await self._idle_wait()

    async def _idle_wait(self) -> None:
        now = self.clock()
        timeout = self.poll_seconds
        due = await deliveries.next_due(self.db, now)
        if due is not None:
            timeout = min(timeout, max(0.0, due - now) + 0.001)
        roundup = await self.roundups.next_due()
        if roundup is not None:  # the poll below looks for it
            timeout = min(timeout, max(0.0, roundup - now) + 0.001)
        self._wake.clear()
        try:
            await asyncio.wait_for(self._wake.wait(), timeout)
        except TimeoutError:
            self._look_for_planned = True  # the poll: another process may have ingested
        # Woken by settled parts: a short gap lets several settle before the next pick.
        gap = self._last_feed + FEED_GAP - asyncio.get_running_loop().time()
        if gap > 0 and not self._stopping:
            await asyncio.sleep(gap)

    async def _feed(self) -> bool:
        """Take the parts due now from the ledger; False when there were none."""
        limit = max(self.batch_size, 2 * self._low_water())
        parts = await deliveries.pick(self.db, self.clock(), limit)
        self._last_feed = asyncio.get_running_loop().time()
        if not parts:
            return False
        self._taken += len(parts)
        gone: dict[tuple[int, int], Part] = {}  # subscribers (a chat or a forum topic)
        for part in parts:
            if part.chat_status == ChatStatus.ACTIVE:
                self._ready.append(part)
            else:
                gone.setdefault((part.chat_id, part.thread_id), part)
        self._parts.set()
        self._progress.set()
        for (chat_id, _), part in gone.items():
            status = part.chat_status
            reason = "unsubscribed" if status == ChatStatus.PAUSED else status
            outcome = Gone(part.key, reason, block=False, whole_chat=False)
            skipped = await self.ledger.write(outcome)
            log.info("chat %s is %s: %d part(s) skipped", chat_id, status, skipped,
                     extra={"chat_id": chat_id})  # fmt: skip
        return True

    # --- the pump: a send per due part while the window has room ---------------------------

    def _now(self) -> float:
        return self.limiter.clock() if self.limiter is not None else time.monotonic()

    def _next_part(self) -> Part | None:
        """A part whose chat may get it now; parts of chats still pacing go to the heap."""
        now = self._now()
        if self._later and self._later[0][0] <= now:
            return heapq.heappop(self._later)[2]
        while self._ready:
            part = self._ready.popleft()
            if self.limiter is not None:
                ready_at = self.limiter.chat_ready_at(part.chat_id)
                if ready_at > now:
                    heapq.heappush(self._later, (ready_at, next(self._seq), part))
                    continue
            return part
        return None

    async def _pump(self) -> None:
        loop = asyncio.get_running_loop()
        started = 0
        while True:
            part = self._next_part()
            if part is None:
                if len(self._ready) < self._low_water():
                    self._wake.set()
                self._parts.clear()
                timeout = max(0.0, self._later[0][0] - self._now()) if self._later else None
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._parts.wait(), timeout)
                continue
            self.window.resize(self._rate(), self.sender.rtt, self.ledger.latency)
            try:
                await self.window.acquire()
            except asyncio.CancelledError:
                self._ready.appendleft(part)  # stop() puts it back in the ledger
                raise
            task = loop.create_task(self._send_one(part))
            self._sending.add(task)
            task.add_done_callback(self._sending.discard)
            if len(self._ready) < self._low_water():
                self._wake.set()
            started += 1
            if started % 64 == 0:
                await asyncio.sleep(0)  # let answers and the limiter's timer in between

    async def _send_one(self, part: Part) -> None:
        try:
            try:
                outcome = await self._attempt(part)
            except Exception:
                self._log(part, logging.ERROR, "unexpected error", exc_info=True)
                outcome = self._retry(part, "internal error", counts=True)
            try:
                skipped = await self.ledger.write(outcome)
            except Exception as exc:
                self._log(part, logging.ERROR, f"outcome not recorded ({exc!r}); the part"
                          " stays 'sending' until a restart")  # fmt: skip
            else:
                if isinstance(outcome, Gone):
                    self._log(part, logging.INFO, f"{outcome.reason}; chat marked blocked,"
                              f" {skipped} part(s) skipped")  # fmt: skip
        finally:
            self.window.release()
            self._progress.set()
            if len(self._ready) < self._low_water():
                self._wake.set()

    async def _attempt(self, part: Part) -> Settled:
        """Send one part (as plain text if Telegram cannot parse its HTML); what became of it."""

        def send(text: str, parse_mode: str | None) -> Awaitable[int]:
            return self.sender.send_message(
                part.chat_id,
                text,
                parse_mode=parse_mode,
                previews=part.previews,
                thread_id=part.thread_id or None,
                reply_markup=part.markup,
            )

        try:
            message_id = await send_html_or_plain(
                send, part.text, chat_id=part.chat_id, digest_id=part.digest_id
            )
        except RetryAfter as exc:
            seconds = retry_after_seconds(exc)
            return self._retry(part, f"RetryAfter {seconds:g}s", counts=False, delay=seconds)
        except LateAnswer as exc:
            return self._await_late_answer(part, exc)
        except SendDropped:  # stopping: not sent, the part waits in the ledger
            return Retry(part.key, self.clock(), "not sent: stopping", counts=False)
        except Forbidden as exc:
            return Gone(part.key, self._redact(f"blocked: {exc.message}"), block=True)
        except BadRequest as exc:
            if chat_gone(exc):
                return Gone(part.key, self._redact(f"blocked: {exc.message}"), block=True)
            if part.thread_id and topic_gone(exc):
                reason = self._redact(f"topic gone: {exc.message}")
                return Gone(part.key, reason, block=True, whole_chat=False)
            return self._final(part, f"BadRequest: {exc.message}")
        except TelegramError as exc:
            error = describe(exc)
            if is_outage(exc):  # says nothing about the chat: pending until it ends
                delay = self.health.failed(error)
                return self._retry(part, OUTAGE + error, counts=False, delay=delay)
            return self._retry(part, error, counts=True)  # TimedOut, InvalidToken...
        self.health.answered()
        self.sent_count += 1
        if part.key in self._unanswered:
            self._unanswered.discard(part.key)
            self.possible_duplicates += 1
            self._log(part, logging.WARNING, "sent again after its earlier send got no"
                      f" answer: it may arrive twice ({self.possible_duplicates} such"
                      " part(s) since start)")  # fmt: skip
        return Sent(part.key, message_id, self.clock())

    def _await_late_answer(self, part: Part, late: LateAnswer) -> Retry | Outcome:
        """A send with no answer yet may have been delivered: its answer is awaited (a
        task), and the part is sent again only after that answer could have come. A late
        answer that it was sent records it 'sent' (the retry then finds nothing to do)."""
        self._unanswered.add(part.key)
        task = asyncio.get_running_loop().create_task(self._late_answer(part, late))
        self._late.add(task)
        task.add_done_callback(self._late.discard)
        return self._retry(part, "TimedOut: no answer yet", counts=False, delay=late.wait + 1)

    async def _late_answer(self, part: Part, late: LateAnswer) -> None:
        try:
            status, payload = await late.answer
        except (TelegramError, asyncio.CancelledError):  # no answer: the retry may duplicate
            return
        self._unanswered.discard(part.key)  # answered: whatever it says, no duplicate
        message_id = message_id_of(status, payload)
        if message_id is None:
            return
        self.late_answers += 1
        self._log(part, logging.INFO, "a late answer: it was delivered")
        with contextlib.suppress(Exception):  # the ledger writer logs its own failures
            await self.ledger.write(Sent(part.key, message_id, self.clock()))
        self._progress.set()

    def _retry(
        self, part: Part, error: str, *, counts: bool, delay: float | None = None
    ) -> Retry | Outcome:
        error = self._redact(error)
        attempts = part.attempts + (1 if counts else 0)
        if counts and attempts > len(self.retry_delays):
            return self._final(part, f"gave up after {attempts} attempts: {error}")
        if delay is None:
            delay = self.retry_delays[attempts - 1] if counts else self.retry_delays[0]
        quiet = error.startswith(OUTAGE)  # health.py logs the outage once
        self._log(part, logging.DEBUG if quiet else logging.INFO, f"retry in {delay:g}s ({error})")
        return Retry(part.key, self.clock() + delay, error, counts)

    def _final(self, part: Part, reason: str) -> Outcome:
        """Given up on for good: 'failed', with the reason."""
        reason = self._redact(reason)
        self._log(part, logging.WARNING, f"{PartStatus.FAILED}: {reason}")
        return Outcome(part.key, PartStatus.FAILED, reason)

    def _redact(self, text: str) -> str:
        return text.replace(self._token, "[token]") if self._token else text

    @staticmethod
    def _log(part: Part, level: int, what: str, exc_info: bool = False) -> None:
        log.log(
            level,
            "digest %s chat %s part %d/%d: %s",
            part.digest_id,
            part.chat_id,
            part.part,
            part.parts,
            what,
            exc_info=exc_info,
            extra={"digest_id": part.digest_id, "chat_id": part.chat_id},
        )
