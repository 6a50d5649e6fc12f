"""What a search result shows of an item: a snippet of its summary around the match,
and the words as written that matched (for bold), never inside a link.

Matching is on the folded text (storage/search_index.py fold), which has the same
length as the original, so a position found there is the position in the original:
机器人 finds and marks 機器人 as written.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from bot.digest.links import url_spans
from bot.digest.spans import plain_text as spans_text
from bot.digest.spans import summary_spans
from storage.search_index import fold

SNIPPET_CHARS = 160
MAX_MARKS = 8

_EMPTY_BRACKETS = re.compile(r"\(\s*\)|（\s*）|\[\s*\]|<\s*>")
_LINE_MARKS = re.compile(r"^\s*(?:[-*+>]|#{1,6}|\d+[.)])\s+", re.MULTILINE)
_SENTENCE_END = re.compile(r"[。！？；!?;]|\.\s|\n")
_CLAUSE_END = re.compile(r"[，、：,:）)]|\s")
_HAN = re.compile(
    r"[\u2e80-\u2fdf\u3005\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U000323af]"
)
_JOINERS = frozenset("\u200d\ufe0e\ufe0f")


def plain_text(text: str) -> str:
    """A summary's Markdown as one line of text: its spans' text (the reading rendering
    uses: bold, italic, link targets and images gone, link texts kept), then code
    ticks, list and quote marks and bare web addresses dropped."""
    text = spans_text(summary_spans(text)).replace("`", "")
    for start, end in reversed(url_spans(text)):
        text = text[:start] + text[end:]
    text = _EMPTY_BRACKETS.sub("", text)
    text = _LINE_MARKS.sub("", text)
    return " ".join(text.split())


def find_terms(
    text: str, terms: Iterable[str], folded: str | None = None, *, links: bool = True
) -> list[tuple[int, int]]:
    """(start, end) of every occurrence of a term in `text` (folded: pass fold(text)
    when known), outside web addresses (links=False: the text has none), earliest
    first, overlaps merged."""
    folded = fold(text) if folded is None else folded
    spans = url_spans(text) if links else []
    found = []
    for term in terms:
        if not term:
            continue
        at = folded.find(term)
        while at >= 0:
            end = at + len(term)
            if not any(start < end and at < stop for start, stop in spans):
                found.append((at, end))
            at = folded.find(term, at + 1)
    found.sort()
    merged: list[tuple[int, int]] = []
    for start, end in found:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _written(text: str, spans: list[tuple[int, int]], found: list[str]) -> None:
    """Add the words as written at `spans` of `text` to `found` (once, any case)."""
    for start, end in spans:
        written = text[start:end]
        if len(found) < MAX_MARKS and written.lower() not in (w.lower() for w in found):
            found.append(written)


def marks(texts: Iterable[str], terms: list[str]) -> tuple[str, ...]:
    """The words as written in `texts` that matched `terms` (機器人 for 机器人, OpenAI
    for openai): the renderer bolds these."""
    found: list[str] = []
    for text in texts:
        _written(text, find_terms(text, terms), found)
    return tuple(found)


def excerpt(
    title: str, summary: str, terms: list[str], phrases: Iterable[str] = ()
) -> tuple[str, tuple[str, ...]]:
    """A result's snippet of `summary` (snippet()) and the words as written that matched
    in the title and the snippet (marks()), folding each text once."""
    plain = plain_text(summary)
    folded = fold(plain)
    hits = find_terms(plain, terms, folded, links=False)
    text, start, end = _cut(plain, folded, hits, phrases, SNIPPET_CHARS)
    found: list[str] = []
    _written(title, find_terms(title, terms), found)
    _written(plain, [(a, b) for a, b in hits if start <= a and b <= end], found)
    return text, tuple(found)


def _word_char(char: str) -> bool:
    """A character that is part of a word a cut must not split: Latin, digits, kana...
    Chinese characters are words of their own (any boundary between them is fine)."""
    return char.isalnum() and not _HAN.match(char)


def _joined(char: str) -> bool:
    """A character that belongs to the one before it (accents, emoji joiners)."""
    return char in _JOINERS or unicodedata.category(char) in ("Mn", "Mc", "Me")


def snippet(
    text: str, terms: list[str], width: int = SNIPPET_CHARS, phrases: Iterable[str] = ()
) -> str:
    """About `width` characters of `text` as plain text (plain_text), around the first
    phrase found, else the first term; it starts at a sentence, word or character
    boundary, and "…" marks the ends that were cut."""
    plain = plain_text(text)
    folded = fold(plain)
    hits = find_terms(plain, terms, folded, links=False)
    return _cut(plain, folded, hits, phrases, width)[0]


def _cut(
    plain: str,
    folded: str,
    hits: list[tuple[int, int]],
    phrases: Iterable[str],
    width: int,
) -> tuple[str, int, int]:
    """(the snippet, its start and end in `plain`)."""
    if len(plain) <= width:
        return plain, 0, len(plain)
    at_phrase = [folded.find(text) for text in phrases]
    at_phrase = [at for at in at_phrase if at >= 0]
    first = min(at_phrase) if at_phrase else (hits[0][0] if hits else 0)
    start = _start(plain, first, width)
    end = _end(plain, start, width)
    cut = plain[start:end].strip()
    text = ("…" if start > 0 else "") + cut + ("…" if end < len(plain) else "")
    return text, start, end


def _start(plain: str, first: int, width: int) -> int:
    """Where a snippet around position `first` begins: a sentence that begins shortly
    before the match; else near first - width/4 after a clause mark or a space (not in
    the middle of 来源 or of a Latin word)."""
    if first <= width // 4:
        return 0
    target = max(0, min(first - width // 4, len(plain) - width))
    low = max(0, first - width // 3)
    sentence = [match.end() for match in _SENTENCE_END.finditer(plain, low, first)]
    if sentence:
        start = sentence[-1]
    else:
        clauses = [match.end() for match in _CLAUSE_END.finditer(plain, low, first)]
        start = min(clauses, key=lambda at: abs(at - target)) if clauses else target
        if start > 0 and _word_char(plain[start - 1]):
            while start < first and _word_char(plain[start]):
                start += 1  # not in the middle of a word
    while start < first and (plain[start].isspace() or _joined(plain[start])):
        start += 1
    return start


def _end(plain: str, start: int, width: int) -> int:
    end = min(len(plain), start + width)
    if end < len(plain) and _word_char(plain[end - 1]) and _word_char(plain[end]):
        word_start = end
        while word_start > start and _word_char(plain[word_start - 1]):
            word_start -= 1
        if word_start - start > width // 2:
            end = word_start
    while start < end < len(plain) and (_joined(plain[end]) or plain[end - 1] == "\u200d"):
        end -= 1
    return end
