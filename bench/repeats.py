"""Repeated stories on the real corpus: how many there are, how many the method finds.

    python bench/repeats.py [--errors]

Ingests every post of ../shared/data in publication order (as the bot links items at
ingest: bot/digest/stories.py, each post against the posts of the LOOKBACK_DAYS before
it) and prints:
- the corpus: items, items with an earlier post in the window, repeats found by link
  and by headline;
- the hand-checked sample (tests/fixtures/repeat_labels.tsv: 100 items, each read with
  its candidates and marked with the earlier items telling the same story, or none):
  found, missed and false matches per item, and how many matches point to an item the
  reader did not name (a wrong partner), for the shipped method and its variants: links
  only (any link, or specific links only), headlines only, and link + headline at
  several thresholds;
- the time to match the largest post against its window.
--errors lists the sample's misses and false matches of the shipped method.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.digest.links import normalize_url
from bot.digest.models import Digest, Item
from bot.digest.parse import ParseError, parse_file
from bot.digest.stories import (
    LINKED_THRESHOLD,
    LOOKBACK_DAYS,
    TITLE_THRESHOLD,
    TWIN_THRESHOLD,
    Match,
    Told,
    find_repeats,
    specific_keys,
    told,
)
from bot.digest.twins import signature

ROOT = Path(__file__).resolve().parents[1]
LABELS = ROOT / "tests" / "fixtures" / "repeat_labels.tsv"
TWIN_LABELS = ROOT / "tests" / "fixtures" / "twin_labels.tsv"
TWIN_THRESHOLDS = (30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0)
DATA = ROOT.parent / "shared" / "data"
THRESHOLDS = (60.0, 65.0, 70.0, 75.0, 80.0, 85.0)
# How the sample was drawn (seed 20261130): (items in the stratum, items read) for the
# items with any sign of a repeat (a shared link, or a headline or summary at least about
# half alike: ratio >= 55, token_set_ratio >= 80) and for the rest.
SAMPLED = ((585, 70), (1058, 30))
LINKED = (50.0, 60.0, 75.0, 90.0, 100.0)


@dataclass(frozen=True)
class Post:
    path: str  # relative to ../shared/data
    digest: Digest


@dataclass(frozen=True)
class Label:
    path: str
    position: int
    fingerprint: str
    earlier: frozenset[tuple[str, int]]


def fingerprint(item: Item) -> str:
    return hashlib.sha1((item.url or item.title).encode()).hexdigest()[:8]


def load_posts() -> list[Post]:
    posts = []
    for path in sorted((DATA / "digests").rglob("*.md")):
        try:
            posts.append(Post(str(path.relative_to(DATA)), parse_file(path)))
        except ParseError as error:  # the bot skips such a post too: no digest to match
            print(f"skipped: {error}", file=sys.stderr)
    posts.sort(key=lambda p: (p.digest.published_at.timestamp(), p.path))
    return posts


def load_labels() -> list[Label]:
    labels = []
    for line in LABELS.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        path, position, print_, earlier = line.split("\t")
        pairs = frozenset(
            (ref.rsplit("#", 1)[0], int(ref.rsplit("#", 1)[1]))
            for ref in earlier.split(";")
            if ref != "-"
        )
        labels.append(Label(path, int(position), print_, pairs))
    return labels


def ingest(
    posts: list[Post],
    *,
    threshold: float | None = TITLE_THRESHOLD,
    linked: float | None = LINKED_THRESHOLD,
    twin: float | None = TWIN_THRESHOLD,
    naive: bool = False,
) -> tuple[dict[tuple[str, int], tuple[str, int, str, float]], float]:
    """Link every item as the bot does at ingest (naive: any shared link is the same
    story). Returns {(path, position): (earlier path, earlier position, how, score)} and
    the slowest post's matching time in CPU seconds (steadier than wall time on a shared
    machine)."""
    ids: dict[int, tuple[str, int]] = {}
    seen: list[tuple[float, str, Told]] = []  # (published ts, path, what it told)
    found: dict[tuple[str, int], tuple[str, int, str, float]] = {}
    slowest = 0.0
    next_id = 1
    for post in posts:
        ts = post.digest.published_at.timestamp()
        window = [
            t for when, path, t in seen if path != post.path and ts - when <= LOOKBACK_DAYS * 86400
        ]
        items = [(item.position, normalize_url(item.url), item.title) for item in post.digest.items]
        started = time.process_time()
        if naive:
            matches = _any_shared_link(items, window)
        else:
            summaries = {item.position: item.summary for item in post.digest.items}
            matches = find_repeats(items, window, threshold=threshold, linked_threshold=linked,
                                   twin_threshold=twin, summaries=summaries)  # fmt: skip
        slowest = max(slowest, time.process_time() - started)
        by_position = {m.position: m for m in matches}
        keys = specific_keys((normalize_url(item.url), item.title) for item in post.digest.items)
        for item in post.digest.items:
            item_id = next_id
            next_id += 1
            ids[item_id] = (post.path, item.position)
            match = by_position.get(item.position)
            if match:
                found[(post.path, item.position)] = (*ids[match.earlier], match.how, match.score)
            story = match.story if match else item_id
            key = normalize_url(item.url)
            said = told(item_id, story, key, item.title, keys, summary=item.summary,
                        digest=post.path)  # fmt: skip
            seen.append((ts, post.path, said))
    return found, slowest


def _any_shared_link(items, window) -> list[Match]:
    """The naive method: an earlier item with the same link key is the same story."""
    by_key: dict[str, Told] = {}
    for t in window:
        if t.key:
            by_key.setdefault(t.key, t)
    return [
        Match(position, by_key[key].story, by_key[key].item_id, "link", 100.0)
        for position, key, _ in items
        if key in by_key
    ]


def _titles_only(posts: list[Post], threshold: float) -> dict:
    """The headline alone: every item as if it had no link."""
    bare = [
        Post(p.path, replace(p.digest, items=tuple(replace(i, url=None) for i in p.digest.items)))
        for p in posts
    ]
    found, _ = ingest(bare, threshold=threshold, linked=None, twin=None)
    return found


@dataclass(frozen=True)
class Twin:
    """An item of an English post and the item of its Chinese translation that tells it."""

    en: tuple[str, int]  # (path, position)
    zh: tuple[str, int]
    source: str  # the pair of sources it comes from, for leave-one-source-out


TWIN_SOURCES = {"smol-ai-ainews": "ainews", "ainews-zh-cn": "ainews"}


def load_twins(by_path: dict[str, Post]) -> list[Twin]:
    twins = []
    for line in TWIN_LABELS.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        en, en_at, en_print, zh, zh_at, zh_print = line.split("\t")
        for path, at, print_ in ((en, en_at, en_print), (zh, zh_at, zh_print)):
            if fingerprint(by_path[path].digest.items[int(at) - 1]) != print_:
                raise SystemExit(f"{path} #{at}: the item changed (fingerprint)")
        folder = en.split("/")[1]
        twins.append(Twin((en, int(en_at)), (zh, int(zh_at)), TWIN_SOURCES.get(folder, folder)))
    return twins


def score_twins(twins: list[Twin], found: dict, order: dict[str, int]) -> dict[str, list[int]]:
    """{source: [twins, found, missed, wrong story]}: the later of each pair (in ingest
    order) should be found as a repeat of the story of the earlier one."""

    def root(key: tuple[str, int]) -> tuple[str, int]:
        while key in found:
            key = found[key][:2]
        return key

    out: dict[str, list[int]] = {}
    for twin in twins:
        first, later = sorted((twin.en, twin.zh), key=lambda key: (order[key[0]], key[1]))
        row = out.setdefault(twin.source, [0, 0, 0, 0])
        row[0] += 1
        match = found.get(later)
        if match is None:
            row[2] += 1
        elif root(match[:2]) == root(first):
            row[1] += 1
        else:
            row[3] += 1
    return out


def _twin_table(posts: list[Post], labels: list[Label], twins: list[Twin]) -> None:
    """The twins found per source at each threshold of the twin step, and the threshold
    chosen leave-one-source-out: tuned on the other sources' twins (most found with no
    false match in the hand-checked sample), scored on the one left out."""
    order = {post.path: index for index, post in enumerate(posts)}
    sources = sorted({twin.source for twin in twins})
    results: dict[float | None, tuple[dict[str, list[int]], int, int]] = {}
    for t in (None, *TWIN_THRESHOLDS):
        found, _ = ingest(posts, twin=t)
        _, _, _, false, wrong = score(labels, found)
        results[t] = (score_twins(twins, found, order), false, wrong)
    counts = ", ".join(f"{s} {sum(1 for t in twins if t.source == s)}" for s in sources)
    print(f"\nzh/en twins (tests/fixtures/twin_labels.tsv): {len(twins)} pairs, {counts}")
    print(f"{'twin step':<22}" + "".join(f"{s:>18}" for s in sources)
          + f"{'all found/missed/wrong':>26}{'sample false':>14}")  # fmt: skip
    for t, (per, false, wrong) in results.items():
        name = "off" if t is None else f">= {t:g}"
        cells = "".join(f"{per[s][1]:>8}/{per[s][2]}/{per[s][3]:<6}" for s in sources)
        total = [sum(per[s][i] for s in sources) for i in (1, 2, 3)]
        mark = "  <- shipped" if t == TWIN_THRESHOLD else ""
        print(f"{name:<22}{cells:>{18 * len(sources)}}{'/'.join(map(str, total)):>26}"
              f"{false:>8} (+{wrong} wrong){mark}")  # fmt: skip

    def tuned(t: float, left_out: str) -> tuple[int, float]:
        """Right twins of the other sources, if no false match in the sample; ties go to
        the stricter threshold."""
        per, false, _ = results[t]
        hits = sum(per[s][1] - per[s][3] for s in sources if s != left_out)
        return (hits if false == 0 else -1, t)

    held = [0, 0, 0, 0]
    for left_out in sources:
        best = max(TWIN_THRESHOLDS, key=lambda t: tuned(t, left_out))
        row = results[best][0][left_out]
        held = [a + b for a, b in zip(held, row, strict=True)]
        print(
            f"leave-one-source-out: {left_out} scored at {best:g} (tuned on the others):"
            f" {row[1]} of {row[0]} found, {row[2]} missed, {row[3]} wrong story"
        )
    print(
        f"held out, all sources: {held[1]} of {held[0]} twins found"
        f" ({100 * held[1] / held[0]:.1f}%), {held[2]} missed, {held[3]} wrong story"
    )


def _signature_cost(posts: list[Post]) -> None:
    """What the bot pays at each ingest before matching: the language and signature of
    every item of the week before (storage/stories.py builds them for each new post);
    signatures are cached, so an ingest mostly pays for the items new since the last."""
    week = LOOKBACK_DAYS * 86400
    stamps = [p.digest.published_at.timestamp() for p in posts]
    largest = max(
        (sum(len(q.digest.items) for q, when in zip(posts, stamps, strict=True)
             if 0 <= ts - when <= week), index)
        for index, ts in enumerate(stamps)
    )  # fmt: skip
    items = [
        item
        for q, when in zip(posts, stamps, strict=True)
        if 0 <= stamps[largest[1]] - when <= week
        for item in q.digest.items
    ]
    signature.cache_clear()
    costs = []
    for _ in range(2):  # cold, then as the next ingest finds them
        started = time.process_time()
        for item in items:
            told(0, 0, item.url, item.title, set(), summary=item.summary)
        costs.append(time.process_time() - started)
    print(f"what survives translation, the largest week ({len(items)} items): "
          f"{costs[0] * 1000:.0f} ms of CPU, {costs[0] / len(items) * 1e6:.0f} us per item;"
          f" cached, as the next ingest finds them: {costs[1] * 1000:.0f} ms")  # fmt: skip


def score(labels: list[Label], found: dict) -> tuple[int, int, int, int, int]:
    """(repeats in the sample, found, missed, false matches, wrong partners)."""
    repeats = hit = missed = false = wrong = 0
    for label in labels:
        match = found.get((label.path, label.position))
        if label.earlier:
            repeats += 1
            if match is None:
                missed += 1
            else:
                hit += 1
                wrong += (match[0], match[1]) not in label.earlier
        elif match is not None:
            false += 1
    return repeats, hit, missed, false, wrong


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--errors", action="store_true", help="list the sample's errors")
    args = parser.parse_args()
    if not DATA.is_dir():
        raise SystemExit(f"{DATA} is not here: the bench needs the real posts")
    posts = load_posts()
    labels = load_labels()
    by_path = {p.path: p for p in posts}
    for label in labels:
        item = by_path[label.path].digest.items[label.position - 1]
        if fingerprint(item) != label.fingerprint:
            raise SystemExit(f"{label.path} #{label.position}: the item changed (fingerprint)")

    found, slowest = ingest(posts)
    total = sum(len(p.digest.items) for p in posts)
    hows = {how: sum(1 for m in found.values() if m[2] == how) for how in
            ("link", "link+title", "title", "twin link", "twin")}  # fmt: skip
    print(f"corpus: {len(posts)} posts, {total} items, each matched against the posts of the"
          f" {LOOKBACK_DAYS} days before it")  # fmt: skip
    print(f"repeats found: {len(found)} = {hows['link']} by a specific link"
          f" + {hows['link+title']} by a shared link and alike headline"
          f" + {hows['title']} by headline alone + {hows['twin link']} by their place"
          f" under a shared link in a translation + {hows['twin']} by what survives"
          f" translation")  # fmt: skip
    naive, _ = ingest(posts, naive=True)
    print(f"(any shared link as the same story would say {len(naive)})")

    repeats = sum(1 for label in labels if label.earlier)
    print(f"\nhand-checked sample: {len(labels)} items, {repeats} repeats, "
          f"{len(labels) - repeats} new")  # fmt: skip
    signal = repeats / SAMPLED[0][1]  # every repeat of the sample had a sign (see SAMPLED)
    print(
        f"repeats in the corpus, estimated from the sample: {SAMPLED[0][0] * signal:.0f}"
        f" ({SAMPLED[0][1]} of the {SAMPLED[0][0]} items with a sign of a repeat were read,"
        f" {repeats} were repeats; {SAMPLED[1][1]} of the {SAMPLED[1][0]} without: none was)"
    )
    print(f"{'method':<44}{'found':>6}{'missed':>7}{'false':>6}{'wrong partner':>14}")
    rows: list[tuple[str, dict]] = [
        ("any shared link", {"naive": True}),
        ("specific links only", {"threshold": None, "linked": None, "twin": None}),
    ]
    rows += [
        (f"links, shared ones with headline >= {t:g}", {"threshold": None, "linked": t,
                                                         "twin": None})
        for t in LINKED
    ]  # fmt: skip
    rows += [
        (f"  + headline alone >= {t:g}", {"threshold": t, "linked": LINKED_THRESHOLD,
                                          "twin": None})
        for t in THRESHOLDS
    ]  # fmt: skip
    rows += [
        (f"  + twins (other language) >= {t:g}", {"threshold": TITLE_THRESHOLD,
                                                  "linked": LINKED_THRESHOLD, "twin": t})
        for t in TWIN_THRESHOLDS
    ]  # fmt: skip
    rows.append(("headline alone >= shipped", {"threshold": TITLE_THRESHOLD, "linked": None,
                                                "links": False}))  # fmt: skip
    for name, options in rows:
        if options.pop("links", True):
            result, _ = ingest(posts, **options)
        else:
            result = _titles_only(posts, options["threshold"])
        _, hit, missed, false, wrong = score(labels, result)
        shipped = options == {"threshold": TITLE_THRESHOLD, "linked": LINKED_THRESHOLD,
                              "twin": TWIN_THRESHOLD}  # fmt: skip
        mark = "  <- shipped" if shipped else ""
        print(f"{name:<44}{hit:>6}{missed:>7}{false:>6}{wrong:>14}{mark}")

    _twin_table(posts, labels, load_twins(by_path))

    biggest = max(posts, key=lambda p: len(p.digest.items))
    print(f"\nslowest post to match: {slowest * 1000:.1f} ms of CPU (largest post:"
          f" {len(biggest.digest.items)} items)")  # fmt: skip
    _signature_cost(posts)

    if args.errors:
        print("\nerrors of the shipped method:")
        for label in labels:
            match = found.get((label.path, label.position))
            item = by_path[label.path].digest.items[label.position - 1]
            if label.earlier and match is None:
                print(f"  missed  {label.path}#{label.position} {item.title[:70]!r}")
            elif not label.earlier and match is not None:
                print(f"  false   {label.path}#{label.position} {item.title[:70]!r}"
                      f" -> {match[0]}#{match[1]} ({match[2]})")  # fmt: skip
            elif match is not None and (match[0], match[1]) not in label.earlier:
                print(f"  partner {label.path}#{label.position} -> {match[0]}#{match[1]}")


if __name__ == "__main__":
    main()
