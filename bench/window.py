"""The send window over a slow and a fast network: how many sends were in flight, the
round trip the sender measured, and the rate reached (what a test cannot assert on a
busy machine; tests/test_delivery_pacing.py holds the rules).

    python bench/window.py

240 chats, one part each, at 400 msg/s through the real engine and sender over HTTP
to the stand-in, which answers each send after 200 ms, then after 10 ms. Little's law
wants rate x round trip in flight: ~80 at 200 ms (a fixed pool of 32 would cap the
rate at 160/s), ~4 at 10 ms.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from telegram.ext import ExtBot

from bot.delivery.engine import DeliveryEngine
from bot.delivery.ratelimit import SendRateLimiter
from bot.local_api import LocalBotApi
from storage.db import connect
from storage.digests import save_digest
from tests.delivery_runner import add_subscribers, make_digest
from tests.test_delivery_pacing import brief_chats

RATE = 400.0
CHATS = 240


async def one_run(folder: Path, latency: float) -> str:
    db = await connect(folder / f"rtt-{latency}.db")
    try:
        await add_subscribers(db, brief_chats(CHATS))
        async with LocalBotApi(latency=latency) as api:
            await save_digest(db, make_digest(items=8))
            limiter = SendRateLimiter(RATE, private_interval=0.01)
            bot = ExtBot(api.token, base_url=f"{api.base_url}/bot", rate_limiter=limiter)
            await bot.initialize()
            engine = DeliveryEngine(bot, db)
            started = time.perf_counter()
            try:
                await engine.run_until_idle(timeout=120)
            finally:
                await engine.stop()
                await bot.shutdown()
            elapsed = time.perf_counter() - started
            sent = len(api.sent)
    finally:
        await db.close()
    rtt = engine.sender.rtt or 0.0
    record = engine.ledger.latency or 0.0
    return (
        f"latency {latency * 1000:>4.0f} ms: {sent} sent in {elapsed:.2f} s"
        f" ({sent / elapsed:.0f}/s);"
        f" rtt {rtt * 1000:.0f} ms, ledger {record * 1000:.1f} ms;"
        f" window limit {engine.window.limit}, peak in flight {engine.window.peak}"
        f" (rate x rtt = {RATE * rtt:.0f})"
    )


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        for latency in (0.2, 0.01):
            print(await one_run(Path(folder), latency))


if __name__ == "__main__":
    asyncio.run(main())
