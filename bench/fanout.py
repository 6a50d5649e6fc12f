"""Fan-out benchmark: the delivery engine against the Bot API stand-in in its own process.

    python bench/fanout.py [--quick] [--only table|cpu|flood|commands|big|speed|million|roundup]
                           [--rtt SECONDS] [--chats N] [--slice SECONDS]

The stand-in answers every send after a round trip (`python -m bot.local_api --rtt`).
- table: achieved / configured rate for SEND_RATE 30, 500 and 1,000 at round trips of
  0, 50 and 150 ms (goal >= 0.95 everywhere), over the middle 90% of each wave (sent_ts
  in the ledger); each wave lasts about 10 s.
- flood: SEND_RATE=40, 200 subscribers, 10 of them answer 429 twice (retry_after 1 s):
  achieved / configured (goal >= 0.95) and how often the whole bot was slowed down
  (goal: never; per-chat floods are not a global limit).
- commands: /help replies (injected user messages, reply answered) while a 10,000-chat
  fan-out runs at 500/s, through the real Application: p50/p95 (goal p95 < 300 ms + rtt).
- big: 100,000 chats to the end at 1,000/s: wall time against the ideal (parts / rate)
  (goal <= 1.1x) and the bot process's peak RSS (goal < 150 MB).
- cpu: CPU ms per message of the bot process (getrusage: all its threads) over a ~10 s wave
  at SEND_RATE 30, 500 and 1,000 and round trips of 0 and 100 ms (goal <= 0.25 at 1,000/s
  and 100 ms); FANOUT_PROFILE=file writes a cProfile of each wave there.
- million: the real Application with N chats (default 1,000,000): one digest planned (paced,
  see engine.PLAN_AHEAD) and sent while /help is probed every 0.25 s: reply p50/p95 while
  planning and while sending, a measured slice of sending against the ideal (parts / rate),
  peak RSS, database size and growth per part, the first reply after a restart on that
  ledger (goal < 5 s).
- roundup: N chats on 'daily 08:00' due at once: how long after it fell due the first
  roundup is sent (goal < 5 s), replies meanwhile, roundups planned in the slice.
- speed: limits lifted, no round trip, N=10,000: msg/s and CPU ms/msg of the engine
  (bulk sender: PTB's do_api_request over a BaseRequest on aiohttp) against a plain loop
  of PTB's bot.send_message (32 tasks, AIORateLimiter off) in the same run (goal >= 5x).
`--rtt` is the round trip of flood, commands and big (default 0.1 s). Subscribers get
mixed preferences (13 profiles); the digest is the canonical post of 19 items
(../shared/data, else the bundled samples). Each measurement runs in a fresh child
process, so CPU time and peak memory are the bot's alone. `--quick` is the CI smoke.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CANONICAL = ROOT.parent / "shared" / "data" / "digests" / "canonical" / "2025-12-20-12.md"
SAMPLE = ROOT / "bot" / "samples" / "2026-11-28-12.md"
TOKEN = "123456:LOCAL-BENCH-TOKEN"
FORMATS = ("full", "brief", "headlines")
ZONES = ("UTC", "Asia/Shanghai")
PROBE_CHATS = 9_000_000  # chat ids of the users typing commands in `commands`
WARMUP = 10.0  # million: the measured slice of sending starts this long after the start


# --- set-up --------------------------------------------------------------------------------


def load_digest():
    from bot.digest.parse import parse_file

    return parse_file(CANONICAL if CANONICAL.exists() else SAMPLE)


def preferences(chat_id: int) -> tuple[str, int, str, str]:
    """(format, previews, tz, alerts_mode): 12 'all' profiles, every 10th chat topics-only."""
    if chat_id % 10 == 7:
        return "headlines", 0, "UTC", "topics"
    return FORMATS[chat_id % 3], (chat_id // 3) % 2, ZONES[(chat_id // 6) % 2], "all"


def subscriber(chat_id: int):
    from storage.subscribers import Subscriber

    fmt, previews, tz, mode = preferences(chat_id)
    topics = frozenset({"chips"}) if mode == "topics" else frozenset()
    return Subscriber(chat_id, format=fmt, previews=bool(previews), tz=tz, alerts_mode=mode,
                      topics=topics)  # fmt: skip


def stored_digest():
    """The digest as storage gives it back (with the topics its items were given)."""
    from storage.db import connect
    from storage.digests import get_digest, save_digest

    async def store_and_load():
        with tempfile.TemporaryDirectory() as name:
            db = await connect(Path(name) / "digest.db")
            digest = load_digest()
            await save_digest(db, digest)
            digest = await get_digest(db, digest.id)
            await db.close()
        return digest

    return asyncio.run(store_and_load())


def parts_for(subscribers: int) -> int:
    """How many messages the digest makes for chats 1..subscribers (profiles repeat every 60)."""
    from bot.digest.render import render_digest

    digest = stored_digest()
    counts = {c % 60: len(render_digest(digest, subscriber(c).profile())) for c in range(1, 61)}
    return sum(counts[c % 60] for c in range(1, subscribers + 1))


def chats_for(rate: float, seconds: float) -> int:
    """Subscribers whose digest makes about rate x seconds messages."""
    per_chat = parts_for(60) / 60
    return max(20, math.ceil(rate * seconds / per_chat))


def db_bytes(path: Path) -> int:
    """The database's size on disk: the file and its write-ahead log."""
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())


