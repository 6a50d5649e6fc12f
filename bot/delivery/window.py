"""How many sends the delivery engine keeps in flight: Little's law, not a fixed pool.

A send holds its slot from the moment it is started until its outcome is committed to
the ledger, so the slots needed to sustain a rate are rate x (Bot API round trip +
ledger write). The limit follows the measured averages of both and the rate the
limiter allows now (it drops when the bot is slowed down after a global RetryAfter):

    limit = ceil(rate x (rtt + record) x headroom) + spare, within [low, high]

With limits lifted (bench mode) there is no rate to multiply: `unlimited` slots.
The limit is also the bound on duplicates after a kill -9: only parts holding a slot
can have reached Telegram without their 'sent' being recorded.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque

LOW = 4
HIGH = 1000


class SendWindow:
    def __init__(
        self,
        *,
        low: int = LOW,
        high: int = HIGH,
        headroom: float = 1.5,
        spare: int = 2,
        unlimited: int = 64,
        initial_rtt: float = 0.1,
    ) -> None:
        self.low = low
        self.high = max(low, high)
        self.headroom = headroom
        self.spare = spare
        self.unlimited = min(max(unlimited, low), self.high)
        self.initial_rtt = initial_rtt
        self.limit = self.unlimited
        self.in_flight = 0
        self.peak = 0  # most slots held at once (tests, bench)
        self._waiters: deque[asyncio.Future[None]] = deque()

    def resize(self, rate: float, rtt: float | None, record: float | None) -> int:
        """Set the limit from the current rate (0 = unlimited) and the measured times."""
        if rate <= 0:
            limit = self.unlimited
        else:
            hold = (self.initial_rtt if rtt is None else rtt) + (record or 0.0)
            limit = math.ceil(rate * hold * self.headroom) + self.spare
        self.limit = min(max(limit, self.low), self.high)
        self._wake()
        return self.limit

    @property
    def full(self) -> bool:
        return self.in_flight >= self.limit

    async def acquire(self) -> None:
        """Take a slot, waiting while all are held."""
        while self.in_flight >= self.limit:
            future = asyncio.get_running_loop().create_future()
            self._waiters.append(future)
            try:
                await future
            finally:
                if not future.done():
                    future.cancel()
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)

    def release(self) -> None:
        self.in_flight -= 1
        self._wake()

    def _wake(self) -> None:
        free = self.limit - self.in_flight
        while free > 0 and self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                free -= 1
