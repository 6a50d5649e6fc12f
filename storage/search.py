"""Full-text search over digest items: newest first, every query an index look-up.

One contentless FTS5 table, `items_grams`, rowid = items.id, kept in step by the
triggers of migration 002 (they call the SQL functions of storage/search_index.py).
Its text is emitted there, per run of non-space characters of the folded search
text (search_index.fold: case, full-width forms, traditional Chinese as simplified):
the trigrams of each ASCII stretch of the run (3+ characters), then the run's
bigrams, then its characters; the unicode61 tokenizer (every non-space character a
token character) keeps each gram one token. A query word (storage/search_query.py:
folded, Chinese segmented into words) is
- 1 character (芯, x): one unigram token;
- 2 characters (模型, 芯片, AI, 4o): one bigram token: the most common Chinese
  queries, and `AI` finds `OpenAI` by index, not by a scan;
- 3+ ASCII characters (openai, gpt-5): the phrase of its trigrams, which the
  ASCII stretch it sits in has;
- 3+ characters, some not ASCII (机器人, openai的): the phrase of its bigrams.
Each list of trigrams or bigrams is consecutive and ends where a token of another
length (or _STRETCH_END) follows, so a phrase matches inside one run only: exactly
the substrings of the text. Latin and Chinese get the same substring semantics.

Why trigrams only for ASCII: trigrams were a third of the tokens but most of the
cost of indexing (each is a new term of the item). Chinese bigrams are selective
(thousands of characters), so a phrase of them finds a Chinese term about as fast
as trigrams did; Latin bigrams are not (`nvidia 芯片` as bigram phrases: p95 of the
mixed class 12.5 ms at 200k items, vs ~3.5 ms with trigrams). See bench/ingest.py
and bench/search.py for the figures.

Why one table rather than a `tokenize='trigram'` table plus a bigram table (as
first built): AND across two FTS5 tables is a join; an absent mix like
`nvidia 芯片` took 11-15 ms at 200k items that way. In one table FTS5 intersects
the doclists itself, in rowid order, and stops at the LIMIT. items.id grows with
digest time, so `ORDER BY rowid DESC` is "newest first" without ranking.

One story, one result (migration 007): items.story is the item's link as one key
(bot/digest/links.py normalize_url), filled by a trigger. A page walks the matches
newest first through the covering index items_search_walk (id -> digest, story),
~1 µs a match, and keeps the first (newest) match of each story; later matches of it
in other digests are that story again (a repeat, or the post's twin in the other
language), counted as "also in N other digests"; two items of one digest with one
link stay two results (a digest that lists a link twice means two things), unless their
headlines are alike (bot/digest/stories.py specific_keys, as pushes tell it): then the
digest told one story several times ("Manus hits $100M ...", "Manus Rockets Past $100M
Revenue"), one result. The walk
reads at least WALK_MATCHES matches so the page can say how many results there are
(exactly, or "at least" when there are more). Within a digest, items with a query's
phrase as typed come first (开源模型 before 开源…模型), then those with more words in
the title, then by position: one order for every page, so paging never repeats or
skips an item.

The index is contentless: the triggers delete with the values they inserted.
Change search_text() or search_grams() and you must rebuild the index
in the same migration (see migrations 005 and 007).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from datetime import datetime

import aiosqlite

from bot.digest.models import Item
from bot.digest.stories import specific_keys
from storage.db import Database
from storage.items import item_from_row
from storage.search_index import fold, fold_table_ready, load_fold_table
from storage.search_query import (
    MAX_TERMS,
    Query,
    has_terms,
    load_segmenter,
    match_expression,
    parse_query,
    phrase,
    query_terms,
    segmenter_ready,
)
from storage.search_snippet import SNIPPET_CHARS, excerpt, snippet

__all__ = [
    "MAX_TERMS",
    "SNIPPET_CHARS",
    "Query",
    "SearchHit",
    "SearchPage",
    "has_terms",
    "match_ids",
    "merge_search_index",
    "parse_query",
    "query_terms",
    "search",
    "snippet",
    "warm_up",
]

MAX_LIMIT = 50
WALK_MATCHES = 200  # matches read at least: the count is exact up to here (~0.3 ms)
_NO_ROWID = 2**63 - 1

# --- start-up ----------------------------------------------------------------------------


def load_dictionaries() -> None:
    """Load the segmenter's dictionary and the fold table (~0.3 s, blocking): from a
    thread (warm_up) or a command-line tool."""
    load_fold_table()
    load_segmenter()


async def warm_up() -> None:
    """Load the search dictionaries off the event loop; call it at start-up. Searches
    await it too, so a search before it finished waits without stalling the loop."""
    if not (fold_table_ready() and segmenter_ready()):
        await asyncio.to_thread(load_dictionaries)


# --- look-ups ----------------------------------------------------------------------------


async def match_ids(
    db: Database, terms: list[str], *, offset: int = 0, limit: int | None = None
) -> list[int]:
    """ids of the items matching every term, newest first (limit None: all); every
    match, repeats of a story included."""
    if not terms:
        return []
    sql = (
        "SELECT rowid FROM items_grams WHERE items_grams MATCH ? "
        "ORDER BY rowid DESC LIMIT ? OFFSET ?"
    )
    parameters = (match_expression(terms), -1 if limit is None else limit, offset)
    async with db.execute(sql, parameters) as cursor:
        return [row[0] for row in await cursor.fetchall()]


# What makes two matches one story: the link, unless the item's digest gives that link
# to several items (a hub: migration 015); then the story found by headline (repeat_of).
# A twin in another language (repeat_twin, migration 019) is its first telling's story.
_KEY = "iif({t}.link_shared, 'r' || coalesce({t}.repeat_of, {t}.id), {t}.story)"
_STORY = (
    "iif(i.repeat_twin AND i.story IS NOT NULL, (SELECT " + _KEY.format(t="r")
    + " FROM items r WHERE r.id = i.repeat_of), " + _KEY.format(t="i") + ")"
)  # fmt: skip
_SHARED_LINK = "iif(i.link_shared, i.story, NULL)"


async def _told_alike(db: Database, shared: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """Of (digest, link) pairs whose digest gives the link to several items, those whose
    items' headlines are alike: one story the digest told several times, not a hub."""
    if not shared:
        return set()
    titles: dict[tuple[str, str], list[tuple[str, str]]] = {}
    async with db.execute(
        "SELECT i.digest_id, i.story, i.title FROM json_each(?) AS p"
        " JOIN items AS i INDEXED BY items_by_story"
        " ON i.story = p.value ->> 1 AND i.digest_id = p.value ->> 0 ORDER BY i.id",
        (json.dumps(sorted(shared)),),
    ) as cursor:
        async for digest_id, link, title in cursor:
            titles.setdefault((digest_id, link), []).append((link, title))
    return {pair for pair, told in titles.items() if pair[1] in specific_keys(told)}