async def build_db(path: Path, subscribers: int, roundup_at: int | None = None) -> str:
    """A database with `subscribers` active chats and the digest saved (planned rows).
    `roundup_at`: the chats are on a daily roundup due then (UTC), not instant pushes."""
    from storage.db import connect
    from storage.digests import save_digest

    db = await connect(path)
    now = int(time.time())
    schedule = ("instant", None, None) if roundup_at is None else (
        "daily", (roundup_at // 60) % 1440, roundup_at)  # fmt: skip
    async with db.transaction() as conn:
        for start in range(1, subscribers + 1, 10_000):
            chats = range(start, min(start + 10_000, subscribers + 1))
            await conn.executemany(
                "INSERT INTO subscribers"
                " (chat_id, format, previews, tz, alerts_mode, created_ts, updated_ts,"
                " schedule, schedule_minute, next_roundup_ts, roundup_seq)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
                [(c, *preferences(c), now, now, *schedule) for c in chats],
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
    """`python -m bot.local_api --rtt SECONDS` in its own process."""

    def __init__(self, rtt: float = 0.0) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bot.local_api",
                "--quiet-record",
                "--token",
                TOKEN,
                "--rtt",
                str(rtt),
            ],
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

    def control(self, action: str, **body) -> None:
        import httpx

        httpx.post(f"{self.url}/_local/{action}", json=body).raise_for_status()

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


class LimiterLog(logging.Handler):
    """Counts the rate limiter's global slow-downs (its WARNING lines)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.slowdowns = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.slowdowns += "global flood limit" in record.getMessage()


def process_cpu() -> float:
    """CPU seconds (user + system) of this process, all its threads, and its waited-for
    children (resource.getrusage)."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


async def loop_lag(lags: list[float]) -> None:
    """How late a 10 ms sleep wakes up, again and again: the event loop's lag."""
    loop = asyncio.get_running_loop()
    while True:
        started = loop.time()
        await asyncio.sleep(0.01)
        lags.append(loop.time() - started - 0.01)


def thread_cpu() -> dict[str, float]:
    """CPU seconds of each live thread of this process, by name (Linux /proc)."""
    import threading

    found: dict[str, float] = {}
    for thread in threading.enumerate():
        try:
            stat = Path(f"/proc/self/task/{thread.native_id}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        seconds = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        name = "main" if thread is threading.main_thread() else "sqlite+other"
        found[name] = found.get(name, 0.0) + seconds
    return found


def _profiler():
    """cProfile over the wave when FANOUT_PROFILE names a file for its stats."""
    if not os.environ.get("FANOUT_PROFILE"):
        return None
    import cProfile

    profiler = cProfile.Profile()
    profiler.enable()
    return profiler


async def middle_rate(db) -> float | None:
    """Messages per second over the middle 90% of the wave (the ledger's sent_ts)."""
    async with db.execute(
        "SELECT sent_ts FROM deliveries WHERE status = 'sent' ORDER BY sent_ts"
    ) as cursor:
        times = [row[0] for row in await cursor.fetchall()]
    first, last = int(0.05 * len(times)), int(0.95 * len(times)) - 1
    if last <= first or times[last] <= times[first]:
        return None
    return (last - first) / (times[last] - times[first])


async def run_engine(options: dict) -> dict:
    """Plan, render and send the digest to every subscriber, as the bot does."""
    from telegram.ext import ExtBot

    from bot.delivery.engine import DeliveryEngine
    from bot.delivery.ratelimit import SendRateLimiter
    from bot.delivery.sender import BulkSender
    from storage.db import connect

    limiter_log = LimiterLog()
    logging.getLogger("bot.delivery.ratelimit").addHandler(limiter_log)
    db = await connect(options["db"])
    limiter = SendRateLimiter(options["rate"])
    bot = ExtBot(TOKEN, base_url=f"{options['api']}/bot", rate_limiter=limiter)
    await bot.initialize()
    sender = BulkSender(token=TOKEN, base_url=f"{options['api']}/bot", rate_limiter=limiter)
    await sender.start()
    engine = DeliveryEngine(bot, db, sender=sender)
    lowest_rate = limiter.current_rate

    trace = []
    lags: list[float] = []

    lagger = asyncio.create_task(loop_lag(lags))

    async def watch() -> None:
        nonlocal lowest_rate
        while True:
            lowest_rate = min(lowest_rate, limiter.current_rate)
            w = engine.window
            trace.append(
                (
                    w.limit,
                    w.in_flight,
                    round(1000 * (sender.rtt or 0)),
                    round(1000 * (engine.ledger.latency or 0)),
                )
            )
            await asyncio.sleep(0.25)

    watcher = asyncio.create_task(watch())
    profiler = _profiler()
    wall, cpu, threads = time.perf_counter(), process_cpu(), thread_cpu()
    await engine.run_until_idle(timeout=options.get("timeout", 3600))
    wall, cpu = time.perf_counter() - wall, process_cpu() - cpu
    threads = {k: v - threads.get(k, 0.0) for k, v in thread_cpu().items()}
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(os.environ["FANOUT_PROFILE"])
    watcher.cancel()
    lagger.cancel()
    lags.sort()
    await engine.stop()
    rate = await middle_rate(db)
    await sender.close()
    await bot.shutdown()
    await db.close()
    return {
        "sent": engine.sent_count,
        "render_calls": engine.render_calls,
        "wall_s": wall,
        "cpu_s": cpu,
        "thread_cpu_s": threads,
        "middle_rate": rate,
        "peak_in_flight": engine.window.peak,
        "rtt_ms": 1000 * (sender.rtt or 0),
        "record_ms": 1000 * (engine.ledger.latency or 0),
        "commits": engine.ledger.commits,
        "slowdowns": limiter_log.slowdowns,
        "lowest_rate": lowest_rate,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "trace": trace if os.environ.get("FANOUT_TRACE") else None,
        "loop_lag_ms": [
            round(1000 * lags[int(q * (len(lags) - 1))], 1) for q in (0.5, 0.9, 0.99, 1)
        ],
    }


async def run_plain_loop(options: dict) -> dict:
    """The baseline: the same messages from 32 tasks calling bot.send_message in a loop,
    through PTB's AIORateLimiter with its limits off; no database."""
    from telegram import LinkPreviewOptions
    from telegram.ext import AIORateLimiter, ExtBot

    from bot.digest.render import render_digest

    digest = options["digest"]
    limiter = AIORateLimiter(overall_max_rate=0, group_max_rate=0)
    bot = ExtBot(TOKEN, base_url=f"{options['api']}/bot", rate_limiter=limiter)
    await bot.initialize()
    rendered: dict[str, list[str]] = {}
    jobs: list[tuple[int, str, bool]] = []
    for chat_id in range(1, options["subscribers"] + 1):
        profile = subscriber(chat_id).profile()
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
    wall, cpu = time.perf_counter() - wall, process_cpu() - cpu
    await bot.shutdown()
    return {"sent": sent, "wall_s": wall, "cpu_s": cpu}


def reply_probe(rate: float):
    """The bot's rate limiter, noting when each interactive sendMessage was answered
    (instrumentation only); `reply_time` injects a /help and waits for its reply."""
    from bot.delivery.ratelimit import SendRateLimiter

    class ReplyProbe(SendRateLimiter):
        def __init__(self) -> None:
            super().__init__(rate)
            self.replied: dict[int, float] = {}
            self.waiting: dict[int, asyncio.Event] = {}

        async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):
            result = await super().process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )
            chat_id = data.get("chat_id")
            if rate_limit_args is None and endpoint == "sendMessage" and chat_id in self.waiting:
                self.replied.setdefault(chat_id, time.perf_counter())
                self.waiting[chat_id].set()
            return result

        async def reply_time(self, client, chat_id: int) -> float:
            """Seconds from a /help's injection to Telegram's answer to the bot's reply."""
            self.waiting[chat_id] = asyncio.Event()
            started = time.perf_counter()
            await client.post("/_local/user_message", json={"chat_id": chat_id, "text": "/help"})
            await asyncio.wait_for(self.waiting[chat_id].wait(), 30)
            return self.replied[chat_id] - started

    return ReplyProbe()


def probed_application(options: dict, probe: Any) -> Any:
    """The real Application on the bench's database and stand-in, its replies timed by
    `probe` (a reply_probe rate limiter)."""
    from pydantic import SecretStr

    from bot.config import Settings
    from bot.telegram.app import build_application

    settings = Settings(
        _env_file=None,
        bot_token=SecretStr(TOKEN),
        telegram_api_url=options["api"],
        database_path=Path(options["db"]),
        send_rate=options["rate"],
    )
    return build_application(settings, rate_limiter=probe)


async def run_commands(options: dict) -> dict:
    """The real Application (polling, handlers, engine) fanning out while users type /help;
    a reply's latency runs from the update's injection to Telegram's answer to the reply."""
    import httpx

    from bot.telegram.app import start_application, stop_application

    probe = reply_probe(options["rate"])
    application = probed_application(options, probe)
    await start_application(application)
    engine = application.bot_data["services"].engine
    latencies: list[float] = []
    async with httpx.AsyncClient(base_url=options["api"]) as client:
        await asyncio.sleep(options["warmup"])  # the fan-out gets going
        for n in range(options["probes"]):
            latencies.append(await probe.reply_time(client, PROBE_CHATS + n))
            await asyncio.sleep(options["every"])
    sent_during = engine.sent_count
    in_flight = engine.window.peak
    await stop_application(application)
    latencies.sort()
    return {
        "probes": len(latencies),
        "p50_ms": 1000 * statistics.median(latencies),
        "p95_ms": 1000 * latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))],
        "max_ms": 1000 * latencies[-1],
        "fanout_sent": sent_during,
        "peak_in_flight": in_flight,
    }


