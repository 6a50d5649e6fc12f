"""The learned topic classifier: a linear model over the item's words, character n-grams and
the rules' findings, scored in pure Python.

Features (`features`): the headline and the summary's lead (bot/digest/topic_rules: `_parts`,
cleaned as the rules clean them: NFKC, lower case, no link targets), each read for
- Latin words ("nvidia", digits folded: "gpt-0.0" for "gpt-5.2"; hyphenated and dotted
  words also piece by piece) and their character n-grams ("<gp", "gpu>"), so inflections
  and compounds share evidence,
- Chinese (and other CJK) characters and pairs of characters,
each part's features weighing 1/sqrt(how many it has) (the headline times TITLE_WEIGHT
from the model file), plus what the hand-written rules found for each topic
(bot/digest/topic_rules.all_hits): its score and its hits by place and weight.

The model (bot/digest/topic_model.json, made by tools/train_topics.py from the hand labels
of many sources, its thresholds chosen on sources it was not trained on) holds one weight
per feature and topic, a bias and a threshold per topic; an item is about a topic when
bias + the sum of its features' weights reaches the threshold and some feature of the item
argued for it. Only features that carry weight are kept. What decided is told by the words
(or rule terms) that added the most to the topic's score. Nothing is downloaded or trained
at run time. Long items are read up to a bound (MAX_HEADLINE, MAX_SUMMARY, MAX_WORD).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.digest.topic_rules import THRESHOLD, _clean, _parts, all_hits, score

MODEL_FILE = Path(__file__).with_name("topic_model.json")

_WORD = re.compile(r"[a-z0-9\u00c0-\u024f]+(?:[.\-][a-z0-9\u00c0-\u024f]+)*")
_PIECE = re.compile(r"[.\-]")
_DIGITS = re.compile(r"\d+")
_CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]+")
HEADLINE, SUMMARY, RULES = "headline", "summary", "rules"
WHY_SHARE = 0.3  # an explanation names what added at least this share of the top addition
# What is read of an item at most: a headline longer than this (a layout that puts a whole
# paragraph there, or a 50 KB line of junk) is read up to it, and so is the summary before
# its lead is cut (the lead is at most topic_rules.LEAD_MAX characters). Bounds the time.
MAX_HEADLINE, MAX_SUMMARY = 500, 4000
MAX_WORD = 40  # a longer "word" is a hash, a token or junk: it says nothing of a topic
_PREFIX = {HEADLINE: "t", SUMMARY: "s"}


@dataclass(frozen=True)
class Options:
    """How text becomes features; stored in the model file with the weights it was trained
    with (a model is only valid with its own options)."""

    ngrams: tuple[int, ...] = (3, 4)  # character n-grams of Latin words ("<gpu>")
    title_weight: float = 1.5  # the headline's features against the summary's
    body_chars: int = 0  # characters of the summary after its lead that are read too
    rules: bool = True  # the rules' scores and hits are features

    @classmethod
    def from_json(cls, data: dict) -> Options:
        return cls(
            ngrams=tuple(data["ngrams"]),
            title_weight=float(data["title_weight"]),
            body_chars=int(data["body_chars"]),
            rules=bool(data["rules"]),
        )

    def to_json(self) -> dict:
        return {
            "ngrams": list(self.ngrams),
            "title_weight": self.title_weight,
            "body_chars": self.body_chars,
            "rules": self.rules,
        }


# feature -> (value, where it was found, what it was found in: a word, characters, a term)
Features = dict[str, tuple[float, str, str]]


_WORD_CACHE: dict[tuple[str, str], tuple[str, ...]] = {}  # (prefix, word) -> its features
_WORD_CACHE_MAX = 50_000


def _word_features(prefix: str, word: str, ngrams: tuple[int, ...]) -> tuple[str, ...]:
    """The features of one Latin word: itself (digits folded), its pieces when it has
    hyphens or dots, its character n-grams. Cached: words recur across items."""
    key = (prefix, word)
    cached = _WORD_CACHE.get(key)
    if cached is not None:
        return cached
    folded = _DIGITS.sub("0", word)
    names = [f"{prefix}w:{folded}"]
    if "-" in word or "." in word:
        names.extend(
            f"{prefix}w:{_DIGITS.sub('0', piece)}"
            for piece in _PIECE.split(word)
            if len(piece) >= 2
        )
    padded = f"<{folded}>"
    for n in ngrams:
        names.extend(f"{prefix}g:{padded[i : i + n]}" for i in range(len(padded) - n + 1))
    result = tuple(dict.fromkeys(names))
    if len(_WORD_CACHE) >= _WORD_CACHE_MAX:
        _WORD_CACHE.clear()
    _WORD_CACHE[key] = result
    return result


def _text_features(text: str, part: str, options: Options) -> dict[str, str]:
    """feature -> its source (the word or characters it came from), for one part."""
    prefix = _PREFIX[part]
    found: dict[str, str] = {}
    for word in dict.fromkeys(_WORD.findall(text)):
        if (len(word) < 2 and not word.isdigit()) or len(word) > MAX_WORD:
            continue
        for name in _word_features(prefix, word, options.ngrams):
            if name not in found:
                found[name] = word
    for run in _CJK_RUN.findall(text):
        for i, char in enumerate(run):
            found.setdefault(f"{prefix}c:{char}", char)
            pair = run[i : i + 2]
            if len(pair) == 2:
                found.setdefault(f"{prefix}c:{pair}", pair)
    return found


def features(title: str, summary: str, options: Options) -> Features:
    """Every feature of an item with its value and source (see the module docstring).
    Only the headline and the lead are read (the rules too), so the cost is bounded."""
    headline, lead, body = _parts(title[:MAX_SUMMARY], summary[:MAX_SUMMARY])
    headline = headline[:MAX_HEADLINE]
    text = _clean(lead)
    if options.body_chars and body:
        text += " " + _clean(body)[: options.body_chars]
    out: Features = {}
    for part, part_text, weight in (
        (HEADLINE, _clean(headline), options.title_weight),
        (SUMMARY, text, 1.0),
    ):
        found = _text_features(part_text, part, options)
        if found:
            value = weight / math.sqrt(len(found))
            for name, source in found.items():
                out[name] = (value, part, source)
    if options.rules:
        for topic, hits in all_hits(headline, lead).items():
            points = max(-2, min(score(hits), 2 * THRESHOLD))
            out[f"rs:{topic}"] = (points / THRESHOLD, RULES, hits[0].term)
            for hit in hits:  # strongest first: the first term of a kind names it
                name = f"rp:{topic}:{hit.place}:{hit.weight}"
                value, _, first = out.get(name, (0.0, RULES, hit.term))
                out[name] = (value + 0.5, RULES, first)
    return out


@dataclass(frozen=True)
class Model:
    topics: tuple[str, ...]
    options: Options
    bias: tuple[float, ...]
    threshold: tuple[float, ...]  # on the score (a logit), per topic
    weights: dict[str, tuple[tuple[int, float], ...]]  # feature -> (topic index, weight)

    @classmethod
    def from_json(cls, data: dict) -> Model:
        topics = tuple(data["topics"])
        weights: dict[str, list[tuple[int, float]]] = {}
        for index, topic in enumerate(topics):
            for name, weight in data["weights"][topic].items():
                weights.setdefault(name, []).append((index, weight))
        return cls(
            topics=topics,
            options=Options.from_json(data["options"]),
            bias=tuple(data["bias"]),
            threshold=tuple(data["threshold"]),
            weights={name: tuple(pairs) for name, pairs in weights.items()},
        )

    def scores(self, found: Features) -> tuple[list[float], list[tuple[float, str, str, tuple]]]:
        """Each topic's score, and the features that have weights: (value, part, source,
        their (topic index, weight) pairs), for `why`."""
        totals = list(self.bias)
        present = []
        weights = self.weights
        for name, (value, part, source) in found.items():
            pairs = weights.get(name)
            if pairs:
                present.append((value, part, source, pairs))
                for index, weight in pairs:
                    totals[index] += value * weight
        return totals, present

    def why(self, present: list[tuple[float, str, str, tuple]], index: int, most: int = 4) -> str:
        """The sources that added the most to one topic's score, by place:
        'headline: "gpu", summary: "数据中心", rules: "NVIDIA"'."""
        by_source: dict[tuple[str, str], float] = {}
        for value, part, source, pairs in present:
            for topic_index, weight in pairs:
                if topic_index == index:
                    key = (part, source)
                    by_source[key] = by_source.get(key, 0.0) + value * weight
        ranked = sorted(by_source.items(), key=lambda item: (-item[1], item[0]))
        # what added little (a common word's share of an n-gram) is not what decided
        floor = ranked[0][1] * WHY_SHARE if ranked else 0.0
        best = [item for item in ranked[:most] if item[1] > 0 and item[1] >= floor]
        parts = []
        for part in (HEADLINE, SUMMARY, RULES):
            sources = [source for (where, source), _ in best if where == part]
            if sources:
                parts.append(f"{part}: " + ", ".join(f'"{source}"' for source in sources))
        return ", ".join(parts)


@lru_cache(maxsize=1)
def load(path: Path = MODEL_FILE) -> Model:
    return Model.from_json(json.loads(path.read_text(encoding="utf-8")))


def decide(model: Model, title: str, summary: str) -> dict[str, str]:
    """Topic key -> what decided, for the topics whose score reaches their threshold and
    that something in the item argued for: an item of only emoji or only a link has no
    feature, and the bias alone never decides."""
    totals, present = model.scores(features(title, summary, model.options))
    decided = {}
    for index, topic in enumerate(model.topics):
        if totals[index] >= model.threshold[index]:
            why = model.why(present, index)
            if why:
                decided[topic] = why
    return decided


@lru_cache(maxsize=32768)
def topic_scores(title: str, summary: str) -> dict[str, str]:
    return decide(load(), title, summary)


def classify(title: str, author: str | None, summary: str) -> dict[str, str]:
    """Built-in topic key -> a short plain-text explanation of what decided (the words,
    characters or rule terms that added the most); {} when the item is about none of
    them. `author` is not read: a name says who wrote, not what about."""
    del author
    return topic_scores(title, summary)
