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
from storage.search_index import fold

SNIPPET_CHARS = 160
MAX_MARKS = 8

# Markdown links and images: [text](target), ![alt](target); the text stays.
_MD_LINK = re.compile(r"(!?)\[([^\]\n]*)\]\((?:[^()\s]|\([^()\s]*\))*\)")
_EMPTY_BRACKETS = re.compile(r"\(\s*\)|（\s*）|\[\s*\]|<\s*>")
_LINE_MARKS = re.compile(r"^\s*(?:[-*+>]|#{1,6}|\d+[.)])\s+", re.MULTILINE)
_SENTENCE_END = re.compile(r"[。！？；!?;]|\.\s|\n")
_HAN = re.compile(
    r"[\u2e80-\u2fdf\u3005\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U000323af]"
)
_JOINERS = frozenset("\u200d\ufe0e\ufe0f")


def plain_text(text: str) -> str:
    """A summary's Markdown as one line of text: bold, list and quote marks, code ticks,
    link targets and bare web addresses dropped; link texts kept."""
    text = text.replace("**", "").replace("`", "")
    text = _MD_LINK.sub(lambda m: "" if m.group(1) else m.group(2), text)
    for start, end in reversed(url_spans(text)):
        text = text[:start] + text[end:]
    text = _EMPTY_BRACKETS.sub("", text)
    text = _LINE_MARKS.sub("", text)
    return " ".join(text.split())


def find_terms(text: str, terms: Iterable[str]) -> list[tuple[int, int]]:
    """(start, end) of every occurrence of a term in `text` (folded), outside web
    addresses, earliest first, overlaps merged."""
    folded = fold(text)
    links = url_spans(text)
    found = []
    for term in terms:
        if not term:
            continue
        at = folded.find(term)
        while at >= 0:
            end = at + len(term)
            if not any(start < end and at < stop for start, stop in links):
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


def marks(texts: Iterable[str], terms: list[str]) -> tuple[str, ...]:
    """The words as written in `texts` that matched `terms` (機器人 for 机器人, OpenAI
    for openai): the renderer bolds these."""
    found: list[str] = []
    for text in texts:
        for start, end in find_terms(text, terms):
            written = text[start:end]
            if written not in found and written.lower() not in (t.lower() for t in found):
                found.append(written)
            if len(found) >= MAX_MARKS:
                return tuple(found)
    return tuple(found)


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
    if len(plain) <= width:
        return plain
    hits = find_terms(plain, list(phrases)) or find_terms(plain, terms)
    first = hits[0][0] if hits else 0
    start = _start(plain, first, width)
    end = _end(plain, start, width)
    cut = plain[start:end].strip()
    return ("…" if start > 0 else "") + cut + ("…" if end < len(plain) else "")


def _start(plain: str, first: int, width: int) -> int:
    if first <= width // 4:
        return 0
    start = min(first - width // 4, len(plain) - width)
    # A sentence that begins shortly before the match: start there.
    sentence = None
    for match in _SENTENCE_END.finditer(plain, max(0, first - width // 3), first):
        sentence = match.end()
    if sentence is not None:
        start = sentence
    elif start > 0 and _word_char(plain[start - 1]):
        while start < first and _word_char(plain[start]):
            start += 1  # not in the middle of a word
    while start < first and (plain[start].isspace() or _joined(plain[start])):
        start += 1
    return max(0, start)


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