async def run_million(options: dict) -> dict:
    """The real Application planning and sending one digest to every subscriber while users
    type /help every `every` s: replies timed apart while planned rows remain (planning)
    and after (sending); stops `slice` seconds after planning ended (or at the end)."""
    import httpx

    from bot.telegram.app import start_application, stop_application

    probe = reply_probe(options["rate"])
    application = probed_application(options, probe)
    started = time.perf_counter()
    cpu = process_cpu()
    await start_application(application)
    engine = application.bot_data["services"].engine
    db = application.bot_data["services"].db
    phases: dict[str, list[float]] = {}
    lags: list[float] = []
    lagger = asyncio.create_task(loop_lag(lags))
    planned_until = None
    slice_from = started + options["warmup"]  # the measured span of sending starts here
    sent_at_slice = None
    roundup_at = options.get("roundup_at")
    async with httpx.AsyncClient(base_url=options["api"]) as client:
        n = 0
        while True:
            now = time.perf_counter()
            if sent_at_slice is None and now >= slice_from:
                sent_at_slice, slice_from = engine.sent_count, now
            if roundup_at is not None:  # roundups: replies before and after they fall due
                phase = "roundups" if time.time() >= roundup_at else "before"
            else:
                async with db.execute(
                    "SELECT EXISTS (SELECT 1 FROM deliveries WHERE status = 'planned')"
                ) as cursor:
                    planning = bool((await cursor.fetchone())[0])
                if not planning and planned_until is None:
                    planned_until = now
                if not planning and engine.in_hand == 0 and n > 10:
                    break  # all sent
                phase = "planning" if planning else "sending"
            latency = await probe.reply_time(client, PROBE_CHATS + n)
            phases.setdefault(phase, []).append(latency)
            n += 1
            if sent_at_slice is not None and time.perf_counter() - slice_from > options["slice"]:
                break
            await asyncio.sleep(options["every"])
    first_roundup = None
    if roundup_at is not None:
        async with db.execute(
            "SELECT min(d.sent_ts) FROM deliveries d JOIN digests g ON g.id = d.digest_id"
            " WHERE g.kind = 'roundup' AND d.status = 'sent'"
        ) as cursor:
            (first,) = await cursor.fetchone()
        first_roundup = None if first is None else first - roundup_at
    wall = time.perf_counter()
    lagger.cancel()
    lags.sort()
    if sent_at_slice is None:  # all sent before the slice began: the whole run is the slice
        sent_at_slice, slice_from = 0, started
    sent_in_slice = engine.sent_count - sent_at_slice
    slice_s = wall - slice_from
    sent = engine.sent_count
    async with db.execute("SELECT count(*) FROM deliveries WHERE status = 'planned'") as cursor:
        (unplanned,) = await cursor.fetchone()
    await stop_application(application)
    cpu = process_cpu() - cpu
    result: dict = {
        "planning_s": None if planned_until is None else planned_until - started,
        "unplanned": unplanned,
        "run_s": wall - started,
        "sent": sent,
        "sent_in_slice": sent_in_slice,
        "slice_s": slice_s,
        "cpu_s": cpu,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "peak_in_flight": engine.window.peak,
        "loop_lag_ms": [round(1000 * lags[int(q * (len(lags) - 1))], 1) for q in (0.5, 0.95, 1)],
        "rtt_ms": 1000 * (engine.sender.rtt or 0),
        "first_roundup_s": first_roundup,
        "roundups_planned": engine.roundups.planned,
        "record_ms": 1000 * (engine.ledger.latency or 0),
    }
    for phase, latencies in phases.items():
        latencies.sort()
        if latencies:
            result[phase] = {
                "probes": len(latencies),
                "p50_ms": 1000 * statistics.median(latencies),
                "p95_ms": 1000 * latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))],
                "max_ms": 1000 * latencies[-1],
            }
    return result