@dataclass
class _Walk:
    """The matches read so far, newest first, and the results (one per story) in them."""

    expression: str
    results: list[tuple[int, str]] = field(default_factory=list)  # (item id, digest id)
    story_digest: dict[str, str] = field(default_factory=dict)  # story -> its newest digest
    alike: dict[tuple[str, str], bool] = field(default_factory=dict)  # _told_alike, asked
    told_first: dict[str, int] = field(default_factory=dict)  # such a story -> its result
    read: int = 0
    last_id: int = _NO_ROWID
    done: bool = False

    async def more(self, db: Database, count: int) -> None:
        sql = (
            f"SELECT g.rowid, i.digest_id, {_STORY}, {_SHARED_LINK} FROM items_grams g "
            "JOIN items i INDEXED BY items_search_walk ON i.id = g.rowid "
            "WHERE items_grams MATCH ? AND g.rowid < ? ORDER BY g.rowid DESC LIMIT ?"
        )
        async with db.execute(sql, (self.expression, self.last_id, count)) as cursor:
            rows = list(await cursor.fetchall())
        shared = {(digest_id, link) for _, digest_id, _, link in rows if link is not None}
        unasked = shared - self.alike.keys()
        alike = await _told_alike(db, unasked)
        self.alike.update((pair, pair in alike) for pair in unasked)
        for item_id, digest_id, story, link in rows:
            if link is not None and self.alike[(digest_id, link)]:
                story = f"d{digest_id}\n{link}"  # told several times by its digest: once,
                if story in self.told_first:  # as its first telling (ids fall in the walk)
                    self.results[self.told_first[story]] = (item_id, digest_id)
                    continue
                self.told_first[story] = len(self.results)
            if story is None or self.story_digest.setdefault(story, digest_id) == digest_id:
                self.results.append((item_id, digest_id))
        self.read += len(rows)
        self.done = len(rows) < count
        if rows:
            self.last_id = rows[-1][0]

    def covers(self, end: int) -> bool:
        """Whether the results up to `end` (and one more, for has_more) are all known,
        with every result of the digest at `end - 1` (a digest's ids are consecutive:
        once a match of an older digest was read, it is complete)."""
        if self.done:
            return True
        if len(self.results) <= end or self.read < WALK_MATCHES:
            return False
        last_digest = self.results[end - 1][1]
        return self.results[-1][1] != last_digest


