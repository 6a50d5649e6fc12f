"""What the search index stores of an item: its searchable text and its grams.

Pure functions, registered as SQL functions on every connection (storage/db.py
prepare_connection) because the triggers of migration 002 call them. The layout
of the grams and why it is so: storage/search.py's docstring. Change these and a
migration must rebuild the index (it is contentless: deletes must see the tokens
the inserts saw).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Iterator

# Runs are split on whitespace and on control characters (SQLite's unicode61
# treats Cc as separators; doing the same here keeps both sides in step).
RUN_SPLIT = re.compile(r"[\s\x00-\x1f\x7f-\x9f]+")
# A run's stretches of ASCII characters long enough to have trigrams.
_ASCII_STRETCH = re.compile(r"[\x00-\x7f]{3,}")
# Between two stretches' trigrams: four characters, so never a query's token.
_STRETCH_END = "----"


def search_text(title: str | None, author: str | None, summary: str | None) -> str:
    """What the index sees of an item: title, author, summary; no bold markup; lowercase."""
    text = f"{title or ''}\n{author or ''}\n{summary or ''}"
    return text.replace("**", "").lower()


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
