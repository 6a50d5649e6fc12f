"""One item as a message of its own (an inline result), and its one-line description;
pure functions, built from the same pieces as the digest renderer."""

from __future__ import annotations

from datetime import datetime

from bot.digest.markup import (
    MAX_AUTHOR,
    MAX_ENTITIES,
    MAX_MESSAGE,
    UNTITLED,
    clip,
    entity_count,
    format_published,
    link,
    safe_url,
    text_html,
    utf16_len,
)
from bot.digest.models import Item
from bot.digest.spans import (
    limit_entities,
    plain_text,
    sentence_ends,
    slice_spans,
    spans_html,
    summary_spans,
)
from bot.i18n import t

MAX_TITLE = 300
MAX_DESCRIPTION = 200


def item_title(item: Item, lang: str) -> str:
    """The headline as plain text (clipped), or "(untitled)"."""
    return clip(item.title, MAX_TITLE) or clip(item.url or "", MAX_TITLE) or t(lang, UNTITLED)


def first_sentence(item: Item, limit: int = MAX_DESCRIPTION) -> str:
    """The summary's first sentence as plain text, at most `limit` characters."""
    text = plain_text(summary_spans(item.summary)).strip()
    if not text:
        return ""
    return clip(text[: sentence_ends(text)[0]], limit)


def render_item(
    item: Item, *, digest_title: str, published_at: datetime, tz: str = "", lang: str = "en"
) -> str:
    """The linked headline and its author, the whole summary, and in italics the digest
    it came from and when: one message (MAX_MESSAGE, MAX_ENTITIES); a summary too long
    is cut at a sentence."""
    url = safe_url(item.url)
    title = text_html(item_title(item, lang))
    head = f"<b>{link(url, title) if url else title}</b>"
    if item.author:
        head += f" — {text_html(clip(item.author, MAX_AUTHOR))}"
    when = format_published(published_at, tz, lang)
    foot = f"<i>{text_html(clip(digest_title, 120))} · {text_html(when)}</i>"
    fixed = utf16_len(head) + utf16_len(foot) + 4  # two line breaks around the summary
    budget = MAX_ENTITIES - entity_count(head) - entity_count(foot)
    segs = limit_entities(summary_spans(item.summary), budget)
    body = spans_html(segs)
    if fixed + utf16_len(body) > MAX_MESSAGE:
        body = _cut(segs, MAX_MESSAGE - fixed - 1) + "…"
    return f"{head}\n{body}\n\n{foot}" if body else f"{head}\n\n{foot}"


def _cut(segs: list, room: int) -> str:
    """The longest prefix of the summary whose HTML fits `room`, back to a sentence end
    (else a space) in it."""
    text = plain_text(segs)
    low, high = 0, len(text)
    while low < high:
        mid = (low + high + 1) // 2
        if utf16_len(spans_html(slice_spans(segs, mid))) <= room:
            low = mid
        else:
            high = mid - 1
    ends = [end for end in sentence_ends(text) if end <= low]
    if ends:
        low = ends[-1]
    elif (space := text.rfind(" ", 0, low)) > low // 2:
        low = space
    return spans_html(slice_spans(segs, low))
