"""One story in two languages: what of an item survives its translation, and how alike two
items of different languages are by it. Pure functions; bot/digest/stories.py uses them in
find_repeats, for items of different languages only (bot/digest/languages.py tells an
item's language).

A translation keeps names, model versions, numbers and links ("GPT-5.6", "Kimi K3",
"$4 billion" = "40 亿美元") and writes the common words in the other language. An item's
*signature* is what can be compared across languages:
- Latin words (names, versions: "gpt-5.6", "k3"), without the commonest English words;
- numbers with their units as values ("$4 billion", "40 亿", "4B" are all #4e+09; 亿, 万,
  billion, million, k fold);
- the concepts of bot/digest/bilingual_terms.py ("~model" for 模型 and "model").
Two signatures are compared by the weight of what they share (rarer tokens weigh more:
inverse document frequency over the items compared) against the lighter signature.
Measured on the corpus's zh/en twins by bench/repeats.py.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from functools import lru_cache

from bot.digest.bilingual_terms import parse_terms

_LINK = re.compile(r"\]\([^)\s]*\)|https?://\S+")
_WORD = re.compile(r"[a-z][a-z0-9]*(?:[.\-_][a-z0-9]+)*")
_NUMBER = re.compile(
    r"(?<![a-z0-9.])(\d+(?:[.,]\d+)*)\s?"
    r"(trillion|billion|million|thousand|bn|万亿|亿|万|千|[kmbt](?![a-z]))?",
)
_UNITS = {"trillion": 1e12, "万亿": 1e12, "t": 1e12, "billion": 1e9, "bn": 1e9, "b": 1e9,
          "亿": 1e8, "million": 1e6, "m": 1e6, "万": 1e4, "thousand": 1e3, "k": 1e3,
          "千": 1e3}  # fmt: skip
# fmt: off
_STOP = frozenset((
    "the", "an", "of", "to", "in", "on", "for", "and", "or", "is", "are", "was", "were", "be",
    "with", "by", "as", "at", "from", "its", "it", "this", "that", "these", "those", "has",
    "have", "had", "not", "but", "can", "will", "now", "new", "more", "most", "than", "into",
    "about", "after", "over", "just", "all", "any", "also", "their", "they", "them", "you",
    "your", "we", "our", "he", "she", "his", "her", "who", "what", "how", "why", "when",
    "which", "while", "some", "one", "two", "no", "so", "if", "do", "does", "up", "out",
    "via", "vs", "per", "like", "get", "gets", "make", "makes", "using", "use", "used",
    "activity", "ai", "re", "billion", "million", "trillion", "thousand", "dollar",
))
# fmt: on
MIN_SHARED, MIN_NAMES = 3, 2  # tokens two items must share to be compared, names among them


@lru_cache(maxsize=1)
def _concepts() -> tuple[re.Pattern[str], dict[str, str], dict[str, str]]:
    """(Chinese spellings' pattern, spelling -> concept, English word or phrase ->
    concept), longest spellings first so 大语言模型 wins over 模型."""
    zh: dict[str, str] = {}
    en: dict[str, str] = {}
    for spellings, words, concept in parse_terms():
        for spelling in spellings:
            zh.setdefault(spelling, concept)
        for word in words:
            en.setdefault(word, concept)
    zh_pattern = re.compile("|".join(map(re.escape, sorted(zh, key=len, reverse=True))))
    return zh_pattern, zh, en


def _english_concepts(words: list[str], en: Mapping[str, str]) -> set[str]:
    """The concepts of English words and phrases of up to three words (a plural "s"
    dropped): one dictionary look-up each, where a pattern of every term was ten times
    slower."""
    parts = [part for word in words for part in word.split("-") if part]
    found = set()
    for n in (1, 2, 3):
        for i in range(len(parts) - n + 1):
            phrase = " ".join(parts[i : i + n])
            concept = en.get(phrase) or (en.get(phrase[:-1]) if phrase.endswith("s") else None)
            if concept:
                found.add("~" + concept)
    for word in words:  # hyphenated terms: "open-source", "fine-tuning"
        if "-" in word and word in en:
            found.add("~" + en[word])
    return found


def _number(digits: str, unit: str | None) -> str | None:
    try:
        value = float(digits.replace(",", ""))
    except ValueError:
        return None
    return f"#{value * _UNITS.get(unit or '', 1.0):.4g}"


@lru_cache(maxsize=8192)
def signature(title: str, summary: str = "") -> frozenset[str]:
    """What of an item's headline and summary survives translation: Latin words, numbers
    with units as values (#...), concepts (~...). Cached: each ingest compares a new digest
    with the week before it, mostly the items the previous ingest read (~100 us each)."""
    text = unicodedata.normalize("NFKC", f"{title}\n{summary}").lower()
    text = _LINK.sub(" ", text)
    zh_pattern, zh, en = _concepts()
    tokens = {"~" + zh[spelling] for spelling in zh_pattern.findall(text)}
    words = _WORD.findall(text)
    tokens |= _english_concepts(words, en)
    for digits, unit in _NUMBER.findall(text):
        number = _number(digits, unit)
        if number:
            tokens.add(number)
    for word in words:
        word = word.removesuffix("s") if len(word) > 4 and word.endswith("s") else word
        if len(word) >= 2 and word not in _STOP and word not in en:
            tokens.add(word)
    return frozenset(tokens)


def weights(signatures: Iterable[frozenset[str]]) -> dict[str, float]:
    """Inverse document frequency of each token over `signatures`: log(n / df)."""
    df: dict[str, int] = {}
    n = 0
    for sig in signatures:
        n += 1
        for token in sig:
            df[token] = df.get(token, 0) + 1
    return {token: math.log((n + 1) / count) for token, count in df.items()}


def alike(a: frozenset[str], b: frozenset[str], idf: Mapping[str, float]) -> float:
    """0-100: the weight of the tokens `a` and `b` share against the lighter of the two;
    0 unless they share MIN_SHARED tokens, MIN_NAMES of them names or numbers (concepts,
    "~model" and "~release", say little; a headline alone, "Claude Code", too little)."""
    common = a & b
    if len(common) < MIN_SHARED or sum(not t.startswith("~") for t in common) < MIN_NAMES:
        return 0.0
    shared = sum(idf.get(t, 0.0) for t in common)
    lighter = min(sum(idf.get(t, 0.0) for t in a), sum(idf.get(t, 0.0) for t in b))
    return 100.0 * shared / lighter if lighter > 0 else 0.0
