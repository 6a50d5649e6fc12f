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
from bot.digest.parse import parse_file
from bot.digest.stories import (
    LINKED_THRESHOLD,
    LOOKBACK_DAYS,
    TITLE_THRESHOLD,
    Match,
    Told,
    find_repeats,
    specific_keys,
    told,
)

ROOT = Path(__file__).resolve().parents[1]
LABELS = ROOT / "tests" / "fixtures" / "repeat_labels.tsv"
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
        posts.append(Post(str(path.relative_to(DATA)), parse_file(path)))
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
    naive: bool = False,
) -> tuple[dict[tuple[str, int], tuple[str, int, str]], float]:
    """Link every item as the bot does at ingest (naive: any shared link is the same
    story). Returns {(path, position): (earlier path, earlier position, how)} and the
    slowest post's matching time in seconds."""
    ids: dict[int, tuple[str, int]] = {}
    seen: list[tuple[float, str, Told]] = []  # (published ts, path, what it told)
    found: dict[tuple[str, int], tuple[str, int, str]] = {}
    slowest = 0.0
    next_id = 1
    for post in posts:
        ts = post.digest.published_at.timestamp()
        window = [
            t for when, path, t in seen if path != post.path and ts - when <= LOOKBACK_DAYS * 86400
        ]
        items = [(item.position, normalize_url(item.url), item.title) for item in post.digest.items]
        started = time.perf_counter()
        if naive:
            matches = _any_shared_link(items, window)
        else:
            matches = find_repeats(items, window, threshold=threshold, linked_threshold=linked)
        slowest = max(slowest, time.perf_counter() - started)
        by_position = {m.position: m for m in matches}
        keys = specific_keys((normalize_url(item.url), item.title) for item in post.digest.items)
        for item in post.digest.items:
            item_id = next_id
            next_id += 1
            ids[item_id] = (post.path, item.position)
            match = by_position.get(item.position)
            if match:
                found[(post.path, item.position)] = (*ids[match.earlier], match.how)
            story = match.story if match else item_id
            seen.append((ts, post.path, told(item_id, story, normalize_url(item.url), item.title,
                                             keys)))  # fmt: skip
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
    found, _ = ingest(bare, threshold=threshold, linked=None)
    return found


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
            ("link", "link+title", "title")}  # fmt: skip
    print(f"corpus: {len(posts)} posts, {total} items, each matched against the posts of the"
          f" {LOOKBACK_DAYS} days before it")  # fmt: skip
    print(f"repeats found: {len(found)} = {hows['link']} by a specific link"
          f" + {hows['link+title']} by a shared link and alike headline"
          f" + {hows['title']} by headline alone")  # fmt: skip
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
        ("specific links only", {"threshold": None, "linked": None}),
    ]
    rows += [
        (f"links, shared ones with headline >= {t:g}", {"threshold": None, "linked": t})
        for t in LINKED
    ]
    rows += [
        (f"  + headline alone >= {t:g}", {"threshold": t, "linked": LINKED_THRESHOLD})
        for t in THRESHOLDS
    ]
    rows.append(("headline alone >= shipped", {"threshold": TITLE_THRESHOLD, "linked": None,
                                                "links": False}))  # fmt: skip
    for name, options in rows:
        if options.pop("links", True):
            result, _ = ingest(posts, **options)
        else:
            result = _titles_only(posts, options["threshold"])
        _, hit, missed, false, wrong = score(labels, result)
        shipped = options == {"threshold": TITLE_THRESHOLD, "linked": LINKED_THRESHOLD}
        mark = "  <- shipped" if shipped else ""
        print(f"{name:<44}{hit:>6}{missed:>7}{false:>6}{wrong:>14}{mark}")

    biggest = max(posts, key=lambda p: len(p.digest.items))
    print(f"\nslowest post to match: {slowest * 1000:.1f} ms (largest post:"
          f" {len(biggest.digest.items)} items)")  # fmt: skip

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
