"""The language of an item and of a source, measured from the text. Pure; no I/O.

An item is Chinese when its Chinese characters outweigh its Latin letters (a Chinese
character carries about what a short Latin word does, so each counts for three
letters): a canonical item has an English headline over a Chinese summary, and is
Chinese. An item with too little text to tell (links only) has no language.
A source is "zh" or "en" when at least 80% of its recent items that have a language
are in it, "mixed" otherwise, and "mixed" too while fewer than MIN_ITEMS can tell.
"""

from __future__ import annotations

import re

ZH, EN, MIXED = "zh", "en", "mixed"
LANGUAGES = (ZH, EN, MIXED)
MIN_ITEMS = 5  # items with a language before a source is more than "mixed"
SHARE = 0.8  # of those items in one language to call the source by it
CJK_WEIGHT = 3
MIN_LETTERS = 12  # weighted letters below which an item's language cannot be told

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")
_URL = re.compile(r"https?://\S+|\]\([^)\s]*\)")


def text_language(title: str | None, summary: str | None) -> str | None:
    """ "zh", "en", or None when the item has too little text to tell."""
    text = _URL.sub(" ", f"{title or ''}\n{summary or ''}")
    cjk = len(_CJK.findall(text)) * CJK_WEIGHT
    latin = len(_LATIN.findall(text))
    if cjk + latin < MIN_LETTERS:
        return None
    return ZH if cjk >= latin else EN


def source_language(zh_items: int | None, en_items: int | None) -> str:
    """A source's language from how many of its recent items are in each."""
    zh, en = zh_items or 0, en_items or 0
    if zh + en < MIN_ITEMS:
        return MIXED
    if zh >= SHARE * (zh + en):
        return ZH
    if en >= SHARE * (zh + en):
        return EN
    return MIXED
