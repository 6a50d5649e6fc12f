"""Helpers for the delivery tests: a digest big enough to need several parts,
subscribers with mixed preferences (~12 profiles), and a limiter with a gate, so a
test orders events with events instead of with the machine's speed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

from bot.delivery.ratelimit import SendRateLimiter, counts_as_message
from bot.digest.models import Digest, Item, Link
from storage.db import Database

# How long a delivery test waits before it calls the run hung: a guard, never a
# measure (a busy machine may be slow; tests order events with events).
HANG_GUARD = 300.0


class GatedLimiter(SendRateLimiter):
    """The real limiter, whose sends after the first `open_for` wait for `gate` (if
    any) before they go on the wire (held there, no HTTP timeout runs). `asked` counts
    the sends that came to it; `on_ask` is called after each (to open the gate on a
    condition); `released` holds (chat_id, monotonic time) of each send the limiter let
    go, as its own clock saw it (the stand-in's arrival times add the machine's jitter)."""

    def __init__(
        self, *args: Any, gate: asyncio.Event | None = None, open_for: int = 0, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.gate = gate
        self.open_for = open_for
        self.asked = 0
        self.on_ask: Callable[[], None] | None = None
        self.released: list[tuple[object, float]] = []

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict | list[dict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: dict | None,
    ) -> bool | dict | list[dict]:
        if not counts_as_message(endpoint):
            return await super().process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )
        self.asked += 1
        if self.on_ask is not None:
            self.on_ask()
        if self.gate is not None and self.asked > self.open_for:
            await self.gate.wait()

        async def released(*call_args: Any, **call_kwargs: Any) -> bool | dict | list[dict]:
            self.released.append((data.get("chat_id"), time.monotonic()))
            return await callback(*call_args, **call_kwargs)

        return await super().process_request(
            released, args, kwargs, endpoint, data, rate_limit_args
        )


FORMATS = ("full", "brief", "headlines")
ZONES = ("UTC", "Asia/Shanghai")
TOPIC_ITEMS = {3: "A new humanoid robot walks", 11: "Robot arm startup raises money"}


def make_digest(
    digest_id: str = "test/2025-12-20-12",
    items: int = 19,
    published_at: datetime = datetime(2025, 12, 20, 4, 0, tzinfo=UTC),
) -> Digest:
    """A digest of the canonical size whose full format needs two or three parts.
    Items 3 and 11 are about robots (the 'robotics' topic); no other item is."""
    summary = (
        "The team released **an open checkpoint** with a long write-up about training, "
        "evaluation and serving costs, plus notes on data mixtures and the ablations "
        "they ran over several weeks on a mid-sized cluster. "
    ) * 2
    return Digest(
        id=digest_id,
        source="test",
        title="2025.12.20.12 What happened in AI in the last 4 hours",
        published_at=published_at,
        categories=("AI News",),
        items=tuple(
            Item(
                position=n,
                title=TOPIC_ITEMS.get(n, f"Update number {n} on the weekly benchmark table"),
                author=f"author{n}",
                url=f"https://example.com/post/{n}",
                summary=summary,
                links=(Link(f"Post {n} - author{n}", f"https://example.com/post/{n}"),),
            )
            for n in range(1, items + 1)
        ),
    )


def preferences(chat_id: int) -> dict:
    """Mixed preferences: 3 formats x previews x 2 zones, every 10th chat topics-only."""
    return {
        "format": FORMATS[chat_id % 3],
        "previews": (chat_id // 3) % 2,
        "tz": ZONES[(chat_id // 6) % 2],
        "alerts_mode": "topics" if chat_id % 10 == 7 else "all",
    }


async def add_subscribers(db: Database, chat_ids: list[int]) -> None:
    """Active subscribers with `preferences(chat_id)`; topics-only chats follow robotics."""
    now = int(time.time())
    rows = []
    for chat_id in chat_ids:
        p = preferences(chat_id)
        rows.append((chat_id, p["format"], p["previews"], p["tz"], p["alerts_mode"], now, now))
    async with db.transaction() as conn:
        for start in range(0, len(rows), 5000):
            await conn.executemany(
                "INSERT INTO subscribers"
                " (chat_id, format, previews, tz, alerts_mode, created_ts, updated_ts)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows[start : start + 5000],
            )
        await conn.executemany(
            "INSERT INTO follows (chat_id, topic) VALUES (?, 'robotics')",
            [(c,) for c in chat_ids if preferences(c)["alerts_mode"] == "topics"],
        )
