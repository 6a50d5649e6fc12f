"""Schedules and roundups end to end, with an injected clock: the real engine, a real
SQLite file, the real PTB bot over HTTP to the stand-in. Daily and weekly roundups in
the chat's time zone, quiet hours, a restart while one is due, exactly once, repeated
stories once, topics-only chats, switching schedules; pushes folding repeats; the
message cap and its button."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.delivery import more
from bot.delivery.engine import DeliveryEngine
from bot.digest.models import Digest, Item, Link
from bot.local_api import LocalBotApi
from storage import deliveries, roundups
from storage.digests import save_digest
from storage.subscribers import update_preferences
from tests.delivery_runner import add_subscribers
from tests.test_delivery import FAST_RETRIES, make_bot

SAT = datetime(2025, 12, 20, 10, 0, tzinfo=UTC)  # a Saturday, 18:00 in Shanghai
SUMMARY = (
    "The team released **an open checkpoint** with a long write-up about training and"
    " serving costs. They ran ablations for weeks on a mid-sized cluster. "
)


def story(n: int, title: str, url: str, topic_words: str = "") -> Item:
    return Item(n, title, f"author{n}", url, topic_words + SUMMARY,
                (Link(title, url),))  # fmt: skip


def digest(name: str, when: datetime, *items: Item) -> Digest:
    return Digest(f"test/{name}", "test", f"Digest {name}", when, ("AI News",), items)


def three_digests() -> list[Digest]:
    """Three digests of the Saturday; the Qwen story is in the first and the third."""
    qwen = "https://x.com/qwen/status/1"
    return [
        digest("a", SAT - timedelta(hours=6),
               story(1, "Qwen-Image-Layered is out", qwen),
               story(2, "A humanoid robot walks", "https://e.com/a/2", "A new **robot** arm. "),
               story(3, "Chip exports tighten", "https://e.com/a/3")),
        digest("b", SAT - timedelta(hours=2),
               story(1, "Agents get a new harness", "https://e.com/b/1"),
               story(2, "Another funding round", "https://e.com/b/2")),
        digest("c", SAT + timedelta(hours=2),
               story(1, "Qwen image layered, now everywhere", "https://twitter.com/q/status/1"),
               story(2, "Robotics startup raises money for humanoid robots", "https://e.com/c/2",
                     "A **humanoid robot** maker for warehouses. ")),
    ]  # fmt: skip


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now.timestamp()

    def __call__(self) -> float:
        return self.now

    def set(self, when: datetime) -> None:
        self.now = when.timestamp()


async def run(api: LocalBotApi, db, clock: Clock, engine: DeliveryEngine | None = None):
    """Run an engine until idle; returns it (started) for more runs."""
    if engine is None:
        bot = await make_bot(api)
        engine = DeliveryEngine(bot, db, clock=clock, retry_delays=FAST_RETRIES, poll_seconds=0.05)
    engine.wake()
    await engine.run_until_idle(timeout=15)
    return engine


async def close(engine: DeliveryEngine) -> None:
    await engine.stop()
    await engine.bot.shutdown()


def texts(api: LocalBotApi, chat_id: int) -> list[str]:
    return [m.text for m in api.messages_for(chat_id)]


async def schedule(db, chat_id: int, kind: str, minute: int, *, day=None, **more_prefs):
    await update_preferences(db, chat_id, schedule=kind, schedule_minute=minute,
                             schedule_day=day, **more_prefs)  # fmt: skip


async def test_a_daily_roundup_comes_once_at_the_chats_time_with_each_story_once(db):
    await add_subscribers(db, [6, 12, 27])  # 27: topics-only, follows robotics
    for chat_id in (6, 12, 27):
        await update_preferences(db, chat_id, format="headlines", tz="Asia/Shanghai")
    await schedule(db, 12, "daily", 8 * 60)  # 08:00 in Shanghai = 00:00 UTC
    await schedule(db, 27, "daily", 8 * 60)
    clock = Clock(SAT)
    async with LocalBotApi() as api:
        for d in three_digests():
            await save_digest(db, d)
        engine = await run(api, db, clock)
        try:
            # The instant chat got three pushes, the repeated Qwen story folded in the third.
            pushed = texts(api, 6)
            assert len(pushed) == 3 and "Qwen" not in pushed[2].split("↩️")[0]
            assert "↩️ +1 story you already have" in pushed[2]
            assert texts(api, 12) == [] and texts(api, 27) == []  # no instant pushes
            async with db.execute(
                "SELECT next_roundup_ts FROM subscribers WHERE chat_id = 12"
            ) as cursor:
                (due,) = await cursor.fetchone()
            assert due == datetime(2025, 12, 21, 0, 0, tzinfo=UTC).timestamp()

            clock.set(datetime(2025, 12, 20, 23, 59, tzinfo=UTC))  # 07:59 in Shanghai
            await run(api, db, clock, engine)
            assert texts(api, 12) == []
            clock.set(datetime(2025, 12, 21, 0, 0, 30, tzinfo=UTC))
            await run(api, db, clock, engine)
            (roundup,) = texts(api, 12)
            assert roundup.startswith("<b>Daily roundup · 3 digests · 6 stories</b>")
            assert "🗓 2025-12-21 08:00 (UTC+8)" in roundup
            assert roundup.count("Qwen") == 1  # told twice, shown once
            (robots,) = texts(api, 27)  # only its topics' items, its topic first
            assert robots.startswith("<b>Daily roundup · 3 digests · 2 stories</b>")
            assert "<b>🔔 Robotics</b>" in robots and "Chip exports" not in robots

            # Once: a pass later, and a day later without new digests, nothing more.
            await run(api, db, clock, engine)
            clock.set(datetime(2025, 12, 22, 0, 1, tzinfo=UTC))
            await run(api, db, clock, engine)
            assert len(texts(api, 12)) == 1 and len(texts(api, 27)) == 1
            assert len(texts(api, 6)) == 3
        finally:
            await close(engine)


async def test_a_weekly_roundup_due_in_quiet_hours_while_the_bot_was_down(db):
    await add_subscribers(db, [3])
    # Sundays 23:00 UTC, quiet 22-7.
    await schedule(db, 3, "weekly", 23 * 60, day=6, tz="UTC", quiet_from=22, quiet_to=7)
    clock = Clock(SAT)
    async with LocalBotApi() as api:
        first = await run(api, db, clock)
        await close(first)  # the bot goes down before Sunday 23:00
        for d in three_digests():
            await save_digest(db, d)
        clock.set(datetime(2025, 12, 22, 1, 0, tzinfo=UTC))  # it comes back on Monday 01:00
        second = await run(api, db, clock)
        try:
            assert texts(api, 3) == []  # due while down: planned at start, held till 07:00
            async with db.execute(
                "SELECT digest_id, status, not_before FROM deliveries WHERE chat_id = 3"
            ) as cursor:
                rows = [tuple(r) for r in await cursor.fetchall()]
            assert len(rows) == 1 and rows[0][0].startswith("roundup:weekly:")
            assert rows[0][2] == datetime(2025, 12, 22, 7, 0, tzinfo=UTC).timestamp()
            clock.set(datetime(2025, 12, 22, 7, 0, 1, tzinfo=UTC))
            await run(api, db, clock, second)
            (roundup,) = texts(api, 3)
            assert roundup.startswith("<b>Weekly roundup · 3 digests · ")
            assert "🗓 2025-12-21 23:00 (UTC)" in roundup  # when it fell due
        finally:
            await close(second)


async def test_planning_a_due_roundup_twice_plans_it_once(db):
    await add_subscribers(db, [3])
    await schedule(db, 3, "daily", 0, tz="UTC")
    for d in three_digests():
        await save_digest(db, d)
    await roundups.set_next(db, [(3, 0, int(SAT.timestamp()))])

    def times(_):
        return int(SAT.timestamp()), int(SAT.timestamp()) + 86400

    now = SAT.timestamp() + 5
    made = await asyncio.gather(
        *(roundups.make_due(db, 3, 0, now, times) for _ in range(3))
    )  # three dispatchers at once (two processes, a retry): one wins
    assert sum(1 for m in made if m) == 1
    async with db.execute("SELECT count(*) FROM deliveries WHERE chat_id = 3") as cursor:
        assert (await cursor.fetchone())[0] == 1


async def test_switching_schedules_loses_nothing_and_repeats_nothing(db):
    await add_subscribers(db, [3])
    await update_preferences(db, 3, tz="UTC", format="headlines")
    a, b, c = three_digests()
    clock = Clock(SAT)
    async with LocalBotApi() as api:
        await save_digest(db, a)  # instant: pushed
        engine = await run(api, db, clock)
        try:
            await schedule(db, 3, "daily", 20 * 60)
            await save_digest(db, b)  # daily now: waits for the roundup
            await run(api, db, clock, engine)
            assert len(texts(api, 3)) == 1
            await update_preferences(db, 3, schedule="instant")  # back: what waited, now
            await run(api, db, clock, engine)
            got = texts(api, 3)
            assert len(got) == 2 and got[1].startswith("<b>Roundup · 1 digest · 2 stories</b>")
            await save_digest(db, c)  # instant again: pushed, in no roundup
            clock.set(SAT + timedelta(days=2))
            await run(api, db, clock, engine)
            got = texts(api, 3)
            assert len(got) == 3 and got[2].startswith("<b>Digest c</b>")
        finally:
            await close(engine)


async def test_a_long_push_sends_the_chats_cap_and_a_button_for_the_rest(db):
    await add_subscribers(db, [3, 6])  # full format both
    await update_preferences(db, 3, max_messages=1)
    long_items = [
        story(n, f"Story number {n} of a long day", f"https://e.com/long/{n}") for n in range(1, 81)
    ]
    clock = Clock(SAT)
    async with LocalBotApi() as api:
        await save_digest(db, digest("long", SAT, *long_items))
        engine = await run(api, db, clock)
        try:
            capped = api.messages_for(3)
            default = api.messages_for(6)
        finally:
            await close(engine)
    assert len(capped) == 1 and len(default) == 3  # the default cap is 3
    async with db.execute("SELECT max(parts) FROM renders") as cursor:
        (parts,) = await cursor.fetchone()
    assert parts >= 4
    ((label, data),) = capped[0].buttons[0]
    assert label == f"▼ Show {parts - 1} more" and more.parse(data).part == 2
    ((label, data),) = default[2].buttons[0]
    assert label == f"▼ Show {parts - 3} more" and more.parse(data).part == 4
    assert default[0].reply_markup is None and default[1].reply_markup is None
    counts = await deliveries.delivery_stats(db)
    assert counts.sent == 4 and counts.pending == 0