def run_child(scenario: str, options: dict) -> None:
    logging.basicConfig(level=logging.ERROR)
    if scenario == "plain":
        options["digest"] = stored_digest()
    runner = {"plain": run_plain_loop, "engine": run_engine, "commands": run_commands,
              "million": run_million}[scenario]  # fmt: skip
    print(json.dumps(asyncio.run(runner(options))))


# --- the scenarios (in the parent) -----------------------------------------------------------


def wave_grid(
    tmp: Path, name: str, seconds: float, rtts: tuple[float, ...], cell: Callable[[dict, int], str]
) -> None:
    """One engine wave per SEND_RATE x round trip, each on a database of its own; a row of
    `cell(result, rate)` per rate."""
    api = StandIn()
    try:
        for rate in (30, 500, 1000):
            cells = []
            for rtt in rtts:
                db = tmp / f"{name}-{rate}-{rtt}.db"
                asyncio.run(build_db(db, chats_for(rate, seconds)))
                api.control("latency", seconds=rtt)
                api.control("clear")
                cells.append(cell(child("engine", db=str(db), api=api.url, rate=float(rate)), rate))
            print(f"    {rate:9,}  " + "  ".join(cells))
    finally:
        api.stop()


def scenario_table(tmp: Path, seconds: float) -> None:
    rtts = (0.0, 0.05, 0.15)
    print(f"(table) achieved / configured over the middle 90% of a ~{seconds:g} s wave:")
    print("    SEND_RATE  " + "".join(f"   rtt {1000 * r:3.0f} ms" for r in rtts))

    def cell(r: dict, rate: int) -> str:
        share = (r["middle_rate"] or float("nan")) / rate
        return f"{share:6.3f} ({r['peak_in_flight']:3d})"

    wave_grid(tmp, "table", seconds, rtts, cell)
    print("    (in brackets: most sends in flight at once: the window, rate x round trip)")
    if seconds < 10:
        print(f"    (--quick: {seconds:g} s waves, a smoke test)")


