"""Planning: turn a digest's (or roundup's) planned ledger rows into pending parts,
rendering once per preference profile (the `renders` table keeps them across restarts,
bot/delivery/rendering.py renders), holding parts back for quiet hours, and skipping
chats that left or want none of the digest's items.

A long one is capped: the parts sent at once are the profile's max_messages at most (a
roundup's lead at most, bot/digest/roundup.py); the last of them carries the "Show N
more" button (bot/delivery/more.py, stored with the render), the others stay in
`renders` for the button to send."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace

from bot.delivery import more, rendering
from bot.delivery.rendering import Source
from bot.preferences import Profile, quiet_until
from storage import deliveries
from storage.db import Database
from storage.deliveries import Expansion
from storage.digest_sources import taking_sources
from storage.digests import chat_zone
from storage.subscribers import get_subscribers_by_key

log = logging.getLogger(__name__)

DIGESTS_KEPT = 16  # digests (and their part counts) kept in memory


class Planner:
    def __init__(self, db: Database, *, clock: Callable[[], float], default_tz: str = "") -> None:
        self.db = db
        self.clock = clock
        self.default_tz = default_tz  # DEFAULT_TZ, for chats that chose no zone
        self.render_calls = 0  # render_digest calls made (tests, bench)
        self.parts_planned = 0  # pending parts made so far (the engine paces planning by it)
        self._digests: dict[str, Source | None] = {}
        self._parts_count: dict[tuple[str, str], int] = {}  # (digest, profile) -> parts

    async def plan_batch(self, limit: int) -> bool:
        """Render and expand one batch of planned rows; False when there were none."""
        planned = await deliveries.next_planned(self.db, limit)
        if not planned:
            return False
        now = self.clock()
        digest_id = planned[0].digest_id
        digest = await self._digest(digest_id)
        keys = [(p.chat_id, p.thread_id) for p in planned]  # a chat, or a forum topic
        subscribers = await get_subscribers_by_key(self.db, keys)
        told_in = digest.telling_sources() if digest is not None else frozenset()
        taking = await taking_sources(self.db, keys, told_in) if told_in else {}
        plans = []
        for row in planned:
            chat_id, thread_id = row.chat_id, row.thread_id
            subscriber = subscribers.get((chat_id, thread_id))
            if digest is None:
                plans.append(Expansion(digest_id, chat_id, None, 0, 0, "digest gone", thread_id))
                continue
            if subscriber is None or subscriber.status != "active":
                reason = "unsubscribed" if subscriber is None else subscriber.status
                plans.append(Expansion(digest_id, chat_id, None, 0, 0, reason, thread_id))
                continue
            had_from = taking.get((chat_id, thread_id), frozenset()) if told_in else None
            chat_profile = replace(subscriber.profile(self.default_tz), had_from=had_from)
            profile = chat_profile.key()
            count = await self._render(digest, chat_profile)
            if count == 0:
                reason = "no matching items"
                plans.append(Expansion(digest_id, chat_id, profile, 0, 0, reason, thread_id))
                continue
            not_before = 0.0
            if subscriber.quiet_from is not None:  # the chat's clock: a query, so only then
                zone = await chat_zone(self.db, chat_id, thread_id, subscriber.tz, self.default_tz)
                not_before = quiet_until(subscriber.quiet_from, subscriber.quiet_to, zone, now) or 0
            plans.append(
                Expansion(digest_id, chat_id, profile, count, not_before, thread_id=thread_id)
            )
        await deliveries.expand(self.db, plans, now)
        self.parts_planned += sum(p.parts for p in plans)
        log.info(
            "digest %s: planned %d chat(s), %d part(s)",
            digest_id,
            len(plans),
            sum(p.parts for p in plans),
            extra={"digest_id": digest_id},
        )
        return True

    async def _digest(self, digest_id: str) -> Source | None:
        if digest_id not in self._digests:
            if len(self._digests) >= DIGESTS_KEPT:
                self._digests.clear()
                self._parts_count.clear()
            self._digests[digest_id] = await rendering.load(self.db, digest_id)
        return self._digests[digest_id]

    async def _render(self, source: Source, profile: Profile) -> int:
        """How many parts go out now for this chat's profile; renders once per profile."""
        key = (source.digest_id, profile.key())
        count = self._parts_count.get(key)
        if count is None:
            size = await deliveries.render_size(self.db, source.digest_id, key[1])
            if size is None:
                rendered = rendering.render(source, profile)
                self.render_calls += 1
                parts = rendered.parts
                now = rendering.sent_at_once(rendered, profile)
                markups = {}
                if now < len(parts):
                    markups[now] = more.markup_json(
                        profile.lang,
                        more.PUSH,
                        source.published_ts,
                        source.digest_id,
                        now + 1,
                        len(parts) - now,
                    )
                await deliveries.store_render(self.db, source.digest_id, key[1], parts,
                                              profile.previews, markups)  # fmt: skip
                log.info(
                    "digest %s: rendered profile %s: %d part(s), %d at once",
                    source.digest_id,
                    key[1],
                    len(parts),
                    now,
                    extra={"digest_id": source.digest_id},
                )
                size = (len(parts), now)
            count = self._parts_count[key] = size[1] if size[0] else 0
        return count
