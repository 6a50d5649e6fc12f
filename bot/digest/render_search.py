"""A page of search results as one Telegram HTML message; pure functions."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Protocol

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
from bot.digest.models import Item
from bot.i18n import N_, t


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
        return text_html(text)
    out: list[str] = []
    pos = 0
    for marks, match in enumerate(regex.finditer(text)):
        if max_marks is not None and marks >= max_marks:
            break
        out.append(text_html(text[pos : match.start()]))
        out.append(f"<b>{text_html(match.group())}</b>")
        pos = match.end()
    out.append(text_html(text[pos:]))
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
        title = highlight(clip(item.title, title_cap) or t(lang, UNTITLED), terms, marks)
        url = safe_url(item.url)
        line = f"{number}. {link(url, title) if url else title}"
        if item.author:
            line += f" — {text_html(clip(item.author, MAX_AUTHOR))}"
        if snippet_cap and hit.snippet.strip():
            line += "\n" + highlight(clip(hit.snippet, snippet_cap), terms, marks)
        when = format_time(hit.published_at, tz, lang, with_zone=False)
        line += f"\n<i>{text_html(clip(hit.digest_title, 80))} · {when}</i>"
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
