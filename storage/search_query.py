"""A user's search query as the words the index is asked for (storage/search.py).

- Folded like the index (storage/search_index.py fold): case, full-width forms,
  traditional Chinese (機器人 is 机器人).
- Split on whitespace, then where the script changes between Chinese and anything
  else (`Reachy机器人` is `reachy` + `机器人`), and each Chinese run into words by
  jieba's dictionary (rjieba, its Rust port): Chinese readers do not type spaces, so
  `开源模型` is `开源` + `模型`. Every word is required (AND); a chunk typed without
  spaces that became several words is also kept as a phrase, and items with the phrase
  as written rank first within a digest.
- One-character function words (的, 了, 和...) are dropped when other words remain.
- English possessives and plurals fold to the word (`OpenAI's`, `Nvidia’s`, `agents`:
  `openai`, `nvidia`, `agent`): a search is for substrings, so the shorter word finds
  the longer too, and nothing the full word found is lost.
- Everything else is plain text to search for, FTS5 syntax included.

The segmenter's dictionary loads in ~0.1-0.2 s on first use: storage/search.py's
warm_up() loads it (and the fold table) off the event loop.
"""

from __future__ import annotations

import operator
import re
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from storage.search_index import RUN_SPLIT, fold, trigrams

MAX_QUERY_CHARS = 1_000  # more is not a query; the cut bounds the work on hostile input
MAX_TERMS = 16  # more AND-ed terms than this only narrow a result nobody reads
MAX_TERM_CHARS = 100  # longer terms are cut (the cut term matches a superset)
MAX_PHRASES = 4

# Punctuation kept at the ends of a term because it means something there: C#, 100%, @user.
_KEEP_AT_ENDS = frozenset("#%&@")
# Han characters (after folding: no compatibility ideographs left), 々 and 〇 included.
_HAN = (
    "\u2e80-\u2fdf\u3005\u3007\u3021-\u3029\u3038-\u303b\u3400-\u4dbf\u4e00-\u9fff"
    "\uf900-\ufaff\U00020000-\U000323af"
)
_SCRIPT_RUNS = re.compile(f"[{_HAN}]+|[^{_HAN}]+")
_IS_HAN = re.compile(f"[{_HAN}]")
# One-character words that carry no meaning of their own in a query (的 in 阿里巴巴的开源模型).
STOP_WORDS = frozenset("的地得了着过和与及或是在把被吗呢吧啊之于")


@dataclass(frozen=True)
class Query:
    text: str  # as typed (trimmed), for the page's header
    terms: list[str] = field(default_factory=list)  # folded words, all required
    phrases: list[str] = field(default_factory=list)  # folded chunks of several words


# --- the segmenter -----------------------------------------------------------------------

_cut: Callable[[str], list[str]] | None = None
_cut_lock = threading.Lock()


def load_segmenter() -> Callable[[str], list[str]]:
    """rjieba's cut (its dictionary loads on import: call this off the event loop)."""
    global _cut
    if _cut is None:
        with _cut_lock:
            if _cut is None:
                import rjieba

                rjieba.cut("预热")  # anything lazy in the binding happens now
                _cut = rjieba.cut
    return _cut


def segmenter_ready() -> bool:
    return _cut is not None


# --- terms -------------------------------------------------------------------------------


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


def clean_text(text: str) -> str:
    """The query as typed, trimmed, without lone surrogates (they cannot be stored)."""
    return text.encode("utf-8", "ignore").decode("utf-8").strip()


def has_terms(text: str) -> bool:
    """Whether `text` has anything to search for; cheap (no dictionary), same answer as
    `bool(parse_query(text).terms)`."""
    chunks = RUN_SPLIT.split(clean_text(text)[:MAX_QUERY_CHARS])
    return any(_has_content(_strip_term(chunk)) for chunk in chunks)


_POSSESSIVE = re.compile(r"(?<=[a-z0-9])['’‘]s?$")
_PLURAL_KEPT = frozenset(("news", "series", "species", "always", "various", "perhaps"))


def singular(word: str) -> str:
    """An English word without its possessive or plural ending (`openai's` -> `openai`,
    `models` -> `model`); other words as they are. Folded (lower case) input."""
    word = _POSSESSIVE.sub("", word)
    if (
        len(word) >= 4
        and word.isascii()
        and word.isalpha()
        and word.endswith("s")
        and not word.endswith(("ss", "is"))  # class, analysis: not plurals
        and word not in _PLURAL_KEPT
    ):
        return word[:-1]
    return word


def _words(chunk: str, cut: Callable[[str], list[str]]) -> list[str]:
    words = []
    for piece in _SCRIPT_RUNS.findall(chunk):
        if _IS_HAN.match(piece):
            words += cut(piece)
        else:
            piece = singular(_strip_term(piece))
            if piece and _has_content(piece):
                words.append(piece)
    return words


def parse_query(text: str) -> Query:
    """The words and phrases of `text` (module docstring). Never raises on user text."""
    text = clean_text(text)
    cut = load_segmenter()
    terms: list[str] = []
    phrases: list[str] = []
    for raw in RUN_SPLIT.split(fold(text[:MAX_QUERY_CHARS])):
        chunk = _strip_term(raw)
        if not chunk or not _has_content(chunk):
            continue
        words = _words(chunk, cut)
        if len(words) > 1 and len(chunk) <= MAX_TERM_CHARS and chunk not in phrases:
            phrases.append(chunk)
        for word in words:
            word = word[:MAX_TERM_CHARS]
            if word not in terms:
                terms.append(word)
    meaningful = [t for t in terms if t not in STOP_WORDS]
    if meaningful:
        terms = meaningful
    kept = [t for t in terms if not any(t != other and t in other for other in terms)]
    return Query(text=text, terms=kept[:MAX_TERMS], phrases=phrases[:MAX_PHRASES])


def query_terms(text: str) -> list[str]:
    """The folded words every result must contain (parse_query)."""
    return parse_query(text).terms


# --- FTS5 expressions ----------------------------------------------------------------------


def _fts_string(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def phrase(term: str) -> str:
    """The term as its gram (1-2 characters), else the phrase of its trigrams (ASCII)
    or bigrams (storage/search.py docstring): a quoted string, never syntax."""
    if len(term) <= 2:
        return _fts_string(term)
    if term.isascii():
        return _fts_string(" ".join(trigrams(term)))
    return _fts_string(" ".join(map(operator.add, term, term[1:])))


def match_expression(terms: list[str]) -> str:
    """The FTS5 MATCH expression for AND-ed terms."""
    return " AND ".join(phrase(term) for term in terms)
