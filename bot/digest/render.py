"""A digest as Telegram HTML message parts for one preference profile; pure functions.

Parts are packed full: Telegram's limit is 4,096 UTF-16 units of the text *after* its
HTML is parsed (links' addresses and tags do not count), so that is what is measured
(markup.visible_len); the HTML itself may be longer. An item that does not fit the room
left in a part is split at a sentence when that room is worth filling (MIN_SPLIT): the
part ends with "…" and the next one goes on with "…". Before this, parts were measured
on their HTML and moved whole items only, so a 37-item AINews post took 14 parts, some
of them 2,200 characters long.

The packing is shared with the roundups (bot/digest/roundup.py): blocks in, parts out.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

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
    visible_len,
)
from bot.digest.models import Digest, Item
from bot.digest.spans import (
    Span,
    limit_entities,
    plain_text,
    sentence_ends,
    slice_spans,
    slice_spans_from,
    spans_html,
    summary_spans,
)
from bot.digest.topics import is_muted, item_marks
from bot.i18n import N_, Html, listing, t
from bot.preferences import Profile

MAX_TITLE = 300  # an item's headline is clipped to this many characters
MAX_BRIEF = 400  # the brief format's first sentence is clipped to this
ITEM_SEP = "\n\n"  # between items with a summary
HEADLINE_SEP = "\n"  # headlines format: one line per item, no blank lines
MIN_SPLIT = 500  # visible units left in a part that are worth filling with half an item
CONTINUED = "…"  # ends a part whose last item goes on in the next, and starts the next
FOLD_LISTED = 10  # headlines linked in the "stories you already have" line
FOLD_TITLE = 60  # characters of each of them

READ_MORE = N_("Read more")
SHOW_MORE = N_("▼ Show {count} more")  # the button under the last part sent of a long one
PART_LABEL = N_(" ({number}/{total})")
TOPICS_NOTE = N_("🔔 {matched} of {total} items match your topics")
NEW_SOURCE = N_("🆕 A new source: <b>{name}</b>. /sources lists yours.")
ALREADY_HAVE_ONE = N_("↩️ +1 story you already have: {headlines}")
ALREADY_HAVE = N_("↩️ +{count} stories you already have: {headlines}")


@dataclass(frozen=True)
class Rendered:
    """Parts of a digest or roundup, and how many of them to send at once at most
    (`lead`; the chat's message cap may send fewer): the rest waits behind a button."""

    parts: list[str]
    lead: int


@dataclass(frozen=True, slots=True)
class Block:
    """Something packed into parts: an item (its headline line `head`, the summary
    spans shown `segs`, `tail` after them: "… Read more" of an item cut to fit one
    message), or a line of its own (head only). `html` is the whole."""

    html: str
    length: int  # visible UTF-16 units
    entities: int
    head: str = ""
    segs: tuple[Span, ...] = ()
    tail: str = ""

    @classmethod
    def of(cls, head: str, segs: Sequence[Span] = (), tail: str = "") -> Block:
        body = spans_html(segs)
        html = head
        if body or tail:
            html += ("\n" if head else "") + body + (" " if body and tail else "") + tail
        return cls(html, visible_len(html), entity_count(html), head, tuple(segs), tail)


def headline(item: Item, marks: Sequence[str], lang: str) -> str:
    """ "7. <a>Headline</a> — author 🔔 <i>Topic</i>" """
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
def _body(summary: str, fmt: str) -> tuple[Span, ...]:
    """The summary as shown in a format; the same for every profile, so cached."""
    return tuple(_body_segments(summary, fmt))


def item_block(item: Item, fmt: str, head: str, max_len: int, max_ent: int, lang: str) -> Block:
    """One item (its headline line `head` already made), cut (at a sentence if it can)
    to fit `max_len` visible units and `max_ent` entities."""
    block = Block.of(head, _body(item.summary, fmt))
    if block.length <= max_len and block.entities <= max_ent:
        return block
    segs = list(block.segs)
    url = safe_url(item.url)
    tail = "… " + link(url, t(lang, READ_MORE)) if url else "…"
    if block.entities > max_ent:
        segs = limit_entities(segs, max(0, max_ent - entity_count(head) - entity_count(tail)))
        whole = Block.of(head, segs)
        if whole.length <= max_len and whole.entities <= max_ent:
            return whole
    text = plain_text(segs)
    fixed = visible_len(head) + 1 + 1 + visible_len(tail)  # "\n" and the space before tail
    room = max_len - fixed
    # The longest prefix that fits (its visible length is its plain text's) ...
    low, high = 0, len(text)
    while low < high:
        mid = (low + high + 1) // 2
        if utf16_len(text[:mid].rstrip()) <= room:
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
    return Block.of(head, slice_spans(segs, low), tail)


def split_block(block: Block, room: int, room_ent: int) -> tuple[Block, Block] | None:
    """`block` in two at a sentence end: a first piece that fits `room` visible units
    and `room_ent` entities (ending with CONTINUED), and the rest (starting with it);
    None when no sentence end fits."""
    text = plain_text(block.segs)
    ends = [end for end in sentence_ends(text) if 0 < end < len(text.rstrip())]
    fixed = visible_len(block.head) + 1 + 1 + len(CONTINUED)
    head_ent = entity_count(block.head)
    for end in reversed(ends):
        first = slice_spans(block.segs, end)
        if not first:
            continue
        if fixed + utf16_len(plain_text(first)) > room:
            continue
        if head_ent + sum(seg.cost() for seg in first) > room_ent:
            continue
        rest = slice_spans_from(block.segs, end)
        if not rest:
            return None
        going_on = Block.of("", (Span(CONTINUED + " "), *rest), block.tail)
        return Block.of(block.head, first, CONTINUED), going_on
    return None


def pack(
    blocks: Sequence[Block],
    header: Callable[[int, int], str],
    sep: str,
    *,
    labels: int,
    break_before: int | None = None,
) -> tuple[list[str], list[int]]:
    """Blocks into as few parts as fit: each part is header(number, total) + ITEM_SEP +
    its blocks joined by `sep`, at most MAX_MESSAGE visible units and MAX_ENTITIES
    entities. `labels`: the most parts there can be, for the room the "(i/n)" label
    takes. A block that does not fit goes to the next part, split at a sentence when
    at least MIN_SPLIT units are left; block `break_before` starts a part. Returns the
    parts and, for each block, the index of the part it starts in."""
    # Each part: its header, ITEM_SEP, then blocks each counted with a `sep` before it.
    first, rest = header(1, labels), header(2, labels)
    reserve = visible_len(rest) + len(ITEM_SEP) - len(sep)
    head_ent = entity_count(rest)
    parts: list[list[Block]] = [[]]
    used = visible_len(first) + len(ITEM_SEP) - len(sep)
    used_ent = entity_count(first)
    starts: list[int] = []
    queue = [(index, block) for index, block in reversed(list(enumerate(blocks)))]
    while queue:
        index, block = queue.pop()
        fits = used + len(sep) + block.length <= MAX_MESSAGE
        fits = fits and used_ent + block.entities <= MAX_ENTITIES
        if parts[-1] and index == break_before and len(starts) == index:
            fits = False
            room = 0
        else:
            room = MAX_MESSAGE - used - len(sep)
        if not fits and parts[-1]:
            pieces = None
            if room >= MIN_SPLIT and block.segs:
                pieces = split_block(block, room, MAX_ENTITIES - used_ent)
            if pieces is not None:
                block = pieces[0]
                queue.append((index, pieces[1]))
            else:
                parts.append([])
                used, used_ent = reserve, head_ent
        if len(starts) == index:
            starts.append(len(parts) - 1)
        parts[-1].append(block)
        used += len(sep) + block.length
        used_ent += block.entities
    total = len(parts)
    texts = [
        header(number, total) + ITEM_SEP + sep.join(block.html for block in part)
        for number, part in enumerate(parts, 1)
    ]
    return texts, starts


def fold_block(items: Sequence[Item], lang: str) -> Block:
    """ "↩️ +3 stories you already have: <a>one</a> · <a>two</a> · <a>three</a>" """
    shown = []
    for item in items[:FOLD_LISTED]:
        title = text_html(clip(item.title, FOLD_TITLE) or t(lang, UNTITLED))
        url = safe_url(item.url)
        shown.append(link(url, title) if url else title)
    headlines = " · ".join(shown) + (" · …" if len(items) > FOLD_LISTED else "")
    if len(items) == 1:
        return Block.of(t(lang, ALREADY_HAVE_ONE, headlines=Html(headlines)))
    return Block.of(t(lang, ALREADY_HAVE, count=len(items), headlines=Html(headlines)))


def room_per_item(header: Callable[[int, int], str], labels: int) -> tuple[int, int]:
    """How long (visible units) and how rich (entities) one item may be: a whole part."""
    widest = max(header(1, labels), header(2, labels), key=visible_len)
    max_len = MAX_MESSAGE - visible_len(widest) - len(ITEM_SEP)
    max_ent = MAX_ENTITIES - max(entity_count(header(1, labels)), entity_count(header(2, labels)))
    return max_len, max_ent


# ---- Digest messages ------------------------------------------------------------------


def _header(digest: Digest, profile: Profile, *, first: bool, label: str, note: str) -> str:
    title = digest.title.strip() or "Digest"
    if not first:
        return f"<b>{text_html(clip(title, 60))}</b>{label}"
    line = f"🗓 {format_published(digest.published_at, profile.tz, profile.lang)}"
    if digest.categories:
        line += " · " + text_html(listing(profile.lang, digest.categories))
    header = f"<b>{text_html(clip(title, 200))}</b>{label}\n{line}"
    return header + (f"\n{note}" if note else "")


def render_digest(
    digest: Digest, profile: Profile, *, had: Collection[int] = (), new_source: str | None = None
) -> list[str]:
    """The digest as HTML message parts for one preference profile.

    Items keep their own numbers. Items matching profile.topics are marked with 🔔 and
    the names of the topics (and the own keywords) they match. alerts_mode "topics"
    keeps only matching items. `had`: positions of items whose story the chat already
    has in full (bot/digest/stories.py); profile.repeats folds them into one closing
    line ("fold"), leaves them out ("hide") or shows them ("show"). [] means nothing to
    send: no matching item, nothing new, or a digest without items. Parts are labelled
    "(i/n)" when there are several (pack() says how they are filled); an item too long
    for one message is cut at a sentence with a "Read more" link. `new_source`: the
    digest is the first of a source added later, said in one line under the title.
    """
    items = [
        (item, item_marks(item, profile.topics, profile.lang))
        for item in digest.items
        if not is_muted(item, profile.mutes)
    ]
    note = ""
    if profile.alerts_mode == "topics":
        items = [(item, marks) for item, marks in items if marks]
        note = t(profile.lang, TOPICS_NOTE, matched=len(items), total=len(digest.items))
    if new_source:
        note = "\n".join(filter(None, [t(profile.lang, NEW_SOURCE, name=new_source), note]))
    folded: list[Item] = []
    if had and profile.repeats != "show":
        folded = [item for item, _ in items if item.position in had]
        items = [(item, marks) for item, marks in items if item.position not in had]
        if profile.repeats == "hide":
            folded = []
    if not items:
        return []

    def header(number: int, total: int) -> str:
        label = t(profile.lang, PART_LABEL, number=number, total=total) if total > 1 else ""
        return _header(digest, profile, first=number == 1, label=label, note=note)

    labels = len(items) * 2 + 1  # never more parts than that: the widest label there can be
    max_len, max_ent = room_per_item(header, labels)
    blocks = [
        item_block(item, profile.format, headline(item, marks, profile.lang), max_len, max_ent,
                   profile.lang)
        for item, marks in items
    ]  # fmt: skip
    if folded:
        blocks.append(fold_block(folded, profile.lang))
    sep = HEADLINE_SEP if profile.format == "headlines" else ITEM_SEP
    return pack(blocks, header, sep, labels=labels)[0]


def renumbered(item: Item, position: int) -> Item:
    """The item under another number (a roundup numbers its items from 1)."""
    return replace(item, position=position)
