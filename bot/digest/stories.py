"""Repeated stories: which items of a new digest tell a story an earlier digest told.

Three steps, measured on the real corpus by bench/repeats.py against a hand-checked
sample (tests/fixtures/repeat_labels.tsv; the table the thresholds were read from is
what the bench prints):
1. The same *specific* link (links.normalize_url: x.com = twitter.com, no www, no
   tracking parameters, no trailing slash; the key items.story keeps): one with a path
   that its digest gives to one story only. Posts that summarise chat servers give a
   dozen unrelated items one server, channel or message link, and aggregators link
   every item to their day's page: counting any shared link as the same story made 10
   false matches and 16 wrong partners among the sample's 100 items.
2. A link shared with earlier items all the same (such a hub, or one story told
   twice): the earlier item whose headline has the most words in common, if at least
   LINKED_THRESHOLD (words_in_common: Latin words and Chinese bigrams, two at least),
   so a Chinese translation is found by the names it keeps ("Google Veo 3 优于 Sora 2
   Pro"); a headline sharing only "Gemini" with one under the same server link is not.
3. Else a near-identical headline: rapidfuzz's normalized Indel similarity
   (`fuzz.ratio`) of folded headlines at or above TITLE_THRESHOLD, for headlines of
   MIN_TITLE characters or more. ratio, not token_set_ratio: a headline that is a
   subset of another ("Claude Code" in "Claude Code Templates") scores 100 there.
   75 is the lowest threshold at which every headline-only match in the corpus read
   by hand was right; between 70 and 75 half were not ("Gemini 3 Flash ...").

An item is linked to the *first* item of its story (the earliest that repeats nothing),
so a story told in five digests is five items pointing to one. Only earlier digests
count, within LOOKBACK_DAYS: the same story twice inside one post is the post's own
choice. Pure functions (rapidfuzz computes, nothing more); storage/stories.py runs
them at ingest.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from rapidfuzz import fuzz, process

from bot.digest.languages import text_language
from bot.digest.models import Item
from bot.digest.topics import item_marks
from bot.digest.twins import alike, signature, weights
from bot.preferences import Profile

K = TypeVar("K")

LOOKBACK_DAYS = 7  # how far back an earlier telling of a story is looked for
TITLE_THRESHOLD = 75.0  # fuzz.ratio of folded headlines (0-100); see bench/repeats.py
MIN_TITLE = 10  # folded headlines shorter than this never match by headline
LINKED_THRESHOLD = 75.0  # words_in_common of headlines that share a link
HUB_ALIKE = 50.0  # items sharing a link tell one story when their headlines are this alike
TWIN_THRESHOLD = 90.0  # twins.alike of items in two languages; see bench/repeats.py
TWIN_LINK_BONUS = 20.0  # added to twins.alike when the two items share their link
TWIN_DIGESTS = 0.5  # share of a digest's links another has when it is its translation
TWIN_HOWS = ("twin link", "twin")  # Match.how of the steps that cross languages

_RETWEET = re.compile(r"^(?:rt\s+)?@\w+:\s*")
_LATIN_WORD = re.compile(r"[a-z0-9]+")
_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]{2,}")
_NOT_WORD = re.compile(r"[^\w]+")
# fmt: off
_STOP = frozenset(("the", "an", "of", "to", "in", "on", "for", "and", "or", "is", "are",
                   "with", "by", "as", "at", "from", "its", "it", "this", "that"))
# fmt: on


def fold_title(title: str) -> str:
    """A headline as compared: NFKC, lowercase, without a leading "RT @user:",
    punctuation and emoji as spaces, spaces collapsed."""
    text = unicodedata.normalize("NFKC", title).lower().strip()
    text = _RETWEET.sub("", text)
    return " ".join(_NOT_WORD.sub(" ", text).split())


def specific_keys(items: Iterable[tuple[str | None, str]]) -> set[str]:
    """The link keys of one digest's items, given as (key, headline), that can name a
    story: keys with a path, given to one item, or to several items alike enough to be
    one story told twice (their headlines at least HUB_ALIKE alike). A link several
    unrelated items share (a chat server, a channel, the source's day page) is a hub."""
    titles: dict[str, list[str]] = {}
    for key, title in items:
        if key and _has_path(key):
            titles.setdefault(key, []).append(fold_title(title))
    return {
        key
        for key, alike in titles.items()
        if all(fuzz.ratio(alike[0], other, processor=None) >= HUB_ALIKE for other in alike[1:])
    }


def _words(folded: str) -> tuple[frozenset[str], frozenset[str]]:
    """Latin words and numbers (2+ characters, not the commonest English ones), and
    the bigrams of Chinese runs: what two headlines can have in common."""
    latin = frozenset(w for w in _LATIN_WORD.findall(folded) if len(w) >= 2 and w not in _STOP)
    han = frozenset(run[i : i + 2] for run in _HAN_RUN.findall(folded) for i in range(len(run) - 1))
    return latin, han


def words_in_common(a: str, b: str) -> float:
    """0-100: the share of the shorter folded headline's words the other has too,
    Latin words and Chinese bigrams counted apart (a Chinese headline and its English
    original share their names, not their grammar); 0 below two words in common (one
    shared word, "Gemini", says little)."""
    best = 0.0
    for first, second in zip(_words(a), _words(b), strict=True):
        common = len(first & second)
        if common >= 2:
            best = max(best, 100.0 * common / min(len(first), len(second)))
    return best


def _has_path(key: str) -> bool:
    rest = key.split("://", 1)[-1]
    return "/" in rest and rest.split("/", 1)[1].strip("/") != ""


@dataclass(frozen=True, slots=True)
class Told:
    """An earlier item a new one may repeat: its id, the first item of its story
    (itself when it repeats nothing), its link key ("" without a path), whether that
    key was specific in its own digest, its folded headline; for telling it in another
    language (bot/digest/twins.py): its digest, language and signature."""

    item_id: int
    story: int
    key: str
    specific: bool
    title: str
    digest: str = ""
    lang: str = ""
    sig: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Match:
    position: int  # of the new item in its digest
    story: int  # the id of the first item of the story it repeats
    earlier: int  # the id of the earlier item that matched
    how: str  # "link", "link+title" or "title"
    score: float  # the headline similarity that decided (100 for a specific link)


def told(
    item_id: int,
    story: int,
    key: str | None,
    title: str,
    specific: set[str],
    *,
    summary: str = "",
    digest: str = "",
) -> Told:
    """What an item tells, for later digests: `key` is its link key (links.normalize_url,
    as items.story keeps it), `specific` its digest's specific_keys, `digest` its
    digest's id."""
    key = key if key and _has_path(key) else ""
    return Told(item_id, story, key, key in specific, fold_title(title), digest,
                text_language(title, summary) or "", signature(title, summary))  # fmt: skip


def find_repeats(
    items: Sequence[tuple[int, str | None, str]],
    earlier: Sequence[Told],
    *,
    threshold: float | None = TITLE_THRESHOLD,
    linked_threshold: float | None = LINKED_THRESHOLD,
    twin_threshold: float | None = TWIN_THRESHOLD,
    summaries: Mapping[int, str] | None = None,
) -> list[Match]:
    """Which new items repeat an earlier story. `items`: (position, link key, title) of
    one new digest's items; `earlier`: what earlier digests told, oldest first.

    1. A link specific on both sides, given to one earlier item: the same story.
    2. A link shared with earlier items (a hub, or several of them): the one whose
       headline has the most words in common (words_in_common), if at least
       `linked_threshold`; the shared link is half the evidence, so words in common
       are enough, even across languages ("Google Veo 3 优于 Sora 2 Pro").
    3. Else the most similar headline (ratio) at or above `threshold`.
    Between 1 and 2: in an earlier digest in another language that is this one's
       translation (it has TWIN_DIGESTS of its links), the item at the same place among
       those sharing the link, when as many share it there ("twin link"); a
       translation keeps the order of its original.
    4. Else the earlier item in another language most alike by what survives
       translation (bot/digest/twins.py), at or above `twin_threshold` ("twin").
       `summaries`: {position: summary} of the new items.
    None switches a step off (the bench's variants)."""
    if not earlier:
        return []
    keys = specific_keys((key, title) for _, key, title in items)
    by_key: dict[str, list[Told]] = {}
    for seen in earlier:
        if seen.key:
            by_key.setdefault(seen.key, []).append(seen)
    titles = [seen.title for seen in earlier]
    twins = None if twin_threshold is None else _Twins(items, earlier, summaries or {})
    found: list[Match] = []
    for position, key, title in items:
        folded = fold_title(title)
        same = by_key.get(key, []) if key and _has_path(key) else []
        specific = [seen for seen in same if seen.specific]
        if key in keys and len(specific) == 1:
            found.append(Match(position, specific[0].story, specific[0].item_id, "link", 100.0))
            continue
        placed = twins.in_translation(position) if twins is not None else None
        if placed is not None:
            found.append(placed)
            continue
        if same and linked_threshold is not None and folded:
            scores = [words_in_common(folded, seen.title) for seen in same]
            best = max(range(len(same)), key=scores.__getitem__)
            if scores[best] >= linked_threshold:
                seen = same[best]
                found.append(Match(position, seen.story, seen.item_id, "link+title", scores[best]))
                continue
        if threshold is not None and len(folded) >= MIN_TITLE:
            best_title = process.extractOne(
                folded, titles, scorer=fuzz.ratio, score_cutoff=threshold, processor=None
            )
            if best_title is not None:
                _, score, index = best_title
                seen = earlier[index]
                found.append(Match(position, seen.story, seen.item_id, "title", float(score)))
                continue
        if twins is not None and twin_threshold is not None:
            twin = twins.find(position, key, twin_threshold)
            if twin is not None:
                found.append(twin)
    return found


class _Twins:
    """Step 4 of find_repeats for one new digest: its items against the earlier items in
    another language, through an index of their rarer tokens (a week of posts is
    thousands of items; each new item is scored against those sharing a name or number
    with it, not against all)."""

    RARE = 0.05  # tokens in more than this share of the items do not select candidates

    def __init__(
        self,
        items: Sequence[tuple[int, str | None, str]],
        earlier: Sequence[Told],
        summaries: Mapping[int, str],
    ) -> None:
        self.earlier = earlier
        self.mine: dict[int, tuple[str, frozenset[str]]] = {}
        for position, _, title in items:
            summary = summaries.get(position, "")
            self.mine[position] = (text_language(title, summary) or "", signature(title, summary))
        self.idf = weights([seen.sig for seen in earlier] + [sig for _, sig in self.mine.values()])
        cap = max(3, int(self.RARE * (len(earlier) + len(items))))
        postings: dict[str, list[int]] = {}
        for index, seen in enumerate(earlier):
            for token in seen.sig:
                if not token.startswith("~"):
                    postings.setdefault(token, []).append(index)
        self.postings = {t: ids for t, ids in postings.items() if len(ids) <= cap}
        # The place of each link among the items of its digest that share it.
        self.places: dict[int, tuple[str, int]] = {}  # position -> (key, nth)
        self.counts: dict[tuple[str | None, str], int] = {}  # (digest, key) -> items with it
        self.ordered: dict[tuple[str, str, int], int] = {}  # (digest, key, nth) -> index
        mine_keys = [key if key and _has_path(key) else "" for _, key, _ in items]
        for (position, _, _), key in zip(items, mine_keys, strict=True):
            if key:
                nth = self.counts.get((None, key), 0)  # None: the new digest
                self.counts[(None, key)] = nth + 1
                self.places[position] = (key, nth)
        links: dict[str, set[str]] = {}
        for index, seen in enumerate(earlier):
            if seen.key and seen.digest:
                nth = self.counts.get((seen.digest, seen.key), 0)
                self.counts[(seen.digest, seen.key)] = nth + 1
                self.ordered[(seen.digest, seen.key, nth)] = index
                links.setdefault(seen.digest, set()).add(seen.key)
        own = {key for key in mine_keys if key}
        self.translations = [
            digest
            for digest, keys in links.items()
            if len(own) >= 3 and len(own & keys) >= TWIN_DIGESTS * len(own)
        ]

    def in_translation(self, position: int) -> Match | None:
        """The item at the same place among those sharing this item's link in a digest
        that is this one's translation, when as many items share it there."""
        lang = self.mine[position][0]
        place = self.places.get(position)
        if place is None or not lang:
            return None
        key, nth = place
        for digest in self.translations:
            if self.counts.get((digest, key)) == self.counts[(None, key)]:
                seen = self.earlier[self.ordered[(digest, key, nth)]]
                if seen.lang and seen.lang != lang:
                    return Match(position, seen.story, seen.item_id, "twin link", 100.0)
        return None

    def find(self, position: int, key: str | None, threshold: float) -> Match | None:
        """The earlier item in another language most alike by what survives translation,
        if at least `threshold`."""
        lang, sig = self.mine[position]
        if not lang:
            return None
        candidates = {i for token in sig for i in self.postings.get(token, ())}
        best: tuple[float, int] | None = None
        for index in sorted(candidates):
            seen = self.earlier[index]
            if not seen.lang or seen.lang == lang:
                continue
            score = alike(sig, seen.sig, self.idf)
            if score and key and seen.key == key:
                score += TWIN_LINK_BONUS
            if score >= threshold and (best is None or score > best[0]):
                best = (score, index)
        if best is None:
            return None
        seen = self.earlier[best[1]]
        return Match(position, seen.story, seen.item_id, "twin", min(best[0], 100.0))


def already_had(tellings: Mapping[K, Sequence[Item]], profile: Profile) -> set[K]:
    """The keys (item positions, story ids) whose earlier tellings include one this
    profile would have shown: then the chat has the story in full already. The first
    telling a profile shows is never itself a repeat for it, so "one was shown" is "one
    was shown in full". A profile of alerts_mode "topics" was shown only what matched.
    An approximation per profile, not per chat: a chat that subscribed in between, or
    gets roundups, is counted as having seen what its profile would have shown."""
    if profile.alerts_mode != "topics":
        return {key for key, items in tellings.items() if items}
    return {
        key
        for key, items in tellings.items()
        if any(item_marks(item, profile.topics, profile.lang) for item in items)
    }
