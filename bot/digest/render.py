"""Digests and search results as Telegram HTML (parse_mode="HTML"); pure functions.

Everything that comes from a digest is escaped; the only markup is ours: <b>, <i>
and <a href="...">. Lengths are measured on the HTML source in UTF-16 code units,
which is stricter than Telegram's limit (counted after entity parsing) and also
guarantees that the plain-text fallback (`html_to_plain`) of a part fits.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from html import escape
from html.parser import HTMLParser
from typing import Protocol

from bot.digest.models import Digest, Item
from bot.digest.topics import match_item
from bot.i18n import N_, t
from bot.preferences import Profile
from bot.timezones import localize, offset_label

MAX_MESSAGE = 4096  # UTF-16 code units per message
MAX_ENTITIES = 100  # formatting entities per message

MAX_TITLE = 300  # an item's headline is clipped to this many characters
MAX_AUTHOR = 64
MAX_BRIEF = 400  # the brief format's first sentence is clipped to this
ITEM_SEP = "\n\n"


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji outside the BMP is 2)."""
    return len(text.encode("utf-16-le")) // 2


def entity_count(html: str) -> int:
    """Formatting entities in our HTML: every entity is a tag pair, and text is escaped."""
    return html.count("</")


def _text(text: str) -> str:
    return escape(text, quote=False)


def _safe_url(url: str | None) -> str | None:
    """Only links Telegram accepts and that cannot run anything."""
    if not url:
        return None
    url = url.strip()
    if re.match(r"(?i)(https?|tg)://\S+$", url) or re.match(r"(?i)mailto:\S+$", url):
        return url
    return None


def _link(url: str, inner_html: str) -> str:
    return f'<a href="{escape(url, quote=True)}">{inner_html}</a>'


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip() + "…"


DATE_TIME = N_("{year}-{month:02d}-{day:02d} {hour:02d}:{minute:02d}")
UNTITLED = N_("(untitled)")
READ_MORE = N_("Read more")
PART_LABEL = N_(" ({number}/{total})")
TOPICS_NOTE = N_("🔔 {matched} of {total} items match your topics")


def format_time(when: datetime, tz: str, lang: str = "en", *, with_zone: bool = True) -> str:
    """ "2025-12-20 12:00 (UTC+8)" in the chat's zone; tz "" keeps the time's own offset
    (as the digest was published). The zone is named by its offset."""
    local = localize(when, tz)
    text = t(lang, DATE_TIME, year=local.year, month=local.month, day=local.day,
             hour=local.hour, minute=local.minute)  # fmt: skip
    return f"{text} ({offset_label(local)})" if with_zone else text


# ---- Markdown summaries: segments of text with a style --------------------------------


@dataclass(frozen=True, slots=True)
class _Seg:
    text: str
    bold: bool = False
    italic: bool = False
    url: str | None = None

    def cost(self) -> int:
        """Entities this segment needs."""
        return int(self.bold) + int(self.italic) + int(self.url is not None)

    def same_style(self, other: _Seg) -> bool:
        return (self.bold, self.italic, self.url) == (other.bold, other.italic, other.url)


# A code span is kept as it is (backticks too), so `**` inside it stays literal.
# `*italic*` needs no letter or * on either side, so "2*3*4" and "**" stay as they are.
_INLINE = re.compile(
    r"(?P<code>`[^`\n]+`)"
    r"|\*\*(?=\S)(?P<bold>.+?)(?<=\S)\*\*"
    r"|(?<![*\w])\*(?=[^\s*])(?P<italic>[^*\n]+?)(?<=[^\s*])\*(?![*\w])"
    r"|\[(?P<text>[^\[\]\n]+)\]\((?P<url>[^()\s]+(?:\([^()\s]*\)[^()\s]*)*)\)"
)


def _parse_inline(src: str, style: _Seg, depth: int) -> list[_Seg]:
    """Segments of `src`, each styled like `style` plus its own Markdown."""
    segs: list[_Seg] = []
    pos = 0
    for match in _INLINE.finditer(src):
        if match.start() > pos:
            segs.append(replace(style, text=src[pos : match.start()]))
        pos = match.end()
        if match["code"] is not None:
            segs.append(replace(style, text=match["code"]))
            continue
        if match["bold"] is not None:
            inner, inner_style = match["bold"], replace(style, bold=True)
        elif match["italic"] is not None:
            inner, inner_style = match["italic"], replace(style, italic=True)
        else:
            inner = match["text"]
            inner_style = replace(style, url=style.url or _safe_url(match["url"]))
        if depth < 2:
            segs.extend(_parse_inline(inner, inner_style, depth + 1))
        else:
            segs.append(replace(inner_style, text=inner))
    if pos < len(src):
        segs.append(replace(style, text=src[pos:]))
    return segs


