"""The roundup scheduler: plans each scheduled chat's roundup when it falls due.

The delivery engine's dispatcher calls `run_due()` on every pass (and wakes when the
earliest due time comes). Two steps, each a bounded batch:
1. Chats whose next due time is not known yet (a schedule or zone just changed, a chat
   resumed): worked out from the engine's clock in the chat's zone (DEFAULT_TZ for
   chats that chose none, else the zone the digests are published in, else UTC:
   bot/timezones.py effective_zone) and stored.
2. Chats whose due time has come: storage/roundups.make_due_many plans each one's
   roundup, CHUNK chats per transaction (exactly once; see there), and sets the next due
   time after now. A bot that was down while roundups fell due plans them at start, one
   per chat for the latest due time that passed (a bot down for three days sends one
   roundup, not three).
Quiet hours then hold the parts back like any push (planner.py). Time is the injected
clock, so the tests need not wait for the wall clock.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial

from bot.preferences import last_roundup, next_roundup
from storage import roundups
from storage.db import Database
from storage.digests import chat_zone
from storage.roundups import Due

log = logging.getLogger(__name__)

# Due chats planned per transaction: one commit for many (a roundup for everyone at 08:00
# is a million plans), short enough that the ledger's writes wait little between them.
CHUNK = 25


class RoundupScheduler:
    def __init__(self, db: Database, *, clock: Callable[[], float], default_tz: str = "") -> None:
        self.db = db
        self.clock = clock
        self.default_tz = default_tz
        self.planned = 0  # roundups planned by this scheduler (tests, logs)

    async def _zone(self, chat: Due) -> str:
        return await chat_zone(self.db, chat.chat_id, chat.thread_id, chat.tz, self.default_tz)

    async def run_due(self) -> bool:
        """Work out unknown due times and plan the roundups due now; True when it did
        anything (the dispatcher then looks again at once)."""
        now = self.clock()
        busy = False
        unknown = await roundups.unscheduled(self.db)
        due_now = await roundups.due(self.db, now)
        if not unknown and not due_now:
            return False
        if unknown:
            times = []
            for chat in unknown:
                due = next_roundup(chat.schedule, await self._zone(chat), now)
                if due is not None:
                    times.append((chat.chat_id, chat.thread_id, int(due)))
            await roundups.set_next(self.db, times)
            busy = True
        for start in range(0, len(due_now), CHUNK):
            zones = {
                (c.chat_id, c.thread_id): await self._zone(c)
                for c in due_now[start : start + CHUNK]
            }
            chats = list(zones)
            ids = await roundups.make_due_many(
                self.db, chats, now, partial(self._zoned_times, now=now, zones=zones)
            )
            busy = True
            for (chat_id, _), roundup_id in zip(chats, ids, strict=True):
                if roundup_id is not None:
                    self.planned += 1
                    log.debug("roundup %s planned for chat %s", roundup_id, chat_id,
                              extra={"chat_id": chat_id, "digest_id": roundup_id})  # fmt: skip
            if any(ids):
                log.info("%d roundup(s) planned", sum(1 for i in ids if i is not None))
        return busy

    def _zoned_times(
        self, chat: Due, now: float, zones: dict[tuple[int, int], str]
    ) -> tuple[int, int | None]:
        return self._times(chat, now, zones[(chat.chat_id, chat.thread_id)])

    def _times(self, chat: Due, now: float, zone: str) -> tuple[int, int | None]:
        """(the due time this roundup stands for, the next one) of a chat due at `now`;
        a chat back on instant pushes gets what waited now, and no next one."""
        due = last_roundup(chat.schedule, zone, now)
        following = next_roundup(chat.schedule, zone, now)
        return int(due if due is not None else now), None if following is None else int(following)

    async def has_work(self) -> bool:
        """A due time to work out, or a roundup due now."""
        if await roundups.unscheduled(self.db, 1):
            return True
        due = await roundups.next_due(self.db)
        return due is not None and due <= self.clock()

    async def next_due(self) -> float | None:
        """When the earliest known roundup falls due."""
        return await roundups.next_due(self.db)
