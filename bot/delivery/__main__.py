"""The delivery engine on its own (the crash tests and benchmarks run it in its own process):

python -m bot.delivery --db PATH --api URL [--token T] [--rate 25] [--until-idle]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys

from telegram.ext import ExtBot

from bot.delivery.engine import DeliveryEngine
from bot.delivery.ratelimit import SendRateLimiter
from bot.delivery.window import HIGH, SendWindow
from storage.db import connect


async def _run(args: argparse.Namespace) -> int:
    db = await connect(args.db)
    limiter = SendRateLimiter(args.rate or None)
    bot = ExtBot(args.token, base_url=f"{args.api}/bot", rate_limiter=limiter)
    await bot.initialize()
    window = SendWindow(high=args.max_in_flight)
    engine = DeliveryEngine(bot, db, window=window, poll_seconds=args.poll)
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
    print(f"stopped sent={engine.sent_count} peak_in_flight={window.peak}", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.delivery", description="Run the delivery engine on its own."
    )
    parser.add_argument("--db", required=True, help="SQLite file")
    parser.add_argument("--api", required=True, help="Bot API root, e.g. http://127.0.0.1:8081")
    parser.add_argument("--token", default="123456:LOCAL-TEST-TOKEN")
    parser.add_argument("--rate", type=float, default=25.0, help="messages/s; 0 = unlimited")
    parser.add_argument("--max-in-flight", type=int, default=HIGH,
                        help="upper bound of the send window")  # fmt: skip
    parser.add_argument("--poll", type=float, default=1.0)
    parser.add_argument("--until-idle", action="store_true", help="exit once nothing is due")
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    return asyncio.run(_run(args))


if __name__ == "__main__":
    sys.exit(main())
