"""The delivery engine: plans, renders and sends digests from the ledger (storage/deliveries.py).

One dispatcher task turns planned rows into pending parts (rendering once per
profile) and feeds due parts to a queue; a fixed pool of worker tasks sends them.
The ledger, not memory, decides what is left: a restart picks up where the last
run stopped. A part is marked 'sent' only after Telegram accepted it; a worker
takes its next part only after that mark is written (group commit), so at a crash
at most one part per worker was sent without being recorded, and goes twice.

Run standalone (the crash tests and benchmarks run it in its own process):

    python -m bot.delivery --db PATH --api URL [--token T] [--rate 25] [--until-idle]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import telegram
from telegram import LinkPreviewOptions, Message
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.delivery.ratelimit import BULK, SendRateLimiter, retry_after_seconds
from bot.delivery.sender import BulkSender
from bot.digest.markup import html_to_plain
from bot.digest.models import Digest
from bot.digest.render import render_digest
from bot.preferences import quiet_until
from storage import deliveries
from storage.db import Database
from storage.deliveries import Expansion, Key, Outcome, Part, Retry, Sent
from storage.digests import get_digest
from storage.subscribers import ChatStatus, Subscriber, get_subscribers, set_status

log = logging.getLogger(__name__)

# BadRequest descriptions that mean the chat is gone for good.
CHAT_GONE = (
    "chat not found",
    "group chat was deleted",
    "user is deactivated",
    "bot was kicked",
    "not enough rights to send",
    "have no rights to send",
)
PARSE_ERROR = "can't parse entities"
RETRY_DELAYS = (2.0, 4.0, 8.0, 16.0, 32.0)  # network errors; then the part is 'failed'

_PREVIEWS_OFF = LinkPreviewOptions(is_disabled=True)
_PREVIEWS_ON = LinkPreviewOptions(is_disabled=False)


@dataclass(slots=True, frozen=True)
class Accepted:
    """What the BulkSender path keeps of Telegram's answer: all `_record_sent` needs."""

    message_id: int


