"""Traditional Chinese characters as their simplified forms, character by character.

OpenCC's t2s character dictionary (the opencc package ships it: nothing is downloaded),
asked once about every Han character (~0.2 s, thread-safe; call it off the event loop).
Character by character, never by phrase, so a word folds the same alone as inside a
sentence and lengths do not change. Read by search (storage/search_index.py: the index
sees one spelling of each character) and by the topics (bot/digest/topic_rules.py:
"輝達發布晶片" is read as "辉达发布晶片").
"""

from __future__ import annotations

import threading

# Han blocks (radicals, CJK unified ideographs A-H, compatibility ideographs): the
# characters OpenCC's table is asked about.
HAN_RANGES = (
    (0x2E80, 0x2FDF),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0x20000, 0x2A6DF),
    (0x2A700, 0x2EBEF),
    (0x2F800, 0x2FA1F),
    (0x30000, 0x323AF),
)

_table: dict[str, str] | None = None
_lock = threading.Lock()


def traditional_to_simplified() -> dict[str, str]:
    """Han character -> its simplified form, for the characters OpenCC changes to one
    other character."""
    global _table
    if _table is None:
        with _lock:
            if _table is None:
                _table = _build()
    return _table


def _build() -> dict[str, str]:
    import opencc  # here: the dictionary loads on first use

    han = [chr(code) for first, last in HAN_RANGES for code in range(first, last + 1)]
    # One call; the newlines keep OpenCC's phrase matching from joining characters.
    simplified = opencc.OpenCC("t2s").convert("\n".join(han)).split("\n")
    if len(simplified) != len(han):
        raise RuntimeError("OpenCC changed the number of characters of the Han table")
    return {c: s for c, s in zip(han, simplified, strict=True) if len(s) == 1 and s != c}


_ords: dict[int, str] | None = None


def simplify(text: str) -> str:
    """`text` with its traditional characters simplified (same length)."""
    global _ords
    if text.isascii():
        return text
    if _ords is None:
        _ords = {ord(c): s for c, s in traditional_to_simplified().items()}
    return text.translate(_ords)
