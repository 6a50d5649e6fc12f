"""A roundup: everything a chat's schedule gathered since its last one, as message parts
for one preference profile; pure functions.

- The header says what it is in the chat's language: "Daily roundup · 3 digests · 47
  stories", then when it was due in the chat's time zone.
- A story told in several of the gathered digests appears once: its first telling, or
  the first in the chat's language when it was told in another language first (a digest
  and its translation); stories the chat had before the roundup fold, hide or show as in
  a push.
- Items are grouped by topic, the chat's followed topics (and own keywords) first, then
  the other built-in topics in their usual order, then the rest; renumbered from 1.
- The first LEAD_ITEMS items (about as many as read well in one sitting) are what is
  sent at once: `Rendered.lead` is the parts they fill (the message cap may send
  fewer); the rest waits behind the "Show N more" button like a long push.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.digest.languages import text_language
from bot.digest.markup import format_time, text_html
from bot.digest.models import Item
from bot.digest.render import (
    HEADLINE_SEP,
    ITEM_SEP,
    PART_LABEL,
    Rendered,
    fold_block,
    headline,
    item_block,
    pack,
    renumbered,
    room_per_item,
)
from bot.digest.topics import KEYWORD_PREFIX, TOPIC_KEYS, is_muted, item_marks, topic_name
from bot.i18n import N_, t
from bot.preferences import Profile

LEAD_ITEMS = {"full": 30, "brief": 60, "headlines": 120}

TITLES = {
    "daily": N_("Daily roundup"),
    "weekly": N_("Weekly roundup"),
    "now": N_("Roundup"),  # what was waiting when a chat went back to instant pushes
}
DIGESTS = (N_("1 digest"), N_("{count} digests"))
STORIES = (N_("1 story"), N_("{count} stories"))
OTHER = N_("Other")


@dataclass(frozen=True)
class Gathered:
    """An item a roundup gathered, with the id of its story's first item."""

    story: int
    item: Item


@dataclass(frozen=True)
class Roundup:
    schedule: str  # daily | weekly | now
    due: datetime  # when it fell due (aware)
    digests: int  # how many digests it gathers
    items: tuple[Gathered, ...]  # oldest digest first, each in post order


def _count(lang: str, forms: tuple[str, str], count: int) -> str:
    return t(lang, forms[0]) if count == 1 else t(lang, forms[1], count=count)


def _group(item: Item, profile: Profile) -> str:
    """The group an item goes in: its first followed topic or keyword, else its first
    built-in topic, else "" (the rest)."""
    for key in TOPIC_KEYS:
        if key in profile.topics and key in item.topics:
            return key
    marks = item_marks(item, [f for f in profile.topics if f.startswith(KEYWORD_PREFIX)], "en")
    if marks:
        return KEYWORD_PREFIX + marks[0]
    return next((key for key in TOPIC_KEYS if key in item.topics), "")


def _order(group: str, profile: Profile) -> tuple[int, int, str]:
    if group in profile.topics or group.startswith(KEYWORD_PREFIX):
        rank = 0 if not group.startswith(KEYWORD_PREFIX) else 1
    else:
        rank = 2 if group else 3
    return rank, TOPIC_KEYS.index(group) if group in TOPIC_KEYS else 0, group


def _language(item: Item) -> str | None:
    return text_language(item.title, item.summary)


def render_roundup(roundup: Roundup, profile: Profile, *, had: Collection[int] = ()) -> Rendered:
    """The roundup's parts for a profile; `had`: ids of stories the chat already had
    before it (folded as profile.repeats says). Nothing to send: Rendered([], 0)."""
    lang = profile.lang
    firsts: dict[int, Item] = {}
    for gathered in roundup.items:
        first = firsts.setdefault(gathered.story, gathered.item)
        if _language(first) != lang and _language(gathered.item) == lang:
            firsts[gathered.story] = gathered.item  # the story in the chat's language
    chosen = [
        (story, item, item_marks(item, profile.topics, lang))
        for story, item in firsts.items()
        if not is_muted(item, profile.mutes)
    ]
    if profile.alerts_mode == "topics":
        chosen = [(story, item, marks) for story, item, marks in chosen if marks]
    folded: list[Item] = []
    if profile.repeats != "show":
        folded = [item for story, item, _ in chosen if story in had]
        chosen = [(story, item, marks) for story, item, marks in chosen if story not in had]
        if profile.repeats == "hide":
            folded = []
    if not chosen:
        return Rendered([], 0)

    groups: dict[str, list[tuple[Item, list[str]]]] = {}
    for _, item, marks in chosen:
        groups.setdefault(_group(item, profile), []).append((item, marks))
    ordered = sorted(groups, key=lambda group: _order(group, profile))

    title = t(lang, TITLES.get(roundup.schedule, TITLES["now"]))
    counts = " · ".join(
        (_count(lang, DIGESTS, roundup.digests), _count(lang, STORIES, len(chosen)))
    )

    def header(number: int, total: int) -> str:
        label = t(lang, PART_LABEL, number=number, total=total) if total > 1 else ""
        if number > 1:
            return f"<b>{text_html(title)}</b>{label}"
        when = format_time(roundup.due, profile.tz, lang)
        return f"<b>{text_html(title)} · {counts}</b>{label}\n🗓 {when}"

    labels = len(chosen) * 2 + 1
    max_len, max_ent = room_per_item(header, labels)
    blocks = []
    number = 0
    for group in ordered:
        name = topic_name(group, lang) if group else t(lang, OTHER)
        followed = group in profile.topics or group.startswith(KEYWORD_PREFIX)
        heading = f"<b>{'🔔 ' if followed else ''}{text_html(name)}</b>"
        for index, (item, marks) in enumerate(groups[group]):
            number += 1
            shown = renumbered(item, number)
            head = headline(shown, marks, lang)
            if index == 0:
                head = heading + "\n" + head
            blocks.append(item_block(shown, profile.format, head, max_len, max_ent, lang))
    if folded:
        blocks.append(fold_block(folded, lang))
    sep = HEADLINE_SEP if profile.format == "headlines" else ITEM_SEP
    cap = LEAD_ITEMS.get(profile.format, LEAD_ITEMS["full"])
    parts, starts = pack(
        blocks, header, sep, labels=labels, break_before=cap if len(chosen) > cap else None
    )
    lead = starts[cap] if len(chosen) > cap else len(parts)
    return Rendered(parts, lead)


def roundup_items(rows: Sequence[tuple[int, Item]]) -> tuple[Gathered, ...]:
    """Gathered items from (story id, item) rows."""
    return tuple(Gathered(story, item) for story, item in rows)
