"""Ledger pruning: delivered rows older than LEDGER_KEEP_DAYS are deleted, a little at a time.

A digest to 1,000,000 chats leaves ~2,000,000 ledger rows (one per part sent); six a day
would grow the database by gigabytes a week. Rows whose outcome is final ('sent',
'skipped', 'failed') and that were planned more than `keep_days` ago are deleted in
chunks of CHUNK rows, each its own short transaction on the one write path, with a
pause between chunks: a running fan-out's ledger writes wait at most one chunk (a few
ms), and the pruner takes at most a few percent of the write path. Unfinished rows are
never deleted, however old.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from storage import deliveries
from storage.db import Database

log = logging.getLogger(__name__)

DAY = 86_400
CHUNK = 2_000  # rows deleted per transaction
PAUSE = 0.5  # seconds between two chunks
EVERY = 3_600.0  # seconds between two rounds of pruning


class LedgerPruner:
    def __init__(
        self,
        db: Database,
        keep_days: int,
        *,
        clock: Callable[[], float],
        chunk: int = CHUNK,
        pause: float = PAUSE,
        every: float = EVERY,
    ) -> None:
        self.db = db
        self.keep_days = keep_days
        self.clock = clock
        self.chunk = chunk
        self.pause = pause
        self.every = every
        self.pruned = 0  # rows deleted so far (tests, logs)
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Prune now and then every `every` seconds (nothing when keep_days is 0)."""
        if self.keep_days > 0 and self._task is None:
            self._task = asyncio.create_task(self._run(), name="ledger-pruner")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def prune(self) -> int:
        """One round: delete every final row planned before the cutoff, chunk by chunk."""
        before = self.clock() - self.keep_days * DAY
        total = 0
        while True:
            deleted = await deliveries.prune(self.db, before, self.chunk)
            total += deleted
            if deleted < self.chunk:
                break
            await asyncio.sleep(self.pause)
        self.pruned += total
        if total:
            log.info("ledger: %d delivered row(s) older than %d days pruned", total,
                     self.keep_days)  # fmt: skip
        return total

    async def _run(self) -> None:
        while True:
            try:
                await self.prune()
            except Exception:
                log.exception("ledger pruning failed; trying again later")
            await asyncio.sleep(self.every)
