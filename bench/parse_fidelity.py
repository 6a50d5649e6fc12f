"""How closely parsed items match the items a reader counts, per source.

    python bench/parse_fidelity.py [--posts]

Labels: tests/fixtures/parse_labels.tsv (tools/label_posts.py; path, item number, the
first 8 hex of sha1 of the item's link, `-` for an item without a link of its own).
Items match by link, several items without their own link by count (a link that 3+
items of a post share, a chat channel's or a day's page, counts as none). Precision,
recall and F1 are summed over the posts of a source.

Leave-one-source-out: each threshold the parser was tuned on (items.RETOLD_SHARE) is
chosen on the other sources' posts, then the source left out is scored with it; that
F1 is the figure that counts. --posts lists each post's counts (labels, parsed, matched).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.digest import items as items_module
from bot.digest.parse import ParseError, parse_file
from bot.sources.feeds import digests_from_feed

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
LABELS = ROOT / "tests" / "fixtures" / "parse_labels.tsv"
# Candidate values for each tuned threshold.
GRID = {"RETOLD_SHARE": (0.1, 0.2, 0.3, 0.4, 0.5, 0.7, 1.01)}


def load_labels(path: Path = LABELS) -> dict[str, list[str]]:
    labels: dict[str, list[str]] = defaultdict(list)
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        relative, number, mark = line.split("\t")
        labels[relative]  # a post with no items has its row with number 0
        if number != "0":
            labels[relative].append(mark)
    return dict(labels)


def source_of(relative: str) -> str:
    return relative.split("/")[1]


def parsed_marks(relative: str) -> list[str]:
    path = DATA / relative
    if relative.startswith("feeds/"):
        digests, _ = digests_from_feed(path.read_bytes(), "https://feed.example/feed.xml")
        found = [item for digest in digests for item in digest.items]
    else:
        try:
            found = list(parse_file(path).items)
        except ParseError:
            return []
    return [hashlib.sha1(item.url.encode()).hexdigest()[:8] if item.url else "-" for item in found]


def _shared_as_none(marks: list[str]) -> Counter:
    counts = Counter(marks)
    return Counter(mark if counts[mark] < 3 else "-" for mark in marks)


def match(labelled: list[str], parsed: list[str]) -> tuple[int, int, int]:
    """(labelled items, parsed items, matched)."""
    want, got = _shared_as_none(labelled), _shared_as_none(parsed)
    return len(labelled), len(parsed), sum((want & got).values())


def f1(totals: tuple[int, int, int]) -> tuple[float, float, float]:
    labelled, parsed, matched = totals
    precision = matched / parsed if parsed else float(labelled == 0)
    recall = matched / labelled if labelled else float(parsed == 0)
    score = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, score


def score_all(labels: dict[str, list[str]], **settings: float) -> dict[str, dict[str, tuple]]:
    """Per source, per post: (labelled, parsed, matched) with the given settings."""
    for name, value in settings.items():
        setattr(items_module, name, value)
    out: dict[str, dict[str, tuple]] = defaultdict(dict)
    for relative, labelled in labels.items():
        out[source_of(relative)][relative] = match(labelled, parsed_marks(relative))
    return out


def summed(posts: dict[str, tuple]) -> tuple[int, int, int]:
    labelled = sum(counts[0] for counts in posts.values())
    parsed = sum(counts[1] for counts in posts.values())
    return labelled, parsed, sum(counts[2] for counts in posts.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", action="store_true", help="list every post's counts")
    args = parser.parse_args()
    labels = load_labels()
    default = items_module.RETOLD_SHARE
    runs = {value: score_all(labels, RETOLD_SHARE=value) for value in GRID["RETOLD_SHARE"]}
    items_module.RETOLD_SHARE = default
    sources = sorted(runs[default])
    print(f"{len(labels)} labelled posts, {sum(len(v) for v in labels.values())} items\n")
    print(f"{'source':30} {'posts':>5} {'items':>6} {'P':>6} {'R':>6} {'F1':>6}  LOSO value  F1")
    for source in sources:
        # the value that does best on every other source, summed over their posts
        def others(value: float, source: str = source) -> float:
            posts = {k: v for s, p in runs[value].items() if s != source for k, v in p.items()}
            return f1(summed(posts))[2]

        scores = {value: others(value) for value in GRID["RETOLD_SHARE"]}
        best = max(scores.values())
        # ties (the other sources cannot tell the values apart) keep the default
        chosen = default if scores[default] == best else max(scores, key=scores.__getitem__)
        own = runs[default][source]
        precision, recall, score = f1(summed(own))
        loso = f1(summed(runs[chosen][source]))[2]
        print(
            f"{source:30} {len(own):5} {summed(own)[0]:6} {precision:6.3f} {recall:6.3f} "
            f"{score:6.3f}  {chosen:10} {loso:.3f}"
        )
        if args.posts:
            for relative, (labelled, parsed, matched) in sorted(own.items()):
                print(f"    {relative:90} {labelled:5} {parsed:5} {matched:5}")


if __name__ == "__main__":
    main()
