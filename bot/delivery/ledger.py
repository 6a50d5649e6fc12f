"""The engine's ledger writer: outcomes of sends committed in groups, and never lost.

Every outcome (sent, retry later, failed or skipped, chat gone) waits here until it is
committed; one task writes everything waiting in ONE transaction (`deliveries.settle`),
so at 1,000 messages/s the ledger costs a few commits a second, not a thousand.

A write that fails (another process holds the database longer than the busy timeout,
the disk is full...) is retried with back-off until it succeeds: a part Telegram
accepted is recorded 'sent' eventually, never sent again in the same run, and never
left 'sending'. Only a restart (after a crash) sends a 'sending' part again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
from dataclasses import dataclass

from storage import deliveries
from storage.db import Database
from storage.deliveries import Gone, Outcome, Retry, Sent

log = logging.getLogger(__name__)

Settled = Sent | Retry | Outcome | Gone
LATENCY_WEIGHT = 0.05  # weight of each new sample in the moving average of the write time
MAX_BACKOFF = 2.0
GROUP, LINGER = 32, 0.005  # a write waits up to LINGER s for GROUP outcomes to gather
GIVE_UP_AFTER = 20  # attempts for errors that are not SQLite's operational ones (bugs)


@dataclass(slots=True)
class _Waiting:
    outcome: Settled
    future: asyncio.Future[int]
    since: float


class LedgerWriter:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.latency: float | None = None  # moving average: queued -> committed, seconds
        self.failed_writes = 0  # attempts that raised (tests, bench, logs)
        self.commits = 0
        self._waiting: list[_Waiting] = []
        self._task: asyncio.Task[None] | None = None

    @property
    def pending(self) -> int:
        return len(self._waiting) + (0 if self._task is None or self._task.done() else 1)

    async def write(self, outcome: Settled) -> int:
        """Returns once the outcome is committed (for Gone: the parts skipped). Cancelling
        the caller does not cancel the write."""
        future = asyncio.get_running_loop().create_future()
        self._waiting.append(_Waiting(outcome, future, time.monotonic()))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="delivery-ledger")
        # Not shielded: a cancelled caller cancels only its future; the outcome stays
        # queued and is committed all the same (_run skips futures already done).
        return await future

    async def flush(self, timeout: float) -> bool:  # noqa: ASYNC109
        """Wait until everything queued is committed; False if that took over `timeout`."""
        if self._task is None or self._task.done():
            return True
        done, _ = await asyncio.wait({self._task}, timeout=timeout)
        return bool(done)

    async def close(self) -> None:
        """Stop writing; what is still waiting stays 'sending' in the ledger (a restart
        sends it again), as after a crash."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for item in self._waiting:
            if not item.future.done():
                item.future.set_exception(RuntimeError("ledger writer closed"))
        self._waiting = []

    async def _run(self) -> None:
        batch: list[_Waiting] = []
        failures = 0
        while self._waiting or batch:
            if len(self._waiting) < GROUP:
                await asyncio.sleep(LINGER)  # let a group gather: fewer, larger commits
            batch += self._waiting
            self._waiting = []
            try:
                skipped = await _settle(self.db, [w.outcome for w in batch])
            except Exception as exc:
                failures += 1
                self.failed_writes += 1
                transient = isinstance(exc, sqlite3.OperationalError)
                if not transient and failures >= GIVE_UP_AFTER:
                    log.error(
                        "ledger write failed %d times, giving up on %d outcome(s): %r"
                        " (they stay 'sending' until a restart)",
                        failures,
                        len(batch),
                        exc,
                    )
                    for item in batch:
                        if not item.future.done():
                            item.future.set_exception(exc)
                    batch, failures = [], 0
                    continue
                if failures == 1 or failures % 10 == 0:
                    log.warning("ledger write failed (%d in a row, %d outcome(s) kept): %r",
                                failures, len(batch), exc)  # fmt: skip
                await asyncio.sleep(min(MAX_BACKOFF, 0.05 * 2 ** (failures - 1)))
                continue
            if failures:
                log.info("ledger write succeeded after %d failed attempt(s)", failures)
            failures = 0
            self.commits += 1
            now = time.monotonic()
            for item in batch:
                sample = now - item.since
                avg = self.latency
                self.latency = sample if avg is None else avg + LATENCY_WEIGHT * (sample - avg)
                if item.future.done():  # its caller was cancelled
                    continue
                chat = item.outcome.key.chat_id
                item.future.set_result(skipped.get(chat, 0) if isinstance(item.outcome, Gone)
                                       else 0)  # fmt: skip
            batch = []


async def _settle(db: Database, outcomes: list[Settled]) -> dict[int, int]:
    sent: list[Sent] = []
    retries: list[Retry] = []
    finals: list[Outcome] = []
    gone: list[Gone] = []
    for outcome in outcomes:
        match outcome:
            case Sent():
                sent.append(outcome)
            case Retry():
                retries.append(outcome)
            case Outcome():
                finals.append(outcome)
            case Gone():
                gone.append(outcome)
    return await deliveries.settle(db, sent=sent, retries=retries, finals=finals, gone=gone)