def _merge(segs: Sequence[_Seg]) -> list[_Seg]:
    out: list[_Seg] = []
    for seg in segs:
        if not seg.text:
            continue
        if out and out[-1].same_style(seg):
            out[-1] = replace(seg, text=out[-1].text + seg.text)
        else:
            out.append(seg)
    return out


@lru_cache(maxsize=4096)
def _summary_segments(summary: str) -> tuple[_Seg, ...]:
    """A Markdown summary as styled segments: `**bold**`, `*italic*` and `[text](url)`
    kept, paragraphs joined by single newlines (a blank line separates items)."""
    lines = [line.strip() for line in summary.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    text = "\n".join(line for line in lines if line)
    return tuple(_merge(_parse_inline(text, _Seg(""), 0)))


def _segs_html(segs: Sequence[_Seg]) -> str:
    out = []
    for seg in segs:
        html = _text(seg.text)
        if seg.italic:
            html = f"<i>{html}</i>"
        if seg.bold:
            html = f"<b>{html}</b>"
        if seg.url:
            html = _link(seg.url, html)
        out.append(html)
    return "".join(out)


def _plain(segs: Sequence[_Seg]) -> str:
    return "".join(seg.text for seg in segs)


def _slice(segs: Sequence[_Seg], end: int) -> list[_Seg]:
    """The segments covering plain-text offsets [0, end), trailing whitespace dropped."""
    out: list[_Seg] = []
    pos = 0
    for seg in segs:
        if pos >= end:
            break
        out.append(replace(seg, text=seg.text[: end - pos]))
        pos += len(seg.text)
    while out and not out[-1].text.rstrip():
        out.pop()
    if out:
        out[-1] = replace(out[-1], text=out[-1].text.rstrip())
    return out


def _limit_entities(segs: Sequence[_Seg], budget: int) -> list[_Seg]:
    """Styles kept on the first segments only, so at most `budget` entities remain."""
    out: list[_Seg] = []
    used = 0
    for seg in segs:
        if used + seg.cost() <= budget:
            used += seg.cost()
            out.append(seg)
        else:
            out.append(_Seg(seg.text))
    return _merge(out)


# A sentence ends at 。！？ (no space needed), or at .!? followed by a space or the
# end; closing quotes and brackets stay with their sentence. A line break ends one too.
_SENTENCE_END = re.compile(r"[。！？]+[”’\"'）)」』]*|[.!?]+[”’\"')\]]*(?=\s|$)|(?=\n)")


# A "." after these (or after a single letter, as in "Peter H. Diamandis") ends no sentence.
_ABBREVIATIONS = frozenset(
    {"mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "inc", "ltd", "co", "corp"}
    | {"no", "fig", "e.g", "i.e", "u.s", "u.k", "approx", "dept"}
)
_LAST_WORD = re.compile(r"(\S+)$")


def _is_abbreviation(text: str, dot: int) -> bool:
    word = _LAST_WORD.search(text, max(0, dot - 12), dot)
    if word is None:
        return False
    word_text = word.group(1).lstrip("(\"'“‘").lower()
    return (len(word_text) == 1 and word_text.isalpha()) or word_text in _ABBREVIATIONS


@lru_cache(maxsize=4096)
def _sentence_ends(text: str) -> tuple[int, ...]:
    """Plain-text offsets where sentences end; the last is always len(text)."""
    ends = sorted(
        {
            m.end()
            for m in _SENTENCE_END.finditer(text)
            if m.end() > 0 and not (text[m.start()] == "." and _is_abbreviation(text, m.start()))
        }
    )
    if not ends or ends[-1] != len(text):
        ends.append(len(text))
    return tuple(ends)


# ---- Digest items ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Block:
    html: str
    length: int  # UTF-16 units
    entities: int


def _headline(item: Item, marks: Sequence[str], lang: str) -> str:
    title = _clip(item.title, MAX_TITLE) or _clip(item.url or "", MAX_TITLE) or t(lang, UNTITLED)
    url = _safe_url(item.url)
    html = _link(url, _text(title)) if url else _text(title)
    line = f"{item.position}. {html}"
    if item.author:
        line += f" — {_text(_clip(item.author, MAX_AUTHOR))}"
    if marks:
        line += f" 🔔 <i>{_text(' · '.join(marks))}</i>"
    return line


def _body_segments(summary: str, fmt: str) -> list[_Seg]:
    if fmt == "headlines" or not summary.strip():
        return []
    segs = list(_summary_segments(summary))
    if fmt != "brief":
        return segs
    text = _plain(segs)
    first = _sentence_ends(text)[0]
    if first <= MAX_BRIEF:
        return _slice(segs, first)
    cut = text.rfind(" ", 0, MAX_BRIEF)
    return [*_slice(segs, cut if cut > MAX_BRIEF // 2 else MAX_BRIEF), _Seg("…")]


@lru_cache(maxsize=8192)
def _body_html(summary: str, fmt: str) -> str:
    """The summary as shown in a format; the same for every profile, so cached."""
    return _segs_html(_body_segments(summary, fmt))


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
    url = _safe_url(item.url)
    suffix = "… " + _link(url, t(lang, READ_MORE)) if url else "…"
    head_ent = entity_count(head) + entity_count(suffix)
    if entities > max_ent:
        segs = _limit_entities(segs, max(0, max_ent - head_ent))

    def render(end: int) -> str:
        body = _segs_html(_slice(segs, end))
        return head + "\n" + (body + " " if body else "") + suffix

    whole = head + "\n" + _segs_html(segs)
    if utf16_len(whole) <= max_len and entity_count(whole) <= max_ent:
        return _Block(whole, utf16_len(whole), entity_count(whole))

    text = _plain(segs)
    # The longest prefix that fits (rendered length grows with the prefix) ...
    low, high = 0, len(text)
    while low < high:
        mid = (low + high + 1) // 2
        if utf16_len(render(mid)) <= max_len:
            low = mid
        else:
            high = mid - 1
    # ... then back to the last sentence end in it, else the last space.
    ends = [end for end in _sentence_ends(text) if end <= low]
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
        return f"<b>{_text(_clip(title, 60))}</b>{label}"
    line = f"🗓 {format_time(digest.published_at, profile.tz, profile.lang)}"
    if digest.categories:
        line += " · " + _text(", ".join(digest.categories))
    header = f"<b>{_text(_clip(title, 200))}</b>{label}\n{line}"
    return header + (f"\n{note}" if note else "")


def render_digest(digest: Digest, profile: Profile) -> list[str]:
    """The digest as HTML message parts for one preference profile.

    Items keep their own numbers. Items matching profile.topics are marked with 🔔 and
    the matched keywords. alerts_mode "topics" keeps only matching items. [] means
    nothing to send (no matching item, or a digest without items). Parts are split
    only between items, each at most MAX_MESSAGE UTF-16 units and MAX_ENTITIES
    entities, labelled "(i/n)" when there are several; an item too long for one
    message is cut at a sentence with a "Read more" link.
    """
    items = [(item, match_item(item, profile.topics)) for item in digest.items]
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
    max_len = MAX_MESSAGE - max(first_len, rest_len) - len(ITEM_SEP)
    max_ent = MAX_ENTITIES - max(entity_count(first), entity_count(rest))
    blocks = [
        _item_block(item, profile.format, marks, max_len, max_ent, profile.lang)
        for item, marks in items
    ]

    parts: list[list[_Block]] = [[]]
    used, used_ent = first_len, entity_count(first)
    for block in blocks:
        if parts[-1] and (
            used + len(ITEM_SEP) + block.length > MAX_MESSAGE
            or used_ent + block.entities > MAX_ENTITIES
        ):
            parts.append([])
            used, used_ent = rest_len, entity_count(rest)
        parts[-1].append(block)
        used += len(ITEM_SEP) + block.length
        used_ent += block.entities

    total = len(parts)
    messages = []
    for number, part in enumerate(parts, 1):
        label = t(profile.lang, PART_LABEL, number=number, total=total) if total > 1 else ""
        header = _header(digest, profile, first=number == 1, label=label, note=note)
        messages.append(ITEM_SEP.join([header, *(block.html for block in part)]))
    return messages


# ---- Search results -------------------------------------------------------------------


class SearchHitLike(Protocol):
    """The shape of storage.search.SearchHit, without importing storage."""

    @property
    def item(self) -> Item: ...
    @property
    def digest_id(self) -> str: ...
    @property
    def digest_title(self) -> str: ...
    @property
    def published_at(self) -> datetime: ...
    @property
    def snippet(self) -> str: ...


class SearchPageLike(Protocol):
    """The shape of storage.search.SearchPage."""

    @property
    def hits(self) -> Sequence[SearchHitLike]: ...
    @property
    def offset(self) -> int: ...
    @property
    def limit(self) -> int: ...
    @property
    def has_more(self) -> bool: ...
    @property
    def terms(self) -> Sequence[str]: ...


@lru_cache(maxsize=256)
def _terms_regex(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    cleaned = {term.strip().strip("\"'“”").strip() for term in terms}
    cleaned = {term for term in cleaned if term}
    if not cleaned:
        return None
    ordered = sorted(cleaned, key=lambda term: (-len(term), term))
    return re.compile("|".join(re.escape(term) for term in ordered), re.IGNORECASE)


def highlight(text: str, terms: Sequence[str], max_marks: int | None = None) -> str:
    """`text` escaped, with each occurrence of a term (case-insensitive) in <b>.
    Matching happens on the raw text and each piece is escaped on its own, so a
    term never matches inside an entity ("amp" in "&amp;"). At most `max_marks` bolds."""
    regex = _terms_regex(tuple(terms))
    if regex is None:
        return _text(text)
    out: list[str] = []
    pos = 0
    for marks, match in enumerate(regex.finditer(text)):
        if max_marks is not None and marks >= max_marks:
            break
        out.append(_text(text[pos : match.start()]))
        out.append(f"<b>{_text(match.group())}</b>")
        pos = match.end()
    out.append(_text(text[pos:]))
    return "".join(out)


SEARCH_HEADER = N_("🔎 Results {first}–{last} for <b>{query}</b>")
SEARCH_NOTHING = N_("🔎 No results for <b>{query}</b>")


def _render_hits(
    page: SearchPageLike, tz: str, lang: str, snippet_cap: int, title_cap: int, count: int
) -> str:
    terms = list(page.terms)
    hits = list(page.hits)[:count]
    query = " ".join(terms)
    first, last = page.offset + 1, page.offset + len(hits)
    lines = [t(lang, SEARCH_HEADER, first=first, last=last, query=query)]
    # Entities: the query, a link and an italic line per hit, the rest shared by bolds.
    marks = max(0, (MAX_ENTITIES - 1 - 2 * len(hits)) // (2 * max(1, len(hits))))
    for number, hit in enumerate(hits, page.offset + 1):
        item = hit.item
        title = highlight(_clip(item.title, title_cap) or t(lang, UNTITLED), terms, marks)
        url = _safe_url(item.url)
        line = f"{number}. {_link(url, title) if url else title}"
        if item.author:
            line += f" — {_text(_clip(item.author, MAX_AUTHOR))}"
        if snippet_cap and hit.snippet.strip():
            line += "\n" + highlight(_clip(hit.snippet, snippet_cap), terms, marks)
        when = format_time(hit.published_at, tz, lang, with_zone=False)
        line += f"\n<i>{_text(_clip(hit.digest_title, 80))} · {when}</i>"
        lines.append(line)
    return "\n\n".join(lines)


def render_search_page(page: SearchPageLike, *, tz: str = "", lang: str = "en") -> str:
    """One message: a header, then per hit its number, linked headline and snippet
    with the search terms in bold, and "digest title · date" in `tz`."""
    if not page.hits:
        return t(lang, SEARCH_NOTHING, query=" ".join(page.terms))
    shapes = [(300, 200), (200, 200), (120, 160), (60, 120), (0, 100)]
    for count in range(len(page.hits), 0, -1):  # drop hits only when nothing else helps
        for snippet_cap, title_cap in shapes:
            html = _render_hits(page, tz, lang, snippet_cap, title_cap, count)
            if utf16_len(html) <= MAX_MESSAGE and entity_count(html) <= MAX_ENTITIES:
                return html
    return _render_hits(page, tz, lang, 0, 40, 1)


# ---- Plain-text fallback --------------------------------------------------------------


class _PlainText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.links: list[tuple[str | None, int]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.links.append((dict(attrs).get("href"), len(self.out)))
        elif tag == "br":
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self.links:
            href, start = self.links.pop()
            text = "".join(self.out[start:]).strip()
            if href and href.strip() != text:
                self.out.append(f" ({href})")

    def handle_data(self, data: str) -> None:
        self.out.append(data)


def html_to_plain(html: str) -> str:
    """Telegram HTML as plain text (for the "can't parse entities" fallback): tags
    stripped, entities unescaped, each link's URL in parentheses after its text."""
    parser = _PlainText()
    parser.feed(html)
    parser.close()
    return "".join(parser.out)
