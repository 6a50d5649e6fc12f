"""Which built-in topics a digest item is about: weighted terms, read once per item.

Each topic has a table of terms with weights (TERMS, in bot/digest/topic_terms.py). An
item is split into a headline, a lead and a body (see `_parts`); every term found counts
once, by its weight and where it first stands (see `_POINTS`): in the headline or the lead
a strong term (weight 3) decides alone, a medium one (2) alone only in the headline, a weak
one (1) only ever tops up a stronger one; in the body (the rest of a long summary, and the
lead's asides: parentheses and "such as" lists) terms count little. Passing mentions do not
decide: a single strong or medium term named once in the summary, with nothing of the topic
in the headline and no weak term beside it, is not enough (see `score`). Negative weights
are terms that argue against the topic ("聊天机器人" is a chatbot, not a robot). The author
is not read: a name says who wrote, not what about.

How a term matches: Latin words case-insensitively on word boundaries, with the plural and
the usual English endings (see `_forms`), digits may follow ("GPT5"); phrases with spaces or
hyphens match any run of spaces and hyphens, or none; Chinese terms as substrings; a term
starting with "re:" is a regular expression on the lower-cased text. Link targets and
Markdown emphasis are dropped first, the text is NFKC-folded, traditional characters are
simplified (bot/digest/han.py: "機器人" is "机器人") and hyphens inside words ("GPT‑5.2"
with a non-breaking one) are plain hyphens.

Speed: the tables are compiled once into lookups keyed by a Latin word or by the first two
Chinese characters of a term, and an item's distinct words and character pairs are looked
up in them; a phrase is tried only when its words are all there, a regular expression only
when its cheap test passes (some are replaced by faster counters, topic_terms.COUNTERS). So
the cost grows with the item, not with the number of terms (bench/topics.py).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from bot.digest.han import simplify
from bot.digest.topic_terms import COUNTERS, GATES, TERMS, Gate

THRESHOLD = 4  # points; see Hit.points
HEADLINE, LEAD, BODY = 0, 1, 2  # where in an item a term was found; see _parts
# Points of a term by its weight (3 strong, 2 medium, 1 weak) and place. What the body says
# (after the lead, and the lead's asides) counts little: a strong term there is 1 point, a
# medium one nothing. Weak terms add up to 2 at most, so they only ever top up a stronger one.
_POINTS = {3: (4, 4, 1), 2: (4, 2, 0), 1: (2, 1, 0)}  # weak ones: see score()
_POINTS_AT = {  # (weight, place) -> points, negative weights included
    (sign * weight, place): sign * points[place]
    for weight, points in _POINTS.items()
    for place in (0, 1, 2)
    for sign in (1, -1)
}
# Topics where one term named once in the summary is the news ("open-sourced"), not a
# passing mention; see score().
ONE_MENTION_DECIDES = frozenset({"opensource"})


@dataclass(frozen=True)
class Hit:
    topic: str
    term: str  # as written in TERMS (a regex term: the text it matched)
    weight: int  # 3 strong, 2 medium, 1 weak; negative: against the topic
    place: int  # HEADLINE, LEAD or BODY (the first place it was found)
    count: int = 1  # occurrences in the whole item, 2 at most

    @property
    def points(self) -> int:
        return _POINTS_AT[self.weight, self.place]


def score(hits: list[Hit] | tuple[Hit, ...]) -> int:
    """The points of one topic's hits. Weak terms add 2 when one is in the headline and 1
    when one is in the lead, 2 at most: they only ever top up a stronger term. A passing
    mention does not decide: when the headline says nothing of the topic and the summary
    names a single strong or medium term once, with no weak term of the topic beside it in
    the lead, the score stays under THRESHOLD (except for ONE_MENTION_DECIDES)."""
    points = sum(h.points for h in hits if h.weight != 1)
    weak = {h.place for h in hits if h.weight == 1}
    points += min(2, 2 * (HEADLINE in weak) + (LEAD in weak))
    stronger = [h for h in hits if h.weight >= 2]
    if (
        len(stronger) == 1
        and stronger[0].place != HEADLINE
        and stronger[0].count == 1
        and not weak - {BODY}
        and stronger[0].topic not in ONE_MENTION_DECIDES
    ):
        points = min(points, THRESHOLD - 1)
    return points


# ---- compiling the tables ----------------------------------------------------------------

_LATIN_ALNUM = "a-z0-9\u00c0-\u024f"
_WORD = re.compile(f"[{_LATIN_ALNUM}]+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_LATIN_CHAR = re.compile(f"[{_LATIN_ALNUM}]")
_CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]+")
_LONG_ENDINGS = ("", "s", "es", "d", "ed", "ing", "ic", "ics")


def _forms(word: str, exact: bool = False) -> tuple[str, ...]:
    """The spellings a one-word Latin term matches: a plural "s" for words of three
    characters or fewer ("GPU"/"GPUs", but "AI" never "aid") and for terms written with a
    trailing "=" ("court=": not "courting"), the usual English endings for longer ones
    ("agent"/"agentic", "acquire"/"acquired")."""
    if exact or word[-1].isdigit() or len(word) <= 3:
        return (word, word + "s")
    return tuple(word + ending for ending in _LONG_ENDINGS)


@dataclass(frozen=True)
class _Rule:
    topic: str
    term: str
    weight: int
    regex: re.Pattern[str] | None = None  # phrases and "re:" terms
    boundary: bool = False  # a phrase starting with a Latin letter: not inside a word
    key: tuple[str, str] = ("", "")  # (topic, term), set from them

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", (self.topic, self.term))


# Hyphens inside words ("GPT‑5.2" with a non-breaking hyphen) are plain hyphens; a soft
# hyphen is nothing. Dashes between clauses (– —) stay what they are.
_HYPHENS = str.maketrans(
    {"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2212": "-", "\u00ad": None}
)


_ODD_HYPHEN = re.compile("[\u2010\u2011\u2012\u2212\u00ad]")


def _fold(text: str) -> str:
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    text = simplify(text.lower())  # "輝達" is "辉达"
    return text.translate(_HYPHENS) if _ODD_HYPHEN.search(text) else text


def _contains(char: str) -> Gate:
    """The test of a one-character Chinese term: a plain substring."""
    return lambda text, words, stems, numeric: char in text


def _compile() -> tuple[dict, dict, dict, list]:
    by_word: dict[str, list[tuple[_Rule, bool]]] = {}  # form -> (rule, digits may follow)
    by_pair: dict[str, list[tuple[_Rule, str]]] = {}  # first two CJK chars -> (rule, needle)
    # a phrase by its first word or character pair -> (rule, its Latin words but the last,
    # its last Latin word or "", its other pieces)
    gated: dict[str, list[tuple[_Rule, tuple[str, ...], str, tuple[str, ...]]]] = {}
    tested: list[tuple[Gate, _Rule]] = []  # (its test, "re:" term)
    for topic, terms in TERMS.items():
        covered: set[str] = set()  # its word forms and phrase patterns: no term twice
        for term, weight in terms:
            if term.startswith("re:"):
                rule = _Rule(topic, term, weight, re.compile(term[3:]))
                tested.append((GATES[term], rule))
                continue
            folded = " ".join(_fold(term).split())
            exact = folded.endswith("=")
            folded, term = folded.rstrip("="), term.rstrip("=")
            if _WORD.fullmatch(folded):
                forms = _forms(folded, exact)
                if covered.intersection(forms):  # "GPUs" after "GPU"
                    raise ValueError(f"{topic}: {term!r} twice")
                covered.update(forms)
                for form in forms:
                    by_word.setdefault(form, []).append(
                        (_Rule(topic, term, weight), not folded[-1].isdigit())
                    )
            elif len(folded) == 1 and _CJK.match(folded):  # "亿": a plain substring
                rule = _Rule(topic, term, weight, re.compile(re.escape(folded)))
                tested.append((_contains(folded), rule))
            elif _CJK.match(folded) and len(folded) >= 2 and _CJK.match(folded[1]):
                if re.search(r"[\s\-]", folded):
                    raise ValueError(f"Chinese term with a space: {term!r}")
                if folded in covered:
                    raise ValueError(f"{topic}: {term!r} twice")
                covered.add(folded)
                by_pair.setdefault(folded[:2], []).append((_Rule(topic, term, weight), folded))
            else:
                pieces = tuple(p for p in re.split(r"[\s\-]+", folded) if p)
                body = r"[\s\-]*".join(map(re.escape, pieces))
                # A literal start lets the regex engine skip ahead; the word boundary
                # before it is checked by hand (_count).
                boundary = re.match(f"[{_LATIN_ALNUM}]", folded) is not None
                end = f"s?(?![{_LATIN_ALNUM}])" if re.search(f"[{_LATIN_ALNUM}]$", folded) else ""
                if body + end in covered:
                    raise ValueError(f"{topic}: {term!r} twice")
                covered.add(body + end)
                rule = _Rule(topic, term, weight, re.compile(body + end), boundary)
                first = _WORD.match(folded)
                gate = first.group() if first else folded[:2]
                if not first and not _CJK_RUN.fullmatch(gate):
                    raise ValueError(f"no Latin word or two Chinese characters first: {term!r}")
                # Latin pieces must be words of the text (the last one maybe with an "s"),
                # others substrings of it: set look-ups before any regex runs.
                latin = tuple(p for p in pieces[:-1] if _WORD.fullmatch(p))
                last = pieces[-1] if _WORD.fullmatch(pieces[-1]) else ""
                other = tuple(p for p in pieces if not _WORD.fullmatch(p))
                gated.setdefault(gate, []).append((rule, latin, last, other))
    return by_word, by_pair, gated, tested


_BY_WORD, _BY_PAIR, _GATED, _TESTED = _compile()
_WORDS, _GATES = frozenset(_BY_WORD), frozenset(_GATED)


_TRAILING_DIGITS = re.compile(r"^([a-z\u00c0-\u024f]+)\d+$")


# ---- reading an item ---------------------------------------------------------------------

_LINK_TARGET = re.compile(r"\]\([^)\s]*\)|https?://\S+")
_EMPHASIS = re.compile(r"\*\*|__|`")


def _clean(text: str) -> str:
    return _fold(_EMPHASIS.sub("", _LINK_TARGET.sub("]", text)))


# Asides: a parenthesis, or a list introduced by "such as" up to the end of its clause.
_ASIDE = re.compile(
    r"[(（][^()（）]{0,200}[)）]"
    r"|(?:such as|e\.g\.|for example|including|例如|比如|诸如)[^.;:,，。；：!?！？\n]{0,150}"
)
_SENTENCE_END = re.compile(r"[。！？!?;；]|\.(?=\s)|\n")
LEAD_MIN, LEAD_MAX = 200, 400  # characters of a summary that count as its lead


def _parts(title: str, summary: str) -> tuple[str, str, str]:
    """(headline, lead, body). The title is the headline, except where a layout puts a
    score there ("92") and the real headline is the summary's first line; a summary that
    starts by repeating the title does not count it twice. The lead is the summary up to
    the first sentence end after LEAD_MIN characters (LEAD_MAX at most): long summaries
    wander ("my take: ...") and what they mention on the way counts less."""
    title, summary = title.strip(), summary.strip()
    if not any(ch.isalpha() for ch in title):
        title, _, summary = summary.partition("\n")
    else:
        stem = title.rstrip("…").rstrip(".").strip()
        if stem and summary.startswith(stem):
            summary = summary[len(stem) :]
    if len(summary) <= LEAD_MAX:
        return title, summary, ""
    end = _SENTENCE_END.search(summary, LEAD_MIN, LEAD_MAX)
    cut = end.end() if end else LEAD_MAX
    return title, summary[:cut], summary[cut:]


def _matches(rule: _Rule, text: str) -> list[str]:
    """What a phrase or "re:" term matches in a text, 2 at most."""
    assert rule.regex is not None  # phrases and "re:" terms have one
    found = []
    for match in rule.regex.finditer(text):
        at = match.start()
        if not rule.boundary or at == 0 or not _LATIN_CHAR.match(text[at - 1]):
            found.append(match.group())
            if len(found) == 2:
                break
    return found


# (topic, term) -> (weight, occurrences (2 at most), as shown in an explanation)
Found = dict[tuple[str, str], tuple[int, int, str]]


def _found(text: str) -> Found:
    """Every term in a cleaned text."""
    hits: Found = {}
    tokens = _WORD.findall(text)
    words = set(tokens)
    stems = set(words)
    for word in words & _WORDS:
        n = tokens.count(word)
        for rule, _ in _BY_WORD[word]:
            old = hits.get(rule.key, (0, 0, ""))[1]
            hits[rule.key] = (rule.weight, min(2, old + n), rule.term)
    for word in words:
        if word[-1].isdigit() and not word[0].isdigit():
            stem = _TRAILING_DIGITS.match(word)
            if stem:  # "gpt5" is "gpt" with a version
                stems.add(stem.group(1))
                for rule, digits_ok in _BY_WORD.get(stem.group(1), ()):
                    if digits_ok:
                        old = hits.get(rule.key, (0, 0, ""))[1]
                        hits[rule.key] = (rule.weight, min(2, old + tokens.count(word)), rule.term)
    pairs = {run[i : i + 2] for run in _CJK_RUN.findall(text) for i in range(len(run) - 1)}
    for pair in pairs:
        for rule, needle in _BY_PAIR.get(pair, ()):
            if (rule.topic, rule.term) not in hits:
                n = text.count(needle)
                if n:
                    hits[(rule.topic, rule.term)] = (rule.weight, min(2, n), rule.term)
    for gate in (words | pairs) & _GATES:
        for rule, latin, last, other in _GATED[gate]:
            if (
                rule.key not in hits
                and words.issuperset(latin)
                and (not last or last in words or last + "s" in words)
                and all(p in text for p in other)
            ):
                n = len(_matches(rule, text))
                if n:
                    hits[(rule.topic, rule.term)] = (rule.weight, n, rule.term)
    numeric = tuple(w for w in words if w[0].isdigit())
    for test, rule in _TESTED:
        if (rule.topic, rule.term) not in hits and test(text, words, stems, numeric):
            counter = COUNTERS.get(rule.term)
            shown = counter(text, words, stems, numeric) if counter else _matches(rule, text)
            if shown:
                hits[(rule.topic, rule.term)] = (rule.weight, len(shown), shown[0].strip())
    return hits


@lru_cache(maxsize=32768)
def topic_hits(title: str, summary: str) -> dict[str, tuple[Hit, ...]]:
    """Built-in topic key -> the hits that decided it (strongest first), for the topics
    whose score reaches THRESHOLD, in TERMS order."""
    return {
        topic: hits for topic, hits in all_hits(title, summary).items() if score(hits) >= THRESHOLD
    }


@lru_cache(maxsize=4096)
def all_hits(title: str, summary: str) -> dict[str, tuple[Hit, ...]]:
    """Built-in topic key -> every hit of its terms (strongest first), whatever the score,
    for the topics with any hit, in TERMS order (the learned model reads them too)."""
    texts = [_clean(part) for part in _parts(title, summary)]
    asides = _ASIDE.findall(texts[LEAD])
    if asides:  # an aside in the lead is read as if it were in the body
        texts[LEAD] = _ASIDE.sub(" ", texts[LEAD])
        texts[BODY] = " ".join((texts[BODY], *asides))
    found = [_found(text) if text else {} for text in texts]
    by_topic: dict[str, list[Hit]] = {}
    for key in {k for place in found for k in place}:
        topic = key[0]
        place = next(p for p in (HEADLINE, LEAD, BODY) if key in found[p])
        weight, _, shown = found[place][key]
        count = min(2, sum(found[p][key][1] for p in (HEADLINE, LEAD, BODY) if key in found[p]))
        by_topic.setdefault(topic, []).append(Hit(topic, shown, weight, place, count))
    result: dict[str, tuple[Hit, ...]] = {}
    for topic in TERMS:
        hits = by_topic.get(topic)
        if hits:
            hits.sort(key=lambda h: (-h.points, h.place, h.term))
            result[topic] = tuple(hits)
    return result


def explain(hits: tuple[Hit, ...]) -> str:
    """'headline: "GPU", summary: "算力", "数据中心"'; terms against it after "less:"."""
    parts = []
    for label, chosen in (
        ("headline", [h for h in hits if h.place == HEADLINE and h.points > 0]),
        ("summary", [h for h in hits if h.place != HEADLINE and h.points > 0]),
        ("less", [h for h in hits if h.points < 0]),
    ):
        terms = list(dict.fromkeys(h.term for h in chosen))  # a regex may show a term again
        if terms:
            parts.append(f"{label}: " + ", ".join(f'"{term}"' for term in terms))
    return ", ".join(parts)


def classify(title: str, author: str | None, summary: str) -> dict[str, str]:
    """Built-in topic key -> a short plain-text explanation of what decided; {} when the
    item is about none of them. `author` is not read (see the module docstring)."""
    del author
    return {topic: explain(hits) for topic, hits in topic_hits(title, summary).items()}