async def _walk(db: Database, expression: str, end: int) -> _Walk:
    walk = _Walk(expression)
    batch = max(WALK_MATCHES, 2 * end + 50)
    while not walk.covers(end):
        await walk.more(db, batch)
        batch *= 2
    return walk


# --- results -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchHit:
    item: Item
    digest_id: str
    digest_title: str
    published_at: datetime
    snippet: str  # plain text around the first match, "…" where cut, no web addresses
    also_in: int = 0  # other digests with this story (same link, or its twin)
    marks: tuple[str, ...] = ()  # the words as written that matched, for bold
    source: str = ""  # the name of the digest's source


@dataclass(frozen=True)
class SearchPage:
    hits: list[SearchHit]
    offset: int
    limit: int
    has_more: bool
    terms: list[str]  # the folded words searched for
    query: str = ""  # the query as typed
    total: int = 0  # results (one per story); a lower bound when not total_exact
    total_exact: bool = True


async def search(db: Database, query: str, *, offset: int = 0, limit: int = 5) -> SearchPage:
    """A page of the items matching every word of `query`, one per story, newest digest
    first (module docstring for the order). Never raises on user text."""
    offset = max(0, int(offset))
    limit = max(1, min(MAX_LIMIT, int(limit)))
    await warm_up()
    parsed = parse_query(query)
    empty = SearchPage([], offset, limit, False, parsed.terms, parsed.text)
    if not parsed.terms:
        return empty
    walk = await _walk(db, match_expression(parsed.terms), offset + limit)
    total = len(walk.results)
    page_ids = await _page(db, walk, parsed, offset, limit)
    hits = await _hits(db, page_ids, parsed)
    return SearchPage(
        hits=hits,
        offset=offset,
        limit=limit,
        has_more=total > offset + limit,
        terms=parsed.terms,
        query=parsed.text,
        total=total,
        total_exact=walk.done,
    )


async def _page(db: Database, walk: _Walk, query: Query, offset: int, limit: int) -> list[int]:
    """The ids of results offset..offset+limit in page order: digests newest first,
    inside each the best first (module docstring)."""
    by_digest: dict[str, list[int]] = {}
    for item_id, digest_id in walk.results:
        by_digest.setdefault(digest_id, []).append(item_id)
    ordered: list[int] = []
    before = 0  # results in the digests before the ones the page needs
    for ids in by_digest.values():
        if before + len(ids) <= offset:
            before += len(ids)
            continue
        ordered += await _best_first(db, ids, query)
        if before + len(ordered) >= offset + limit:
            break
    return ordered[offset - before : offset - before + limit]