class DeliveryEngine:
    def __init__(
        self,
        bot: telegram.Bot,
        db: Database,
        *,
        workers: int = 32,
        clock: Callable[[], float] = time.time,
        poll_seconds: float = 1.0,
        retry_delays: Sequence[float] = RETRY_DELAYS,
        batch_size: int = 500,
        sender: BulkSender | None = None,
        default_tz: str = "",
    ) -> None:
        """`sender`: the lean bulk path (bot/bulk_send.py), sharing the bot's rate limiter;
        without it parts go through `bot.send_message`. Its owner starts and closes it."""
        self.bot = bot
        self.sender = sender
        self.db = db
        self.workers = workers
        self.clock = clock
        self.poll_seconds = poll_seconds
        self.retry_delays = tuple(retry_delays)
        self.batch_size = batch_size
        self.default_tz = default_tz  # DEFAULT_TZ, for chats that chose no zone
        self.render_calls = 0  # render_digest calls made by this engine (tests, bench)
        self.sent_count = 0

        # Only our limiter knows what BULK means (AIORateLimiter takes an int there).
        bulk = isinstance(getattr(bot, "rate_limiter", None), SendRateLimiter)
        self._send_kwargs = {"rate_limit_args": BULK} if bulk else {}
        self._token = getattr(bot, "token", "") or ""
        self._queue: asyncio.Queue[Part | None] = asyncio.Queue()
        self._in_hand = 0  # parts marked 'sending' by this engine and not yet settled
        self._wake = asyncio.Event()
        self._progress = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._dispatcher: asyncio.Task[None] | None = None
        self._stopping = False
        self._look_for_planned = True  # set by wake() and the poll; planning is then checked
        self._digests: dict[str, Digest | None] = {}
        self._parts_count: dict[tuple[str, str], int] = {}  # (digest, profile) -> parts
        self._sent_waiting: list[tuple[Sent, asyncio.Future[None]]] = []
        self._flushing = False

    # --- life cycle ---------------------------------------------------------------------

    async def start(self) -> None:
        if self._dispatcher is not None:
            return
        reset = await deliveries.reset_sending(self.db)
        if reset:
            log.warning("crash recovery: %d part(s) left 'sending' are pending again", reset)
        self._stopping = False
        self._tasks = [
            asyncio.create_task(self._work(), name=f"delivery-worker-{n}")
            for n in range(self.workers)
        ]
        self._dispatcher = asyncio.create_task(self._dispatch(), name="delivery-dispatcher")
        log.info("delivery engine started: %d workers", self.workers)

    def wake(self) -> None:
        """Look at the ledger now (called after an ingest)."""
        self._look_for_planned = True
        self._wake.set()

    async def stop(self, timeout: float = 30.0) -> None:  # noqa: ASYNC109
        """Take no new parts, let the parts in flight finish, put queued ones back."""
        if self._dispatcher is None:
            return
        self._stopping = True
        self._wake.set()
        with contextlib.suppress(asyncio.CancelledError):
            await self._dispatcher
        self._dispatcher = None
        untried: list[Key] = []
        while not self._queue.empty():
            part = self._queue.get_nowait()
            if part is not None:
                untried.append(part.key)
        self._in_hand -= len(untried)
        await deliveries.release(self.db, untried)
        for _ in self._tasks:
            self._queue.put_nowait(None)
        _, late = await asyncio.wait(self._tasks, timeout=timeout)
        for task in late:  # their parts stay 'sending': the next start sends them again
            task.cancel()
        self._tasks = []
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
            settled = self._in_hand == 0 and self._queue.empty()
            if settled and not await deliveries.has_work(self.db, self.clock() + max(remaining, 0)):
                return
            if remaining <= 0:
                raise TimeoutError(f"delivery not idle after {timeout} s")
            self._progress.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._progress.wait(), min(0.05, remaining))

    # --- the dispatcher -----------------------------------------------------------------

    async def _dispatch(self) -> None:
        while not self._stopping:
            try:
                busy = False
                if self._look_for_planned:
                    self._look_for_planned = False  # a wake() while planning sets it again
                    busy = await self._plan_batch()
                    self._look_for_planned = self._look_for_planned or busy
                if self._queue.qsize() < self.workers:
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
        self._wake.clear()
        try:
            await asyncio.wait_for(self._wake.wait(), timeout)
        except TimeoutError:
            self._look_for_planned = True  # the poll: another process may have ingested

    async def _plan_batch(self) -> bool:
        """Render and expand one batch of planned rows; False when there were none."""
        planned = await deliveries.next_planned(self.db, self.batch_size)
        if not planned:
            return False
        now = self.clock()
        digest_id = planned[0].digest_id
        digest = await self._digest(digest_id)
        subscribers = await get_subscribers(self.db, [p.chat_id for p in planned])
        plans = []
        for row in planned:
            subscriber = subscribers.get(row.chat_id)
            if digest is None:
                plans.append(Expansion(digest_id, row.chat_id, None, 0, 0, "digest gone"))
                continue
            if subscriber is None or subscriber.status != "active":
                reason = "unsubscribed" if subscriber is None else subscriber.status
                plans.append(Expansion(digest_id, row.chat_id, None, 0, 0, reason))
                continue
            profile = subscriber.profile(self.default_tz).key()
            count = await self._render(digest, subscriber)
            if count == 0:
                plans.append(Expansion(digest_id, row.chat_id, profile, 0, 0, "no matching items"))
                continue
            zone = subscriber.tz or self.default_tz
            not_before = quiet_until(subscriber.quiet_from, subscriber.quiet_to, zone, now) or 0
            plans.append(Expansion(digest_id, row.chat_id, profile, count, not_before))
        await deliveries.expand(self.db, plans, now)
        planned_parts = sum(p.parts for p in plans)
        log.info(
            "digest %s: planned %d chat(s), %d part(s)",
            digest_id,
            len(plans),
            planned_parts,
            extra={"digest_id": digest_id},
        )
        return True

    async def _digest(self, digest_id: str) -> Digest | None:
        if digest_id not in self._digests:
            if len(self._digests) > 16:
                self._digests.clear()
                self._parts_count.clear()
            self._digests[digest_id] = await get_digest(self.db, digest_id)
        return self._digests[digest_id]

    async def _render(self, digest: Digest, subscriber: Subscriber) -> int:
        """How many parts the digest has for this chat's profile; renders once per profile
        (the `renders` table keeps them across restarts)."""
        profile = subscriber.profile(self.default_tz)
        key = (digest.id, profile.key())
        count = self._parts_count.get(key)
        if count is None:
            parts = await deliveries.load_render(self.db, digest.id, key[1])
            if parts is None:
                parts = render_digest(digest, profile)
                self.render_calls += 1
                await deliveries.store_render(self.db, digest.id, key[1], parts, profile.previews)
                log.info(
                    "digest %s: rendered profile %s: %d part(s)",
                    digest.id,
                    key[1],
                    len(parts),
                    extra={"digest_id": digest.id},
                )
            count = self._parts_count[key] = len(parts)
        return count

    async def _feed(self) -> bool:
        """Queue the parts due now; False when there were none."""
        parts = await deliveries.next_sendable(self.db, self.clock(), self.batch_size)
        if not parts:
            return False
        gone = {p.chat_id: p.chat_status for p in parts if p.chat_status != "active"}
        for chat_id, status in gone.items():
            reason = "unsubscribed" if status == "paused" else status
            skipped = await deliveries.skip_chat(self.db, chat_id, reason)
            log.info("chat %s is %s: %d part(s) skipped", chat_id, status, skipped,
                     extra={"chat_id": chat_id})  # fmt: skip
        parts = [p for p in parts if p.chat_id not in gone]
        self._in_hand += len(parts)
        await deliveries.mark_sending(self.db, [p.key for p in parts])
        for part in parts:
            self._queue.put_nowait(part)
        return True

    # --- the workers --------------------------------------------------------------------

    async def _work(self) -> None:
        while True:
            part = await self._queue.get()
            if part is None:
                return
            try:
                await self._deliver(part)
            except Exception:
                log.exception(
                    "digest %s chat %s part %d: unexpected error",
                    part.digest_id,
                    part.chat_id,
                    part.part,
                    extra={"digest_id": part.digest_id, "chat_id": part.chat_id},
                )
                with contextlib.suppress(Exception):
                    await self._retry(part, "internal error", counts=True)
            finally:
                self._in_hand -= 1
                self._progress.set()
                if self._queue.qsize() < self.workers:
                    self._wake.set()

    async def _deliver(self, part: Part) -> None:
        html = True
        while True:
            try:
                message = await self._send(part, html)
            except RetryAfter as exc:
                seconds = retry_after_seconds(exc)
                await self._retry(part, f"RetryAfter {seconds:g}s", counts=False, delay=seconds)
            except Forbidden as exc:
                await self._chat_gone(part, exc)
            except BadRequest as exc:
                text = exc.message.lower()
                if html and PARSE_ERROR in text:
                    self._log(part, logging.WARNING, "can't parse entities, sending plain text")
                    html = False
                    continue
                if any(phrase in text for phrase in CHAT_GONE):
                    await self._chat_gone(part, exc)
                else:
                    await self._final(part, "failed", f"BadRequest: {exc.message}")
            except NetworkError as exc:  # TimedOut, 5xx, connection errors
                await self._retry(part, f"{type(exc).__name__}: {exc.message}", counts=True)
            except TelegramError as exc:  # e.g. InvalidToken: not this part's fault
                await self._retry(part, f"{type(exc).__name__}: {exc.message}", counts=True)
            else:
                await self._record_sent(Sent(part.key, message.message_id, self.clock()))
                self._log(part, logging.DEBUG, "sent")
            return

    async def _send(self, part: Part, html: bool) -> Message | Accepted:
        if self.sender is not None:
            message_id = await self.sender.send_message(
                part.chat_id,
                part.text if html else html_to_plain(part.text),
                parse_mode="HTML" if html else None,
                previews=part.previews,
            )
            return Accepted(message_id)
        return await self.bot.send_message(
            part.chat_id,
            part.text if html else html_to_plain(part.text),
            parse_mode="HTML" if html else None,
            link_preview_options=_PREVIEWS_ON if part.previews else _PREVIEWS_OFF,
            **self._send_kwargs,
        )

    async def _record_sent(self, sent: Sent) -> None:
        """Group commit: whoever finds no write in progress writes everything waiting."""
        self.sent_count += 1
        future = asyncio.get_running_loop().create_future()
        self._sent_waiting.append((sent, future))
        if not self._flushing:
            self._flushing = True
            try:
                while self._sent_waiting:
                    batch, self._sent_waiting = self._sent_waiting, []
                    try:
                        await deliveries.mark_sent(self.db, [s for s, _ in batch])
                    except Exception as exc:
                        for _, waiting in batch:
                            waiting.set_exception(exc)
                    else:
                        for _, waiting in batch:
                            waiting.set_result(None)
            finally:
                self._flushing = False
        await future

    async def _retry(
        self, part: Part, error: str, *, counts: bool, delay: float | None = None
    ) -> None:
        error = self._redact(error)
        attempts = part.attempts + (1 if counts else 0)
        if counts and attempts > len(self.retry_delays):
            await self._final(part, "failed", f"gave up after {attempts} attempts: {error}")
            return
        if delay is None:
            delay = self.retry_delays[attempts - 1] if counts else self.retry_delays[0]
        not_before = self.clock() + delay
        await deliveries.mark_retry(self.db, [Retry(part.key, not_before, error, counts)])
        self._log(part, logging.INFO, f"retry in {delay:g}s ({error})")

    async def _final(self, part: Part, status: str, reason: str) -> None:
        reason = self._redact(reason)
        await deliveries.mark_final(self.db, [Outcome(part.key, status, reason)])
        self._log(part, logging.WARNING, f"{status}: {reason}")

    async def _chat_gone(self, part: Part, exc: TelegramError) -> None:
        reason = self._redact(f"blocked: {exc.message}")
        await set_status(self.db, part.chat_id, ChatStatus.BLOCKED)
        skipped = await deliveries.skip_chat(self.db, part.chat_id, reason)
        self._log(part, logging.INFO, f"{reason}; chat marked blocked, {skipped} part(s) skipped")

    def _redact(self, text: str) -> str:
        return text.replace(self._token, "[token]") if self._token else text

    @staticmethod
    def _log(part: Part, level: int, what: str) -> None:
        log.log(
            level,
            "digest %s chat %s part %d/%d: %s",
            part.digest_id,
            part.chat_id,
            part.part,
            part.parts,
            what,
            extra={"digest_id": part.digest_id, "chat_id": part.chat_id},
        )