def scenario_cpu(tmp: Path, seconds: float) -> None:
    rtts = (0.0, 0.1)
    print(f"(cpu) CPU ms per message of the bot process (all threads, getrusage) over a"
          f" ~{seconds:g} s wave,")  # fmt: skip
    print("    planning included (goal <= 0.25 at 1,000/s, 100 ms):")
    print("    SEND_RATE  " + "".join(f"    rtt {1000 * r:3.0f} ms" for r in rtts))

    def cell(r: dict, rate: int) -> str:
        share = (r["middle_rate"] or float("nan")) / rate
        return f"{1000 * r['cpu_s'] / r['sent']:5.3f} ({share:4.2f})"

    wave_grid(tmp, "cpu", seconds, rtts, cell)
    print("    (in brackets: achieved / configured over the middle 90%)")


def scenario_flood(tmp: Path, rtt: float) -> None:
    rate, n = 40.0, 200
    db = tmp / "flood.db"
    asyncio.run(build_db(db, n))
    api = StandIn(rtt)
    try:
        flooded = list(range(10, n + 1, n // 10))[:10]
        for chat_id in flooded:
            api.control("fail_chat", chat_id=chat_id, status=429, retry_after=1, times=2)
        r = child("engine", db=str(db), api=api.url, rate=rate)
        stats = api.stats()
    finally:
        api.stop()
    share = (r["middle_rate"] or float("nan")) / rate
    print(f"(flood) SEND_RATE=40, {n} subscribers, 10 answer 429 twice (retry_after 1 s),"
          f" rtt {1000 * rtt:.0f} ms:")  # fmt: skip
    print(f"    achieved {r['middle_rate']:.1f}/s = {share:.3f} of configured over the middle"
          f" 90% (goal >= 0.95); {r['sent']:,} sent, 429s answered: {stats['failed']}")  # fmt: skip
    print(f"    global slow-downs: {r['slowdowns']} (lowest overall rate {r['lowest_rate']:g}/s)")


def scenario_commands(tmp: Path, rtt: float, n: int, probes: int) -> None:
    db = tmp / "commands.db"
    asyncio.run(build_db(db, n))
    api = StandIn(rtt)
    try:
        r = child("commands", db=str(db), api=api.url, rate=500.0, warmup=2.0, probes=probes,
                  every=0.2)  # fmt: skip
    finally:
        api.stop()
    goal = 300 + 1000 * rtt
    print(f"(commands) /help during a {n:,}-chat fan-out at 500/s, rtt {1000 * rtt:.0f} ms:")
    print(f"    {r['probes']} replies: p50 {r['p50_ms']:.0f} ms, p95 {r['p95_ms']:.0f} ms,"
          f" max {r['max_ms']:.0f} ms (goal p95 < {goal:.0f} ms); fan-out sent"
          f" {r['fanout_sent']:,} meanwhile, up to {r['peak_in_flight']} in flight")  # fmt: skip


def scenario_big(tmp: Path, rtt: float, n: int, rate: float) -> None:
    db = tmp / "big.db"
    started = time.perf_counter()
    asyncio.run(build_db(db, n))
    built = time.perf_counter() - started
    parts = parts_for(n)
    api = StandIn(rtt)
    try:
        r = child("engine", db=str(db), api=api.url, rate=rate)
    finally:
        api.stop()
    ideal = parts / rate
    print(f"(big) {n:,} chats to the end at {rate:,.0f}/s, rtt {1000 * rtt:.0f} ms"
          f" (database built in {built:.0f} s):")  # fmt: skip
    print(f"    {r['sent']:,} of {parts:,} parts in {r['wall_s']:.1f} s; ideal {ideal:.1f} s:"
          f" {r['wall_s'] / ideal:.3f}x (goal <= 1.1x); middle 90%"
          f" {r['middle_rate']:.0f}/s")  # fmt: skip
    print(f"    peak RSS of the bot process {r['peak_rss_mb']:.0f} MB (goal < 150 MB);"
          f" {r['render_calls']} renders; up to {r['peak_in_flight']} in flight,"
          f" measured rtt {r['rtt_ms']:.0f} ms;"
          f" {1000 * r['cpu_s'] / r['sent']:.2f} CPU ms/msg")  # fmt: skip


def scenario_million(tmp: Path, rtt: float, n: int, rate: float, slice_s: float) -> None:
    from bot.delivery.engine import PLAN_AHEAD

    db = tmp / "million.db"
    started = time.perf_counter()
    asyncio.run(build_db(db, n))
    built, size = time.perf_counter() - started, db_bytes(db)
    parts = parts_for(n)
    api = StandIn(rtt)
    try:
        r = child("million", db=str(db), api=api.url, rate=rate, every=0.25, slice=slice_s,
                  warmup=WARMUP)  # fmt: skip
        again = child("million", db=str(db), api=api.url, rate=rate, every=0.25, slice=0.0,
                      warmup=0.0)  # fmt: skip
    finally:
        api.stop()
    grown = db_bytes(db) - size
    goal = 300 + 1000 * rtt
    print(f"(million) {n:,} chats (13 profiles, every 10th topics-only), one digest of"
          f" {parts:,} parts, SEND_RATE {rate:,.0f}/s, rtt {1000 * rtt:.0f} ms"
          f" (database built in {built:.0f} s):")  # fmt: skip
    if r["planning_s"] is not None:
        print(f"    planning all {n:,} chats: {r['planning_s']:.1f} s from start")
    else:  # planning is paced: PLAN_AHEAD seconds of sends ahead of the sending
        print(f"    planning (paced, {PLAN_AHEAD:g} s of sends ahead): {n - r['unplanned']:,}"
              f" of {n:,} chats planned in the {r['run_s']:.0f} s run")  # fmt: skip
    for phase in ("planning", "sending"):
        if phase in r:
            p = r[phase]
            print(f"    /help while {phase}: {p['probes']} replies, p50 {p['p50_ms']:.0f} ms,"
                  f" p95 {p['p95_ms']:.0f} ms, max {p['max_ms']:.0f} ms"
                  f" (goal p95 < {goal:.0f} ms)")  # fmt: skip
    ideal = r["sent_in_slice"] / rate
    print(f"    sending (a slice from {WARMUP:g} s after start): {r['sent_in_slice']:,} parts in"
          f" {r['slice_s']:.1f} s, ideal {ideal:.1f} s: {r['slice_s'] / max(ideal, 1e-9):.3f}x"
          f" (goal <= 1.05x); {r['sent']:,} of {parts:,} parts sent in all")  # fmt: skip
    print(f"    event loop lag p50/p95/max {r['loop_lag_ms']} ms; Bot API round trip"
          f" {r['rtt_ms']:.0f} ms, ledger write {r['record_ms']:.0f} ms (averages)")  # fmt: skip
    print(f"    peak RSS {r['peak_rss_mb']:.0f} MB (goal < 300 MB); CPU"
          f" {1000 * r['cpu_s'] / max(r['sent'], 1):.2f} ms/msg (planning included)")  # fmt: skip
    print(f"    database: {size / 1e6:.0f} MB with the subscribers and the digest's planned"
          f" rows; {grown / 1e6:+.0f} MB once planned and partly sent ({db_bytes(db) / 1e6:.0f}"
          f" MB, {grown / max(parts, 1):.0f} bytes a part)")  # fmt: skip
    first = again.get("planning") or again.get("sending") or {}
    print(f"    start-up with that ledger: first /help answered {first.get('max_ms', 0):.0f} ms"
          f" after the application started (goal < 5,000 ms)")  # fmt: skip


def scenario_roundup(tmp: Path, rtt: float, n: int, rate: float, slice_s: float) -> None:
    db = tmp / "roundup.db"
    started = time.perf_counter()
    asyncio.run(build_db(db, n, roundup_at=8 * 3600))  # daily at 08:00 UTC
    built = time.perf_counter() - started
    api = StandIn(rtt)
    try:
        # Everyone's 08:00 roundup falls due once the bot has started (the update of a
        # million rows takes a while: 20 s plus 30 s a million chats).
        due = int(time.time()) + 20 + math.ceil(30 * n / 1_000_000)
        asyncio.run(_set_due(db, due))
        r = child("million", db=str(db), api=api.url, rate=rate, every=0.25, slice=slice_s,
                  warmup=due - time.time(), roundup_at=due)  # fmt: skip
    finally:
        api.stop()
    goal = 300 + 1000 * rtt
    print(
        f"(roundup) {n:,} chats on 'daily 08:00' in one zone (UTC), due at once,"
        f" SEND_RATE {rate:,.0f}/s, rtt {1000 * rtt:.0f} ms (database built in {built:.0f} s):"
    )
    first = r["first_roundup_s"]
    print("    first roundup sent " + ("never" if first is None else f"{first:.2f} s")
          + " after it fell due (goal < 5 s); "
          f"{r['roundups_planned']:,} roundups planned and {r['sent']:,} parts sent"
          f" in the {slice_s:g} s after")  # fmt: skip
    for phase in ("before", "roundups"):
        if phase in r:
            p = r[phase]
            print(f"    /help {phase}: {p['probes']} replies, p50 {p['p50_ms']:.0f} ms,"
                  f" p95 {p['p95_ms']:.0f} ms, max {p['max_ms']:.0f} ms"
                  f" (goal p95 < {goal:.0f} ms)")  # fmt: skip
    print(f"    peak RSS {r['peak_rss_mb']:.0f} MB; event loop lag p50/p95/max"
          f" {r['loop_lag_ms']} ms; Bot API round trip {r['rtt_ms']:.0f} ms")  # fmt: skip


async def _set_due(path: Path, due: int) -> None:
    """Every chat's next roundup falls due at `due` (it stands for 08:00)."""
    from storage.db import connect

    db = await connect(path)
    async with db.transaction() as conn:
        await conn.execute("UPDATE subscribers SET next_roundup_ts = ?", (due,))
    await db.close()


def scenario_speed(tmp: Path, n: int) -> None:
    api = StandIn()
    runs: list[tuple[str, dict, float]] = []
    try:
        for name, scenario in (("engine + bulk sender", "engine"), ("plain PTB loop", "plain")):
            options: dict = {"subscribers": n}
            if scenario == "engine":
                db = tmp / "speed.db"
                asyncio.run(build_db(db, n))
                options = {"db": str(db), "rate": None}
            api.control("clear")
            api_cpu = api.cpu_seconds()
            result = child(scenario, api=api.url, **options)
            runs.append((name, result, api.cpu_seconds() - api_cpu))
    finally:
        api.stop()
    print(f"(speed) limits lifted, no round trip, N={n:,} (CPU ms/msg: bot | stand-in):")
    rates = {}
    for name, r, api_cpu in runs:
        rate = rates[name] = r["sent"] / r["wall_s"]
        cpu_ms = 1000 * r["cpu_s"] / r["sent"]
        api_ms = 1000 * api_cpu / r["sent"]
        print(f"    {name:22} {r['sent']:>7,} msgs  {rate:7.0f} msg/s"
              f"  {cpu_ms:5.2f} | {api_ms:4.2f} CPU ms/msg")  # fmt: skip
    ratio = rates["engine + bulk sender"] / rates["plain PTB loop"]
    print(f"    engine / plain PTB loop: {ratio:.1f}x msg/s (goal >= 5x); the engine's figure")
    print("    includes planning, 13 renders and every ledger write")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="CI smoke: small sizes")
    parser.add_argument(
        "--only",
        choices=("table", "cpu", "flood", "commands", "big", "speed", "million", "roundup"),
    )
    parser.add_argument("--rtt", type=float, default=0.1, help="round trip (s) of the stand-in")
    parser.add_argument("--chats", type=int, help="million: how many chats (default 1,000,000)")
    parser.add_argument("--slice", type=float, default=120.0,
                        help="million: seconds of sending measured after planning")  # fmt: skip
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--options", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(args.child, json.loads(args.options))
        return 0
    print(f"digest: {CANONICAL if CANONICAL.exists() else SAMPLE}; cores: {os.cpu_count()}")
    quick = args.quick
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        if args.only in (None, "table"):
            scenario_table(tmp, 3.0 if quick else 10.0)
        if args.only == "cpu" or (args.only is None and not quick):
            scenario_cpu(tmp, 10.0)
        if args.only in (None, "flood"):
            scenario_flood(tmp, args.rtt)
        if args.only in (None, "commands"):
            scenario_commands(tmp, args.rtt, 1_000 if quick else 10_000, 5 if quick else 60)
        if args.only in (None, "big"):
            scenario_big(tmp, args.rtt, 3_000 if quick else 100_000, 1_000.0)
        if args.only in (None, "speed"):
            scenario_speed(tmp, 300 if quick else 10_000)
        if args.only == "million":
            scenario_million(tmp, args.rtt, args.chats or 1_000_000, 1_000.0, args.slice)
        if args.only == "roundup":
            n = args.chats or 1_000_000
            scenario_roundup(tmp, args.rtt, n, 1_000.0, args.slice)
    return 0


if __name__ == "__main__":
    sys.exit(main())
