"""Fan-out benchmark: the delivery engine against the Bot API stand-in in its own process.

    python bench/fanout.py [--quick] [--only a|b|c]

(a) SEND_RATE=25, N=1,000 subscribers: achieved / configured rate (goal 0.97..1.02).
(b) limits lifted, N=10,000: messages/s and bot-process CPU ms per message of the engine
    with its BulkSender (bot/bulk_send.py), of the engine on PTB's bot.send_message, and
    of a plain loop of bot.send_message through PTB's AIORateLimiter (limits off), the
    baseline, all in the same run; plus the stand-in's CPU ms per message for each.
(c) N=100,000 subscribers: peak RSS of the bot process (goal < 150 MB) over planning,
    rendering and the first 20,000 sends.

Subscribers get mixed preferences (3 formats x previews x 2 time zones, and a
topics-only group: 13 profiles); the engine sends through its BulkSender except in the
"engine + PTB send_message" row of (b); the digest is the canonical post of 19 items
(../shared/data, else the bundled samples). Each measurement runs in a fresh child
process so CPU time and peak memory are the bot's alone. `--quick` is the CI smoke.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CANONICAL = ROOT.parent / "shared" / "data" / "digests" / "canonical" / "2025-12-20-12.md"
SAMPLE = ROOT / "bot" / "samples" / "2026-11-28-12.md"
TOKEN = "123456:LOCAL-BENCH-TOKEN"
FORMATS = ("full", "brief", "headlines")
ZONES = ("UTC", "Asia/Shanghai")


# --- set-up --------------------------------------------------------------------------------


def load_digest():
    from bot.digest.parse import parse_file

    return parse_file(CANONICAL if CANONICAL.exists() else SAMPLE)


def preferences(chat_id: int) -> tuple[str, int, str, str]:
    """(format, previews, tz, alerts_mode): 12 'all' profiles, every 10th chat topics-only."""
    if chat_id % 10 == 7:
        return "headlines", 0, "UTC", "topics"
    return FORMATS[chat_id % 3], (chat_id // 3) % 2, ZONES[(chat_id // 6) % 2], "all"


async def build_db(path: Path, subscribers: int) -> str:
    """A database with `subscribers` active chats and the digest saved (planned rows)."""
    from storage.db import connect
    from storage.digests import save_digest

    db = await connect(path)
    now = int(time.time())
    async with db.transaction() as conn:
        for start in range(1, subscribers + 1, 10_000):
            chats = range(start, min(start + 10_000, subscribers + 1))
            await conn.executemany(
                "INSERT INTO subscribers"
                " (chat_id, format, previews, tz, alerts_mode, created_ts, updated_ts)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(c, *preferences(c), now, now) for c in chats],
            )
            await conn.executemany(
                "INSERT INTO follows (chat_id, topic) VALUES (?, 'chips')",
                [(c,) for c in chats if c % 10 == 7],
            )
    digest = load_digest()
    await save_digest(db, digest)
    await db.close()
    return digest.id


class StandIn:
    """`python -m bot.local_api` in its own process."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.local_api", "--quiet-record", "--token", TOKEN],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.url = self.process.stdout.readline().strip()
        if not self.url.startswith("http"):
            raise SystemExit(f"the Bot API stand-in did not start: {self.url!r}")

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the stand-in process has used so far (Linux /proc)."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stats(self) -> dict:
        import httpx

        return httpx.get(f"{self.url}/_local/stats").json()

    def clear(self) -> None:
        import httpx

        httpx.post(f"{self.url}/_local/clear", json={})

    def stop(self) -> None:
        self.process.terminate()
        self.process.communicate(timeout=10)


def child(scenario: str, **options) -> dict:
    """Run one measurement in a fresh process; it prints one JSON line."""
    args = [sys.executable, __file__, "--child", scenario, "--options", json.dumps(options)]
    out = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"{scenario} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- measurements (in the child) -------------------------------------------------------------