async def _best_first(db: Database, ids: list[int], query: Query) -> list[int]:
    """One digest's results: with a phrase as typed first, then more words in the title,
    then by position."""
    if len(ids) == 1:
        return ids
    # One statement: the titles, and which items have each phrase (an FTS5 look-up over
    # the digest's id range, computed once).
    with_phrase = " + ".join(
        ["(id IN (SELECT rowid FROM items_grams WHERE items_grams MATCH ? "
         "AND rowid BETWEEN ? AND ?))"] * len(query.phrases)
    ) or "0"  # fmt: skip
    parameters: list[object] = []
    for text in query.phrases:
        parameters += [phrase(text), min(ids), max(ids)]
    marks_sql = ",".join("?" * len(ids))
    async with db.execute(
        f"SELECT id, title, position, {with_phrase} FROM items WHERE id IN ({marks_sql})",
        [*parameters, *ids],
    ) as cursor:
        rows = {row[0]: (row[1], row[2], row[3]) for row in await cursor.fetchall()}

    def key(item_id: int) -> tuple[int, int, int, int]:
        title, position, phrases = rows.get(item_id, ("", 0, 0))
        folded = fold(title or "")
        in_title = sum(term in folded for term in query.terms)
        return (-phrases, -in_title, position, -item_id)

    return sorted(ids, key=key)


async def _hits(db: Database, ids: list[int], query: Query) -> list[SearchHit]:
    if not ids:
        return []
    marks_sql = ",".join("?" * len(ids))
    sql = f"""
        SELECT i.id, i.digest_id, i.position, i.title, i.author, i.url, i.summary, i.links,
               d.title AS digest_title, d.published_at, d.source,
               iif(t.link_shared,
                   (SELECT count(DISTINCT s.digest_id) FROM items s
                    WHERE (s.id = coalesce(t.repeat_of, t.id)
                           OR s.repeat_of = coalesce(t.repeat_of, t.id))
                      AND s.digest_id != i.digest_id),
                   (SELECT count(DISTINCT s.digest_id) FROM items s
                    WHERE s.digest_id != i.digest_id
                      AND ((s.story = t.story AND NOT s.link_shared)
                           OR (s.repeat_twin AND s.repeat_of = t.id)))) AS also_in
        FROM items i JOIN digests d ON d.id = i.digest_id
        JOIN items t ON t.id = iif(i.repeat_twin AND i.story IS NOT NULL, i.repeat_of, i.id)
        WHERE i.id IN ({marks_sql})"""
    async with db.execute(sql, ids) as cursor:
        rows = {row["id"]: row for row in await cursor.fetchall()}
    return [_hit(rows[i], query) for i in ids if i in rows]


def _hit(row: aiosqlite.Row, query: Query) -> SearchHit:
    item = item_from_row(row)
    text, written = excerpt(item.title, item.summary or item.title, query.terms, query.phrases)
    return SearchHit(
        item=item,
        digest_id=row["digest_id"],
        digest_title=row["digest_title"],
        published_at=datetime.fromisoformat(row["published_at"]),
        snippet=text,
        also_in=row["also_in"],
        marks=written,
        source=row["source"],
    )


# --- maintenance -------------------------------------------------------------------------


async def merge_search_index(db: Database, pages: int = 500) -> bool:
    """One bounded step (~`pages` leaf pages, tens of ms) of merging the index
    towards a single segment, in its own transaction; False once there is nothing
    left to merge. Each commit adds a segment and a look-up seeks in every one:
    at 200k items an absent mix like `nvidia 芯片` took ~8 ms over 22 segments and
    ~3 ms over one, common words 1-2.5 ms vs < 1 ms. Call it after ingests (or
    on a timer) until it returns False."""
    async with db.transaction() as conn:
        before = conn.total_changes
        # A negative page count merges across levels: an incremental 'optimize'.
        await conn.execute(
            "INSERT INTO items_grams (items_grams, rank) VALUES ('merge', ?)", (-abs(pages),)
        )
        return conn.total_changes - before > 1  # a step with nothing to merge writes one record
