"""A page of search results as one Telegram HTML message; pure functions."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Protocol

from bot.digest.links import url_spans
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
    @property
    def also_in(self) -> int: ...
    @property
    def marks(self) -> Sequence[str]: ...
    @property
    def source(self) -> str: ...


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
    @property
    def query(self) -> str: ...
    @property
    def total(self) -> int: ...
    @property
    def total_exact(self) -> bool: ...


@lru_cache(maxsize=256)
def _terms_regex(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    cleaned = {term.strip().strip("\"'“”").strip() for term in terms}
    cleaned = {term for term in cleaned if term}
    if not cleaned:
        return None
    ordered = sorted(cleaned, key=lambda term: (-len(term), term))
    return re.compile("|".join(re.escape(term) for term in ordered), re.IGNORECASE)


def highlight(text: str, terms: Sequence[str], max_marks: int | None = None) -> str:
    """`text` escaped, with each occurrence of a term (case-insensitive) in <b>, never
    inside a web address. Matching happens on the raw text and each piece is escaped on
    its own, so a term never matches inside an entity ("amp" in "&amp;"). At most
    `max_marks` bolds."""
    regex = _terms_regex(tuple(terms))
    if regex is None:
        return text_html(text)
    links = url_spans(text)
    out: list[str] = []
    pos = 0
    marks = 0
    for match in regex.finditer(text):
        if max_marks is not None and marks >= max_marks:
            break
        if any(start < match.end() and match.start() < end for start, end in links):
            continue
        marks += 1
        out.append(text_html(text[pos : match.start()]))
        out.append(f"<b>{text_html(match.group())}</b>")
        pos = match.end()
    out.append(text_html(text[pos:]))
    return "".join(out)


SEARCH_HEADER = N_("🔎 Results {first}–{last} of {total} for <b>{query}</b>")
SEARCH_HEADER_AT_LEAST = N_("🔎 Results {first}–{last} of {total}+ for <b>{query}</b>")
SEARCH_HEADER_ONE = N_("🔎 Result {first} of {total} for <b>{query}</b>")
SEARCH_HEADER_ONE_AT_LEAST = N_("🔎 Result {first} of {total}+ for <b>{query}</b>")
SEARCH_HEADER_ONLY = N_("🔎 1 result for <b>{query}</b>")
SEARCH_NOTHING = N_("🔎 No results for <b>{query}</b>")
ALSO_IN_ONE = N_("also in 1 other digest")
ALSO_IN = N_("also in {count} other digests")
# The command line's last line when there are more results than it printed.
SEARCH_MORE = N_("Results {first}–{last} of {total}. More: {command}")
SEARCH_MORE_AT_LEAST = N_("Results {first}–{last} of {total}+. More: {command}")
MAX_QUERY_SHOWN = 80


def _query(page: SearchPageLike) -> str:
    """The query as typed (clipped), for headers."""
    return clip(page.query or " ".join(page.terms), MAX_QUERY_SHOWN)


def search_header(page: SearchPageLike, shown: int, lang: str) -> str:
    """ "Results 6–10 of 23 for …", "Result 6 of 6", "1 result", "of 1000+" (a lower bound)."""
    first, last = page.offset + 1, page.offset + shown
    total = max(page.total, last)
    query = _query(page)
    if total == 1:
        return t(lang, SEARCH_HEADER_ONLY, query=query)
    if first == last:
        text = SEARCH_HEADER_ONE if page.total_exact else SEARCH_HEADER_ONE_AT_LEAST
    else:
        text = SEARCH_HEADER if page.total_exact else SEARCH_HEADER_AT_LEAST
    return t(lang, text, first=first, last=last, total=total, query=query)


def also_in(count: int, lang: str) -> str:
    if count <= 0:
        return ""
    return t(lang, ALSO_IN_ONE) if count == 1 else t(lang, ALSO_IN, count=count)


def _render_hits(
    page: SearchPageLike, tz: str, lang: str, snippet_cap: int, title_cap: int, count: int
) -> str:
    hits = list(page.hits)[:count]
    lines = [search_header(page, len(hits), lang)]
    # Entities: the query, a link and an italic line per hit, the rest shared by bolds.
    marks = max(0, (MAX_ENTITIES - 1 - 2 * len(hits)) // (2 * max(1, len(hits))))
    for number, hit in enumerate(hits, page.offset + 1):
        item = hit.item
        terms = [*page.terms, *hit.marks]  # the words as written too: 機器人 for 机器人
        title = highlight(clip(item.title, title_cap) or t(lang, UNTITLED), terms, marks)
        url = safe_url(item.url)
        line = f"{number}. {link(url, title) if url else title}"
        if item.author:
            line += f" — {text_html(clip(item.author, MAX_AUTHOR))}"
        if snippet_cap and hit.snippet.strip():
            line += "\n" + highlight(clip(hit.snippet, snippet_cap), terms, marks)
        when = format_published(hit.published_at, tz, lang)
        where = [text_html(clip(hit.source, 40)), text_html(clip(hit.digest_title, 80)), when,
                 also_in(hit.also_in, lang)]  # fmt: skip
        line += f"\n<i>{' · '.join(part for part in where if part)}</i>"
        lines.append(line)
    return "\n\n".join(lines)


def render_search_page(
    page: SearchPageLike, *, tz: str = "", lang: str = "en", fit: bool = True
) -> str:
    """One message: a header with the query as typed and the total, then per hit its
    number, linked headline and snippet with the search terms in bold, and "digest
    source · title · date (zone) · also in N other digests" in `tz`. fit=False: every hit at
    full length, however long (the command line)."""
    if not page.hits:
        return t(lang, SEARCH_NOTHING, query=_query(page))
    shapes = [(300, 200), (200, 200), (120, 160), (60, 120), (0, 100)]
    if not fit:
        return _render_hits(page, tz, lang, *shapes[0], len(page.hits))
    for count in range(len(page.hits), 0, -1):  # drop hits only when nothing else helps
        for snippet_cap, title_cap in shapes:
            html = _render_hits(page, tz, lang, snippet_cap, title_cap, count)
            if utf16_len(html) <= MAX_MESSAGE and entity_count(html) <= MAX_ENTITIES:
                return html
    return _render_hits(page, tz, lang, 0, 40, 1)