async def make_bot(api: str, rate: float | None, limiter: str = "ours"):
    from telegram.ext import AIORateLimiter, ExtBot

    from bot.delivery.ratelimit import SendRateLimiter

    if limiter == "ours":
        rate_limiter = SendRateLimiter(rate)
    else:
        rate_limiter = AIORateLimiter(overall_max_rate=0, group_max_rate=0)
    bot = ExtBot(TOKEN, base_url=f"{api}/bot", rate_limiter=rate_limiter)
    await bot.initialize()
    return bot


async def run_engine(options: dict) -> dict:
    """Plan, render and send the digest to every subscriber (or the first `stop_after`)."""
    from bot.delivery.engine import DeliveryEngine
    from storage import deliveries
    from storage.db import connect

    db = await connect(options["db"])
    bot = await make_bot(options["api"], options["rate"])
    workers = options.get("workers", 32)
    sender = None
    if options.get("sender", True):
        from bot.delivery.sender import BulkSender

        sender = BulkSender(
            token=TOKEN,
            base_url=f"{options['api']}/bot",
            rate_limiter=bot.rate_limiter,
            connections=workers,
        )
        await sender.start()
    engine = DeliveryEngine(bot, db, workers=workers, sender=sender)
    wall, cpu = time.perf_counter(), time.process_time()
    stop_after = options.get("stop_after")
    if stop_after:
        await engine.start()
        while engine.sent_count < stop_after:  # noqa: ASYNC110 (a bench: polling is fine)
            await asyncio.sleep(0.2)
        await engine.stop()
    else:
        await engine.run_until_idle(timeout=options.get("timeout", 3600))
        await engine.stop()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    stats = await deliveries.delivery_stats(db)
    if sender is not None:
        await sender.close()
    await bot.shutdown()
    await db.close()
    return {
        "sent": engine.sent_count,
        "render_calls": engine.render_calls,
        "wall_s": wall,
        "cpu_s": cpu,
        "ledger_rate": stats.last_fanout.rate if stats.last_fanout else None,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


async def run_plain_loop(options: dict) -> dict:
    """The baseline: the same messages from 32 tasks calling bot.send_message in a loop,
    through PTB's AIORateLimiter with its limits off; no database."""
    from telegram import LinkPreviewOptions

    from bot.digest.render import render_digest
    from storage.subscribers import Subscriber

    digest = load_digest()
    bot = await make_bot(options["api"], None, limiter="aio")
    rendered: dict[str, list[str]] = {}
    jobs: list[tuple[int, str, bool]] = []
    for chat_id in range(1, options["subscribers"] + 1):
        fmt, previews, tz, mode = preferences(chat_id)
        topics = frozenset({"chips"}) if mode == "topics" else frozenset()
        profile = Subscriber(chat_id, format=fmt, previews=bool(previews), tz=tz,
                             alerts_mode=mode, topics=topics).profile()  # fmt: skip
        parts = rendered.setdefault(profile.key(), render_digest(digest, profile))
        jobs += [(chat_id, text, profile.previews) for text in parts]
    jobs.reverse()
    wall, cpu = time.perf_counter(), time.process_time()

    async def worker() -> None:
        while jobs:
            chat_id, text, previews = jobs.pop()
            await bot.send_message(
                chat_id,
                text,
                parse_mode="HTML",
                link_preview_options=LinkPreviewOptions(is_disabled=not previews),
            )

    sent = len(jobs)
    await asyncio.gather(*(worker() for _ in range(32)))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    await bot.shutdown()
    return {"sent": sent, "wall_s": wall, "cpu_s": cpu}


def run_child(scenario: str, options: dict) -> None:
    import logging

    logging.basicConfig(level=logging.WARNING)
    runner = run_plain_loop if scenario == "plain" else run_engine
    print(json.dumps(asyncio.run(runner(options))))


# --- the scenarios (in the parent) -----------------------------------------------------------


def scenario_a(api: StandIn, tmp: Path, n: int) -> None:
    db = tmp / "a.db"
    asyncio.run(build_db(db, n))
    api.clear()
    result = child("engine", db=str(db), api=api.url, rate=25.0)
    stats = api.stats()
    sent, span = stats["sent"], stats["seconds"]
    achieved = (sent - 1) / span if span else float("nan")
    print(f"(a) SEND_RATE=25, N={n:,}: {sent:,} messages in {span:.1f} s")
    print(f"    achieved {achieved:.2f}/s = {achieved / 25:.3f} of configured (goal 0.97..1.02);")
    print(f"    most in any 1 s window: {stats['max_per_second']} (25 + burst 2);")
    print(f"    shortest gap between two messages to one chat: {stats['min_chat_gap']} s;")
    print(f"    render calls: {result['render_calls']}")


def scenario_b(api: StandIn, tmp: Path, n: int) -> None:
    runs: list[tuple[str, dict, float]] = []
    for name, scenario, options in (
        ("engine + BulkSender", "engine", {"sender": True}),
        ("engine + PTB send_message", "engine", {"sender": False}),
        ("plain loop + AIORateLimiter", "plain", {}),
    ):
        if scenario == "engine":
            db = tmp / f"b-{len(runs)}.db"
            asyncio.run(build_db(db, n))
            options = {**options, "db": str(db), "rate": None}
        else:
            options = {"subscribers": n}
        api.clear()
        api_cpu = api.cpu_seconds()
        result = child(scenario, api=api.url, **options)
        runs.append((name, result, api.cpu_seconds() - api_cpu))
    print(f"(b) limits lifted, N={n:,} (CPU ms/msg: bot process | Bot API stand-in process):")
    rates = {}
    for name, r, api_cpu in runs:
        rate = rates[name] = r["sent"] / r["wall_s"]
        cpu_ms = 1000 * r["cpu_s"] / r["sent"]
        api_ms = 1000 * api_cpu / r["sent"]
        print(
            f"    {name:28} {r['sent']:>7,} msgs  {rate:7.0f} msg/s"
            f"  {cpu_ms:5.2f} | {api_ms:4.2f} CPU ms/msg"
        )
    bulk, baseline = rates["engine + BulkSender"], rates["plain loop + AIORateLimiter"]
    print(f"    engine + BulkSender / plain PTB loop: {bulk / baseline:.1f}x msg/s")
    print("    (engine figures include planning, 13 renders and every ledger write; the")
    print("    stand-in's figure includes its HTTP server, JSON and HTML checks of each text)")


def scenario_c(api: StandIn, tmp: Path, n: int, sends: int) -> None:
    db = tmp / "c.db"
    started = time.perf_counter()
    asyncio.run(build_db(db, n))
    built = time.perf_counter() - started
    api.clear()
    result = child("engine", db=str(db), api=api.url, rate=None, stop_after=sends)
    print(f"(c) N={n:,} subscribers (database built in {built:.0f} s):")
    print(
        f"    peak RSS of the bot process {result['peak_rss_mb']:.0f} MB (goal < 150 MB)"
        f" over planning all {n:,} chats, {result['render_calls']} renders and the first"
        f" {result['sent']:,} sends ({result['wall_s']:.0f} s)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="CI smoke: small N, < 30 s")
    parser.add_argument("--only", choices=("a", "b", "c"))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--options", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(args.child, json.loads(args.options))
        return 0
    print(f"digest: {CANONICAL if CANONICAL.exists() else SAMPLE}; cores: {os.cpu_count()}")
    api = StandIn()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            if args.only in (None, "a"):
                scenario_a(api, Path(tmp), 60 if args.quick else 1_000)
            if args.only in (None, "b"):
                scenario_b(api, Path(tmp), 300 if args.quick else 10_000)
            if args.only in (None, "c"):
                n, sends = (5_000, 500) if args.quick else (100_000, 20_000)
                scenario_c(api, Path(tmp), n, sends)
    finally:
        api.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
