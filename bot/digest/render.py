"""A digest as Telegram HTML message parts for one preference profile; pure functions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from bot.digest.markup import (
    MAX_AUTHOR,
    MAX_ENTITIES,
    MAX_MESSAGE,
    UNTITLED,
    clip,
    entity_count,
    format_time,
    link,
    safe_url,
    text_html,
    utf16_len,
)
from bot.digest.models import Digest, Item
from bot.digest.spans import (
    Span,
    limit_entities,
    plain_text,
    sentence_ends,
    slice_spans,
    spans_html,
    summary_spans,
)
from bot.digest.topics import item_marks
from bot.i18n import N_, t
from bot.preferences import Profile

MAX_TITLE = 300  # an item's headline is clipped to this many characters
MAX_BRIEF = 400  # the brief format's first sentence is clipped to this
ITEM_SEP = "\n\n"  # between items with a summary
HEADLINE_SEP = "\n"  # headlines format: one line per item, no blank lines

READ_MORE = N_("Read more")
PART_LABEL = N_(" ({number}/{total})")
TOPICS_NOTE = N_("🔔 {matched} of {total} items match your topics")


@dataclass(frozen=True, slots=True)
class _Block:
    html: str
    length: int  # UTF-16 units
    entities: int


def _headline(item: Item, marks: Sequence[str], lang: str) -> str:
    title = clip(item.title, MAX_TITLE) or clip(item.url or "", MAX_TITLE) or t(lang, UNTITLED)
    url = safe_url(item.url)
    html = link(url, text_html(title)) if url else text_html(title)
    line = f"{item.position}. {html}"
    if item.author:
        line += f" — {text_html(clip(item.author, MAX_AUTHOR))}"
    if marks:
        line += f" 🔔 <i>{text_html(' · '.join(marks))}</i>"
    return line


def _body_segments(summary: str, fmt: str) -> list[Span]:
    if fmt == "headlines" or not summary.strip():
        return []
    segs = list(summary_spans(summary))
    if fmt != "brief":
        return segs
    text = plain_text(segs)
    first = sentence_ends(text)[0]
    if first <= MAX_BRIEF:
        return slice_spans(segs, first)
    cut = text.rfind(" ", 0, MAX_BRIEF)
    return [*slice_spans(segs, cut if cut > MAX_BRIEF // 2 else MAX_BRIEF), Span("…")]


@lru_cache(maxsize=8192)
def _body_html(summary: str, fmt: str) -> str:
    """The summary as shown in a format; the same for every profile, so cached."""
    return spans_html(_body_segments(summary, fmt))


def _item_block(
    item: Item, fmt: str, marks: Sequence[str], max_len: int, max_ent: int, lang: str
) -> _Block:
    """One item's HTML, cut (at a sentence if it can) to fit `max_len` and `max_ent`."""
    head = _headline(item, marks, lang)
    body = _body_html(item.summary, fmt)
    html = head + ("\n" + body if body else "")
    length, entities = utf16_len(html), entity_count(html)
    if length <= max_len and entities <= max_ent:
        return _Block(html, length, entities)

    segs = _body_segments(item.summary, fmt)
    url = safe_url(item.url)
    suffix = "… " + link(url, t(lang, READ_MORE)) if url else "…"
    head_ent = entity_count(head) + entity_count(suffix)
    if entities > max_ent:
        segs = limit_entities(segs, max(0, max_ent - head_ent))

    def render(end: int) -> str:
        body = spans_html(slice_spans(segs, end))
        return head + "\n" + (body + " " if body else "") + suffix

    whole = head + "\n" + spans_html(segs)
    if utf16_len(whole) <= max_len and entity_count(whole) <= max_ent:
        return _Block(whole, utf16_len(whole), entity_count(whole))

    text = plain_text(segs)
    # The longest prefix that fits (rendered length grows with the prefix) ...
    low, high = 0, len(text)
    while low < high:
        mid = (low + high + 1) // 2
        if utf16_len(render(mid)) <= max_len:
            low = mid
        else:
            high = mid - 1
    # ... then back to the last sentence end in it, else the last space.
    ends = [end for end in sentence_ends(text) if end <= low]
    if ends:
        low = ends[-1]
    else:
        space = text.rfind(" ", 0, low)
        if space > low // 2:
            low = space
    html = render(low)
    return _Block(html, utf16_len(html), entity_count(html))


# ---- Digest messages ------------------------------------------------------------------


def _header(digest: Digest, profile: Profile, *, first: bool, label: str, note: str) -> str:
    title = digest.title.strip() or "Digest"
    if not first:
        return f"<b>{text_html(clip(title, 60))}</b>{label}"
    line = f"🗓 {format_time(digest.published_at, profile.tz, profile.lang)}"
    if digest.categories:
        line += " · " + text_html(", ".join(digest.categories))
    header = f"<b>{text_html(clip(title, 200))}</b>{label}\n{line}"
    return header + (f"\n{note}" if note else "")


def render_digest(digest: Digest, profile: Profile) -> list[str]:
    """The digest as HTML message parts for one preference profile.

    Items keep their own numbers. Items matching profile.topics are marked with 🔔 and
    the names of the topics (and the own keywords) they match. alerts_mode "topics"
    keeps only matching items. [] means nothing to send (no matching item, or a digest
    without items). Parts are split only between items, each at most MAX_MESSAGE UTF-16
    units and MAX_ENTITIES entities, labelled "(i/n)" when there are several; an item
    too long for one message is cut at a sentence with a "Read more" link.
    """
    items = [(item, item_marks(item, profile.topics, profile.lang)) for item in digest.items]
    note = ""
    if profile.alerts_mode == "topics":
        items = [(item, marks) for item, marks in items if marks]
        note = t(profile.lang, TOPICS_NOTE, matched=len(items), total=len(digest.items))
    if not items:
        return []

    first = _header(digest, profile, first=True, label="", note=note)
    rest = _header(digest, profile, first=False, label="", note=note)
    # Room for the widest label there can be: never more parts than items.
    reserve = len(f" ({len(items)}/{len(items)})")
    first_len, rest_len = utf16_len(first) + reserve, utf16_len(rest) + reserve
    sep = HEADLINE_SEP if profile.format == "headlines" else ITEM_SEP
    max_len = MAX_MESSAGE - max(first_len, rest_len) - len(ITEM_SEP)
    max_ent = MAX_ENTITIES - max(entity_count(first), entity_count(rest))
    blocks = [
        _item_block(item, profile.format, marks, max_len, max_ent, profile.lang)
        for item, marks in items
    ]

    parts: list[list[_Block]] = [[]]
    # The header is followed by ITEM_SEP, the blocks joined by `sep`.
    first_len += len(ITEM_SEP) - len(sep)
    rest_len += len(ITEM_SEP) - len(sep)
    used, used_ent = first_len, entity_count(first)
    for block in blocks:
        if parts[-1] and (
            used + len(sep) + block.length > MAX_MESSAGE or used_ent + block.entities > MAX_ENTITIES
        ):
            parts.append([])
            used, used_ent = rest_len, entity_count(rest)
        parts[-1].append(block)
        used += len(sep) + block.length
        used_ent += block.entities

    total = len(parts)
    messages = []
    for number, part in enumerate(parts, 1):
        label = t(profile.lang, PART_LABEL, number=number, total=total) if total > 1 else ""
        header = _header(digest, profile, first=number == 1, label=label, note=note)
        body = sep.join(block.html for block in part)
        messages.append(f"{header}{ITEM_SEP}{body}")
    return messages