# --- standalone ---------------------------------------------------------------------------


async def _run(args: argparse.Namespace) -> int:
    from telegram.ext import ExtBot

    from storage.db import connect

    db = await connect(args.db)
    limiter = SendRateLimiter(args.rate or None)
    bot = ExtBot(args.token, base_url=f"{args.api}/bot", rate_limiter=limiter)
    await bot.initialize()
    engine = DeliveryEngine(bot, db, workers=args.workers, poll_seconds=args.poll)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await engine.start()
    print("started", flush=True)
    try:
        if args.until_idle:
            idle = asyncio.create_task(engine.run_until_idle(args.timeout))
            stopped = asyncio.create_task(stop.wait())
            await asyncio.wait({idle, stopped}, return_when=asyncio.FIRST_COMPLETED)
            for task in (idle, stopped):
                task.cancel()
        else:
            await stop.wait()
    finally:
        await engine.stop()
        await bot.shutdown()
        await db.close()
    print(f"stopped sent={engine.sent_count}", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.delivery", description="Run the delivery engine on its own."
    )
    parser.add_argument("--db", required=True, help="SQLite file")
    parser.add_argument("--api", required=True, help="Bot API root, e.g. http://127.0.0.1:8081")
    parser.add_argument("--token", default="123456:LOCAL-TEST-TOKEN")
    parser.add_argument("--rate", type=float, default=25.0, help="messages/s; 0 = unlimited")
    parser.add_argument("--workers", type=int, default=32)
    parser.add_argument("--poll", type=float, default=1.0)
    parser.add_argument("--until-idle", action="store_true", help="exit once nothing is due")
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    return asyncio.run(_run(args))


if __name__ == "__main__":
    sys.exit(main())
