"""What a digest or a roundup looks like for a profile: rendered in one place, for the
planner (pushes, once per profile), /latest and the "Show N more" button.

A digest's items that repeat a story told in the week before are folded as the profile
says when the profile would have shown an earlier telling (bot/digest/stories.py
already_had); a roundup's stories the same way against what came before it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from bot.digest.models import Digest, Item
from bot.digest.render import Rendered, render_digest
from bot.digest.roundup import Roundup, render_roundup, roundup_items
from bot.digest.stories import already_had
from bot.preferences import Profile
from storage.db import Reader
from storage.digest_sources import announced, taking_sources
from storage.digests import digest_kind, get_digest, published_ts
from storage.roundups import get_roundup
from storage.roundups import roundup_items as load_roundup_items
from storage.stories import earlier_tellings
from storage.subscribers import Subscriber


@dataclass(frozen=True)
class Source:
    """A stored digest or roundup with what rendering it needs."""

    digest_id: str
    published_ts: int
    digest: Digest | None = None
    roundup: Roundup | None = None
    tellings: dict[int, list[Item]] = field(default_factory=dict)  # position / story -> items
    new_source: str | None = None  # the first digest of a source added later: its name
    told_in: dict[int, list[str]] = field(default_factory=dict)  # the tellings' sources

    def telling_sources(self) -> frozenset[str]:
        """The sources of a digest's earlier tellings: whether a chat takes them decides
        whether it had the story (Profile.had_from)."""
        return frozenset(name for names in self.told_in.values() for name in names)


async def load(db: Reader, digest_id: str) -> Source | None:
    """The digest or roundup `digest_id`; None when it is gone."""
    found = await digest_kind(db, digest_id)
    if found is None:
        return None
    kind, ts = found
    if kind == "roundup":
        row = await get_roundup(db, digest_id)
        if row is None:
            return None
        items, tellings = await load_roundup_items(db, row)
        roundup = Roundup(
            schedule=row.schedule,
            due=datetime.fromtimestamp(row.due_ts, UTC),
            digests=len(row.digest_ids),
            items=roundup_items(items),
        )
        return Source(digest_id, ts, roundup=roundup, tellings=tellings)
    digest = await get_digest(db, digest_id)
    if digest is None:
        return None
    tellings, told_in = await earlier_tellings(db, digest_id)
    return Source(digest_id, published_ts(digest), digest=digest, tellings=tellings,
                  new_source=await announced(db, digest_id), told_in=told_in)  # fmt: skip


async def push_profile(
    db: Reader, source: Source, subscriber: Subscriber, default_tz: str
) -> Profile:
    """The profile a push of `source` is rendered for: the chat's, knowing which sources
    of the earlier tellings it takes (the planner asks for a batch of chats at once)."""
    profile = subscriber.profile(default_tz)
    names = source.telling_sources()
    if not names:
        return profile
    key = (subscriber.chat_id, subscriber.thread_id)
    taken = await taking_sources(db, [key], names)
    return replace(profile, had_from=taken.get(key, frozenset()))


def _had_tellings(source: Source, profile: Profile) -> dict[int, list[Item]]:
    """The earlier tellings from sources the chat takes: only those it may have had."""
    if profile.had_from is None or not source.told_in:
        return source.tellings
    taken = profile.had_from
    return {
        key: [item for item, name in zip(items, source.told_in[key], strict=True) if name in taken]
        for key, items in source.tellings.items()
    }


def render(source: Source, profile: Profile) -> Rendered:
    tellings = _had_tellings(source, profile)
    had = already_had(tellings, profile) if profile.repeats != "show" else set()
    if source.roundup is not None:
        return render_roundup(source.roundup, profile, had=had)
    assert source.digest is not None
    parts = render_digest(source.digest, profile, had=had, new_source=source.new_source)
    return Rendered(parts, len(parts))


def sent_at_once(rendered: Rendered, profile: Profile) -> int:
    """How many parts go out at once: the lead, at most the profile's message cap."""
    return min(len(rendered.parts), rendered.lead or len(rendered.parts), profile.max_messages)
