"""`python -m bot.local_api`: the stand-in in its own process, for benchmarks.

    python -m bot.local_api --port 8081 --quiet-record [--rtt 0.1]

prints its base URL on the first line of stdout, serves until SIGTERM/SIGINT, then prints
its counters as one JSON line. `GET /_local/stats` answers the same counters while running.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal

from bot.local_api.server import LocalBotApi

__all__ = ["main"]


async def _serve(args: argparse.Namespace) -> None:
    api = LocalBotApi(
        token=args.token,
        username=args.username,
        host=args.host,
        port=args.port,
        record=not args.quiet_record,
        latency=args.rtt,
    )
    if args.fail_rate:
        api.fail_randomly(
            args.fail_rate, args.fail_status, retry_after=args.retry_after, seed=args.seed
        )
    await api.start()
    print(api.base_url, flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await api.stop()
        print(json.dumps(api.stats()), flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.local_api",
        description="A local Telegram Bot API stand-in; prints its base URL, stops on SIGTERM.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", default="123456:LOCAL-TEST-TOKEN")
    parser.add_argument("--username", default="digest_test_bot")
    parser.add_argument(
        "--quiet-record",
        "--quiet",
        action="store_true",
        help="keep counters only, not every message (for 100k-message benchmarks)",
    )
    parser.add_argument("--fail-rate", type=float, default=0.0, help="fraction of sends that fail")
    parser.add_argument("--fail-status", type=int, default=429)
    parser.add_argument("--retry-after", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--rtt",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="answer every send*/edit*/answer* call only after this round trip",
    )
    args = parser.parse_args(argv)
    if args.rtt < 0:
        parser.error("--rtt must be 0 or more seconds")
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(_serve(args))
    return 0
