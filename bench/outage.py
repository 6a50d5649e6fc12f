"""Outage benchmark (issue 23): a fan-out at SEND_RATE=30 meets a Telegram outage.

    python bench/outage.py [--seconds 45 90 300] [--kinds html malformed] [--chats 300]

The stand-in (in process, on 127.0.0.1, 50 ms round trip) answers every sendMessage with
a 502 HTML page (`html`) or a 200 whose JSON is cut off (`malformed`) from 3 s into the
fan-out for the given number of seconds, then answers normally again; `slow` (issue 23
item 2): it delivers each message at once but answers 25 s later (the client's timeout
is 20 s), for the given number of seconds. Printed per run:
parts planned, parts lost (planned but never delivered; goal 0), duplicates (messages
delivered more than once; goal 0), and the time from the end of the outage to the last
delivery. Each subscriber gets the canonical post (full format: 2 parts per chat).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CANONICAL = ROOT.parent / "shared" / "data" / "digests" / "canonical" / "2025-12-20-12.md"
SAMPLE = ROOT / "bot" / "samples" / "2026-11-28-12.md"
RATE = 30
OUTAGE_FROM = 3.0  # seconds into the fan-out


async def one_run(kind: str, seconds: float, chats: int) -> dict:
    from telegram.ext import ExtBot

    from bot.delivery.engine import DeliveryEngine
    from bot.delivery.ratelimit import SendRateLimiter
    from bot.digest.parse import parse_file
    from bot.local_api import LocalBotApi
    from storage.db import connect, one_row
    from storage.digests import save_digest

    status = 502 if kind == "html" else 200
    with tempfile.TemporaryDirectory() as tmp:
        db = await connect(Path(tmp) / "bench.db")
        now = int(time.time())
        async with db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO subscribers (chat_id, format, created_ts, updated_ts)"
                " VALUES (?, 'full', ?, ?)",
                [(chat_id, now, now) for chat_id in range(1, chats + 1)],
            )
        async with LocalBotApi(latency=0.05) as api:
            limiter = SendRateLimiter(RATE)
            bot = ExtBot(api.token, base_url=f"{api.base_url}/bot", rate_limiter=limiter)
            await bot.initialize()
            engine = DeliveryEngine(bot, db)
            await save_digest(db, parse_file(CANONICAL if CANONICAL.exists() else SAMPLE))
            await engine.start()
            engine.wake()
            await asyncio.sleep(OUTAGE_FROM)
            if kind == "slow":
                api.slow_answers(25.0, {"sendMessage"})
            else:
                api.fail_method("sendMessage", status, kind=kind)
            await asyncio.sleep(seconds)
            api.clear_faults()
            ended = time.time()
            await engine.run_until_idle(timeout=seconds + 600)
            await engine.stop()
            await bot.shutdown()
            delivered = Counter((m.chat_id, m.text) for m in api.sent)
        async with db.execute(
            "SELECT count(*), max(sent_ts), sum(status = 'sent') FROM deliveries WHERE part > 0"
        ) as cursor:
            planned, last_ts, sent = await one_row(cursor)
        await db.close()
    return {
        "kind": kind,
        "outage_s": seconds,
        "planned": planned,
        "lost": planned - len(delivered),
        "duplicates": sum(n - 1 for n in delivered.values()),
        "ledger_sent": sent,
        "end_to_last_s": round(max(0.0, last_ts - ended), 1),
        "outages_logged": engine.health.outages,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, nargs="+", default=[45, 90, 300])
    parser.add_argument("--kinds", nargs="+", default=["html", "malformed"],
                        choices=["html", "malformed", "slow"])  # fmt: skip
    parser.add_argument("--chats", type=int, default=300)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    print("kind       outage_s  planned  lost  duplicates  end->last delivery (s)")
    for seconds in args.seconds:
        for kind in args.kinds:
            r = asyncio.run(one_run(kind, seconds, args.chats))
            print(f"{r['kind']:<10} {r['outage_s']:>8g} {r['planned']:>8} {r['lost']:>5}"
                  f" {r['duplicates']:>11} {r['end_to_last_s']:>10}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
