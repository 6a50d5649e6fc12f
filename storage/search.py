"""Full-text search over digest items: newest first, every query an index look-up.

One contentless FTS5 table, `items_grams`, rowid = items.id, kept in step by the
triggers of migration 002 (they call the SQL functions registered at the bottom
of this module). Its text is emitted here, per run of non-space characters of
search_text(): the trigrams of each ASCII stretch of the run (3+ characters),
then the run's bigrams, then its characters; the unicode61 tokenizer (every
non-space character a token character) keeps each gram one token. A query term is
- 1 character (芯, x): one unigram token;
- 2 characters (模型, 芯片, AI, 4o): one bigram token: the most common Chinese
  queries, and `AI` finds `OpenAI` by index, not by a scan;
- 3+ ASCII characters (openai, gpt-5): the phrase of its trigrams, which the
  ASCII stretch it sits in has;
- 3+ characters, some not ASCII (开源模型, openai的): the phrase of its bigrams.
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

The index is contentless: the triggers delete with the values they inserted.
Change search_text() or search_grams() and you must rebuild the index
in the same migration (see migration 005).
"""

from __future__ import annotations

import operator
import unicodedata
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.digest.models import Item
from storage.db import Database
from storage.digests import item_from_row
from storage.search_index import RUN_SPLIT, trigrams

MAX_TERMS = 16  # more AND-ed terms than this only narrow a result nobody reads
MAX_TERM_CHARS = 100  # longer terms are cut (the cut term matches a superset)
MAX_LIMIT = 50
SNIPPET_CHARS = 160

# Punctuation kept at the ends of a term because it means something there: C#, 100%, @user.
_KEEP_AT_ENDS = frozenset("#%&@")

# --- query terms ----------------------------------------------------------------------


def _strip_term(term: str) -> str:
    start, end = 0, len(term)
    while start < end and _is_strippable(term[start]):
        start += 1
    while end > start and _is_strippable(term[end - 1]):
        end -= 1
    return term[start:end]


def _is_strippable(char: str) -> bool:
    return unicodedata.category(char).startswith("P") and char not in _KEEP_AT_ENDS


def _has_content(term: str) -> bool:
    return any(not unicodedata.category(char).startswith("P") for char in term)


def query_terms(query: str) -> list[str]:
    """The terms of a user's query: whitespace-separated, lowercased, wrapping
    punctuation ("OpenAI", (模型), open*) stripped, pure punctuation dropped,
    duplicates and terms contained in another term dropped (AND makes them
    redundant). Everything else is plain text to search for, FTS5 syntax included."""
    terms: list[str] = []
    query = query.encode("utf-8", "ignore").decode("utf-8")  # lone surrogates cannot be bound
    for raw in RUN_SPLIT.split(query.lower()):
        term = _strip_term(raw)[:MAX_TERM_CHARS]
        if term and _has_content(term) and term not in terms:
            terms.append(term)
    kept = [t for t in terms if not any(t != other and t in other for other in terms)]
    return kept[:MAX_TERMS]


def _fts_string(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _phrase(term: str) -> str:
    """The term as its gram (1-2 characters), else the phrase of its trigrams (ASCII)
    or bigrams (module docstring)."""
    if len(term) <= 2:
        return _fts_string(term)
    if term.isascii():
        return _fts_string(" ".join(trigrams(term)))
    return _fts_string(" ".join(map(operator.add, term, term[1:])))


def match_expression(terms: list[str]) -> str:
    """The FTS5 MATCH expression for AND-ed terms; each a quoted string, never syntax."""
    return " AND ".join(_phrase(term) for term in terms)


async def match_ids(
    db: Database, terms: list[str], *, offset: int = 0, limit: int | None = None
) -> list[int]:
    """ids of the items matching every term, newest first (limit None: all)."""
    if not terms:
        return []
    sql = (
        "SELECT rowid FROM items_grams WHERE items_grams MATCH ? "
        "ORDER BY rowid DESC LIMIT ? OFFSET ?"
    )
    parameters = (match_expression(terms), -1 if limit is None else limit, offset)
    async with db.execute(sql, parameters) as cursor:
        return [row[0] for row in await cursor.fetchall()]


# --- results --------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchHit:
    item: Item
    digest_id: str
    digest_title: str
    published_at: datetime
    snippet: str  # plain text around the first match, "…" where cut


@dataclass(frozen=True)
class SearchPage:
    hits: list[SearchHit]
    offset: int
    limit: int
    has_more: bool
    terms: list[str]  # the normalised terms, for highlighting


async def search(db: Database, query: str, *, offset: int = 0, limit: int = 5) -> SearchPage:
    """A page of items matching every word of `query`, newest digest first; within a
    digest, items whose title matches more terms first. Never raises on user text."""
    offset = max(0, int(offset))
    limit = max(1, min(MAX_LIMIT, int(limit)))
    terms = query_terms(query)
    ids = await match_ids(db, terms, offset=offset, limit=limit + 1)
    has_more = len(ids) > limit
    ids = ids[:limit]
    if not ids:
        return SearchPage(hits=[], offset=offset, limit=limit, has_more=False, terms=terms)
    marks = ",".join("?" * len(ids))
    sql = f"""
        SELECT i.id, i.digest_id, i.position, i.title, i.author, i.url, i.summary, i.links,
               d.title AS digest_title, d.published_at
        FROM items i JOIN digests d ON d.id = i.digest_id
        WHERE i.id IN ({marks})
        ORDER BY i.id DESC"""
    async with db.execute(sql, ids) as cursor:
        rows = await cursor.fetchall()
    hits = [_hit(row, terms) for row in rows]
    hits = _best_first_within_digest(hits, terms)
    return SearchPage(hits=hits, offset=offset, limit=limit, has_more=has_more, terms=terms)


def _hit(row: aiosqlite.Row, terms: list[str]) -> SearchHit:
    item = item_from_row(row)
    return SearchHit(
        item=item,
        digest_id=row["digest_id"],
        digest_title=row["digest_title"],
        published_at=datetime.fromisoformat(row["published_at"]),
        snippet=snippet(item.summary or item.title, terms),
    )


def _best_first_within_digest(hits: list[SearchHit], terms: list[str]) -> list[SearchHit]:
    """Keep the digests in time order; inside one, more terms in the title first."""
    digest_rank: dict[str, int] = {}
    for hit in hits:
        digest_rank.setdefault(hit.digest_id, len(digest_rank))

    def key(hit: SearchHit) -> tuple[int, int, int]:
        title = hit.item.title.lower()
        in_title = sum(term in title for term in terms)
        return (digest_rank[hit.digest_id], -in_title, hit.item.position)

    return sorted(hits, key=key)


def snippet(text: str, terms: list[str], width: int = SNIPPET_CHARS) -> str:
    """About `width` characters of `text` around the first match of any term,
    `**` removed, whitespace collapsed, "…" at the ends that were cut."""
    plain = " ".join(text.replace("**", "").split())
    if len(plain) <= width:
        return plain
    lowered = plain.lower()
    positions = [lowered.find(term) for term in terms] if len(lowered) == len(plain) else []
    found = [p for p in positions if p >= 0]
    first = min(found) if found else 0
    start = max(0, min(first - width // 4, len(plain) - width))
    end = start + width
    return ("…" if start > 0 else "") + plain[start:end].strip() + ("…" if end < len(plain) else "")


# --- maintenance ----------------------------------------------------------------------


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
