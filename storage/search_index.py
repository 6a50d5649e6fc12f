"""What the search index stores of an item: its searchable text, its grams, its story.

Pure functions, registered as SQL functions on every connection (storage/db.py
prepare_connection) because the triggers of migrations 002 and 007 call them. The
layout of the grams and why it is so: storage/search.py's docstring. Change these and
a migration must rebuild the index (it is contentless: deletes must see the tokens
the inserts saw).

Folding (`fold`): the index and the queries see one spelling of each character:
lowercase, NFKC where it gives one character (full-width ＧＰＴ is gpt, ① is 1,
compatibility ideographs are the unified ones), and traditional Chinese as simplified
(機器人 is 机器人). Character by character, never by phrase, so a word folds the same
alone (a query) as inside a sentence (the index), and positions in the folded text are
positions in the original (snippets and highlights rely on it).
The traditional-to-simplified table is OpenCC's (t2s) character dictionary
(bot/digest/han.py), read once (`load_fold_table`, ~0.2 s: call it off the event loop,
see storage/search.py warm_up). Its contents are part of the index layout:
FOLD_TABLE_FINGERPRINT pins them (tests/test_search.py checks it), so an OpenCC upgrade
that changes a character is noticed before it silently mismatches the index.
"""

from __future__ import annotations

import hashlib
import operator
import re
import threading
import unicodedata
from collections.abc import Iterator

from bot.digest.han import HAN_RANGES, traditional_to_simplified
from bot.digest.links import normalize_url
from bot.digest.spans import plain_text, summary_spans

# Runs are split on whitespace and on control characters (SQLite's unicode61
# treats Cc as separators; doing the same here keeps both sides in step).
RUN_SPLIT = re.compile(r"[\s\x00-\x1f\x7f-\x9f]+")
# A run's stretches of ASCII characters long enough to have trigrams.
_ASCII_STRETCH = re.compile(r"[\x00-\x7f]{3,}")
# Between two stretches' trigrams: four characters, so never a query's token.
_STRETCH_END = "----"

_LAST_CODE_POINT = HAN_RANGES[-1][1]
# sha256 of the fold table (code point -> character) that migration 007 indexed with.
FOLD_TABLE_FINGERPRINT = "693effa4e7dcc4acfc6df2e1492b62bec5e1a578809b1649c970f50a54ebc594"

_fold_table: dict[int, str] | None = None
_fold_lock = threading.Lock()


def load_fold_table() -> dict[int, str]:
    """The fold table (built once, thread-safe; ~0.2 s the first time)."""
    global _fold_table
    if _fold_table is None:
        with _fold_lock:
            if _fold_table is None:
                _fold_table = _build_fold_table()
    return _fold_table


def fold_table_ready() -> bool:
    return _fold_table is not None


def _build_fold_table() -> dict[int, str]:
    t2s = traditional_to_simplified()  # off the event loop: ~0.2 s the first time
    table: dict[int, str] = {}
    for code in range(0x80, _LAST_CODE_POINT + 1):
        char = chr(code)
        if 0xD800 <= code < 0xE000 or not (
            char in t2s or char.lower() != char or unicodedata.decomposition(char)
        ):
            continue
        folded = _one(unicodedata.normalize("NFKC", char), char)
        folded = _one(folded.lower(), folded)
        folded = t2s.get(folded, folded)
        if folded != char:
            table[code] = folded
    for code, folded in table.items():  # to a fixed point: fold(fold(x)) == fold(x)
        seen = {folded}
        while ord(folded) in table and table[ord(folded)] not in seen:
            folded = table[ord(folded)]
            seen.add(folded)
        table[code] = folded
    return table


def _one(result: str, char: str) -> str:
    """`result` if it is one character, else `char`: folding never changes lengths."""
    return result if len(result) == 1 else char


def fold_table_fingerprint(table: dict[int, str]) -> str:
    data = "".join(f"{code:x}={folded}\n" for code, folded in sorted(table.items()))
    return hashlib.sha256(data.encode("utf-8", "surrogatepass")).hexdigest()


def fold(text: str) -> str:
    """`text` in the one spelling the index uses; same length, position for position."""
    lowered = text.lower()
    if len(lowered) != len(text):  # a few characters lowercase to two ("İ")
        lowered = "".join(_one(char.lower(), char) for char in text)
    return lowered.translate(load_fold_table())


def search_text(title: str | None, author: str | None, summary: str | None) -> str:
    """What the index sees of an item: title, author, and the summary's text as
    rendering reads it (bot/digest/spans.py: no markup, no link targets, no images;
    a stray `**` in a title goes too); folded."""
    head, body = (plain_text(summary_spans(text)) if text else "" for text in (title, summary))
    return fold(f"{head}\n{author or ''}\n{body}")


def search_grams(title: str | None, author: str | None, summary: str | None) -> str:
    """The token stream of `items_grams` (storage/search.py docstring)."""
    tokens: list[str] = []
    for run in RUN_SPLIT.split(search_text(title, author, summary)):
        stretches = [run] if run.isascii() else _ASCII_STRETCH.findall(run)
        for n, stretch in enumerate(stretches):
            if n:
                tokens.append(_STRETCH_END)  # the previous stretch's trigrams end here
            tokens += trigrams(stretch)
        tokens += map(operator.add, run, run[1:])
        tokens += run
    return " ".join(tokens)


def trigrams(text: str) -> Iterator[str]:
    return map(operator.add, map(operator.add, text, text[1:]), text[2:])


def story_key(url: str | None) -> str | None:
    """items.story: the item's link as one key (bot/digest/links.py), None without one.
    Items of different digests with one key are one story (search lists it once)."""
    return normalize_url(url) or None
