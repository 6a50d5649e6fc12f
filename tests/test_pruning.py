"""Ledger pruning (bot/delivery/pruning.py): delivered rows older than LEDGER_KEEP_DAYS go,
a chunk at a time, unfinished rows stay, and a fan-out running meanwhile loses nothing.
A real SQLite file, the real engine over real HTTP to the Bot API stand-in; age comes
from the pruner's injected clock."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from datetime import UTC, datetime

from bot.config import Settings
from bot.delivery.engine import DeliveryEngine
from bot.delivery.pruning import DAY, LedgerPruner
from bot.delivery.window import SendWindow
from bot.local_api import LocalBotApi
from storage.digests import save_digest
from tests.delivery_runner import add_subscribers, make_digest
from tests.test_delivery import (
    FAST_RETRIES,
    IN_FLIGHT,
    deliver_all,
    expected_parts,
    ledger,
    make_bot,
    make_sender,
)

WORDS = (
    "quantum",
    "vineyard",
    "glacier",
    "orchestra",
    "lighthouse",
    "marathon",
    "saffron",
    "tundra",
)


def fresh_digest():
    """A later digest whose stories are all new (not folded as repeats of the first)."""
    digest = make_digest("test/new", items=8, published_at=datetime(2025, 12, 21, tzinfo=UTC))
    items = tuple(
        replace(item, title=f"{WORDS[n]} {WORDS[(n + 3) % 8]} report", url=f"https://n.example/{n}")
        for n, item in enumerate(digest.items)
    )
    return replace(digest, items=items)


def days_ahead(days: float):
    return lambda: time.time() + days * DAY


async def test_only_final_rows_older_than_the_setting_are_pruned_in_chunks(db):
    await add_subscribers(db, list(range(1, 41)))
    old = make_digest("test/old", items=8)
    new = fresh_digest()
    async with LocalBotApi() as api:
        await save_digest(db, old)
        await deliver_all(api, db, idle_within=20, bulk=True)
    delivered = sum((await ledger(db, old.id)).values())
    assert delivered >= 40
    await save_digest(db, new)  # planned, not sent: unfinished rows
    planned = await ledger(db, new.id)

    # 10 days later nothing is 30 days old.
    assert await LedgerPruner(db, 30, clock=days_ahead(10), chunk=7, pause=0).prune() == 0
    pruner = LedgerPruner(db, 30, clock=days_ahead(31), chunk=7, pause=0)
    assert await pruner.prune() == delivered
    assert await ledger(db, old.id) == {}
    assert await ledger(db, new.id) == planned  # unfinished rows are never pruned
    assert await pruner.prune() == 0


async def test_a_fan_out_running_while_pruning_sends_every_part_once(db):
    chat_ids = list(range(1, 301))
    await add_subscribers(db, chat_ids)
    old = make_digest("test/old", items=8)
    new = fresh_digest()
    async with LocalBotApi() as api:
        await save_digest(db, old)
        await deliver_all(api, db, idle_within=30, bulk=True)
        old_rows = sum((await ledger(db, old.id)).values())
        had = {c: len(api.messages_for(c)) for c in chat_ids}  # the old digest's
        await asyncio.sleep(1.1)  # rows store whole seconds: the new ones are a second later
        new_from = int(time.time())
        await save_digest(db, new)
        wanted = await expected_parts(db, new)

        bot = await make_bot(api)
        sender = make_sender(api, bot)
        engine = DeliveryEngine(bot, db, window=SendWindow(high=IN_FLIGHT), sender=sender,
                                retry_delays=FAST_RETRIES)  # fmt: skip
        # 30 days after the new digest: the old digest's rows are due, the new one's not.
        pruner = LedgerPruner(db, 30, clock=lambda: new_from + 30 * DAY, chunk=5, pause=0.001)
        try:
            run = asyncio.create_task(engine.run_until_idle(timeout=30))
            pruned = await pruner.prune()  # chunk by chunk, between the engine's writes
            await run
        finally:
            await engine.stop()
            await sender.close()
            await bot.shutdown()
        for chat_id in chat_ids:
            got = [m.text for m in api.messages_for(chat_id)][had[chat_id] :]
            assert got == wanted[chat_id], chat_id
    assert pruned == old_rows
    assert await ledger(db, old.id) == {}
    counts = await ledger(db, new.id)
    assert counts["sent"] == sum(len(wanted[c]) for c in chat_ids)


def test_the_setting_defaults_to_30_days_and_0_keeps_everything(monkeypatch):
    assert Settings(_env_file=None).ledger_keep_days == 30
    monkeypatch.setenv("LEDGER_KEEP_DAYS", "0")
    assert Settings(_env_file=None).ledger_keep_days == 0


async def test_an_engine_with_keep_days_prunes_at_start(db):
    await add_subscribers(db, list(range(1, 11)))
    old = make_digest("test/old", items=8)
    async with LocalBotApi() as api:
        await save_digest(db, old)
        await deliver_all(api, db, idle_within=20, bulk=True)
        bot = await make_bot(api)
        engine = DeliveryEngine(bot, db, clock=days_ahead(31), keep_days=30)
        try:
            await engine.start()
            for _ in range(200):
                if engine.pruner.pruned:
                    break
                await asyncio.sleep(0.01)
        finally:
            await engine.stop()
            await bot.shutdown()
    assert await ledger(db, old.id) == {}
