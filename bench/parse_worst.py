"""Parse time of hostile posts: the worst inputs the parser has been shown, made here.

    python bench/parse_worst.py [--only NAME] [--repeat N]

Each case is a post the bot might be handed by a feed or a folder (all under the
5 MB limit); the figure is the best of N wall-clock runs of parse_text (digest_from_html
for the feed-entry cases), with the number of items it gave, the characters of its
longest field, or what it said when it refused the post. What to look for: time about
doubling from the half-size column to the full one (linear), and no case near the 17 s
the alias bomb once took. The `[` cases are markdown-it's own link-label scanning
(about 8 microseconds per unmatched bracket), which the parser cannot change.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from datetime import UTC, datetime

from bot.digest.parse import ParseError, digest_from_html, parse_text

FRONT = "---\ntitle: Bench\ndate: 2026-01-01T08:00:00+08:00\n---\n\n"


def alias_bomb(_: int) -> str:
    """Eight levels of nine aliases each: 358 bytes that expand to 9**8 strings."""
    names = "abcdefgh"
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for previous, name in itertools.pairwise(names):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    lines.append("title: *h")
    lines.append("date: 2026-01-01")
    return "---\n" + "\n".join(lines) + "\n---\n\n1. [x](https://e.com)\n"


def brackets(size: int) -> str:
    return FRONT + "[" * size + "\n"


def bracket_links(size: int) -> str:
    """Openers that almost close: `[a](` never finished, the link rule retried."""
    return FRONT + "[a](" * (size // 4) + "\n"


def stars(size: int) -> str:
    return FRONT + "*" * size + "\n"


def emphasis(size: int) -> str:
    """Emphasis openers that never close, then closers: the delimiter stack's worst."""
    half = size // 2
    return FRONT + "*a " * (half // 3) + " a*" * (half // 3) + "\n"


def nested_emphasis(size: int) -> str:
    return FRONT + "**a *b " * (size // 7) + "\n"


def canonical_items(count: int) -> str:
    return FRONT + "".join(
        f"{n}.  [Headline number {n} - Author {n}](https://example.com/s/{n})\n\n"
        f"    A summary with **bold {n}** key phrases, said once.\n\n"
        for n in range(1, count + 1)
    )


def bullet_items(count: int) -> str:
    """AINews style: bold-lead bullets with links under a linked channel heading."""
    return (
        FRONT
        + "# Discord\n\n## [Channel](https://discord.com/channels/1) Discord\n\n"
        + "".join(
            f"- **Topic {n}**: people said things ([tweet](https://twitter.com/u{n}/status/{n}))\n"
            f"   - more on topic {n}\n"
            for n in range(1, count + 1)
        )
    )


def headings(count: int) -> str:
    return FRONT + "".join(
        f"### [Story {n}](https://example.com/h/{n})\n\nText of story {n}.\n\n"
        for n in range(1, count + 1)
    )


def bare_links(count: int) -> str:
    """One list of bare URLs, no text: each is a story of its own."""
    return FRONT + "".join(f"- https://example.com/bare/{n}\n" for n in range(count))


def shared_link_bullets(count: int) -> str:
    """Bullets that all point to one page: the repeat check must stay linear."""
    return (
        FRONT
        + "# Day\n\n"
        + "".join(
            f"- **Story {n}**: text [source](https://example.com/day)\n" for n in range(count)
        )
    )


def every_line_a_heading(count: int) -> str:
    return FRONT + "".join(f"{'#' * (n % 6 + 1)} Line {n}\n" for n in range(count))


def nested_headings(depth: int) -> str:
    """Headings inside quotes inside lists, `depth` levels down."""
    lines = []
    for level in range(depth):
        prefix = "> " * level
        lines.append(f"{prefix}- ## [Level {level}](https://example.com/n/{level})\n{prefix}")
    return FRONT + "\n".join(lines) + "\n"


def html_nested_lists(depth: int) -> str:
    """A feed entry of unclosed lists: each level used to indent every line below it."""
    return "<ul><li>x" * depth


def html_items(count: int) -> str:
    return (
        "<ul>"
        + "".join(f'<li><a href="https://e.com/{n}">Story {n}</a> text</li>' for n in range(count))
        + "</ul>"
    )


# name -> (make(size), full size, "md" post or "html" feed entry)
CASES: dict[str, tuple[Callable[[int], str], int, str]] = {
    "yaml alias bomb": (alias_bomb, 0, "md"),
    "500 KB of [": (brackets, 500_000, "md"),
    "500 KB of [a](": (bracket_links, 500_000, "md"),
    "380 KB of *": (stars, 380_000, "md"),
    "380 KB of *a  a*": (emphasis, 380_000, "md"),
    "380 KB of **a *b": (nested_emphasis, 380_000, "md"),
    "10,000 canonical items": (canonical_items, 10_000, "md"),
    "10,000 bullets, one heading": (bullet_items, 10_000, "md"),
    "10,000 linked headings": (headings, 10_000, "md"),
    "5,000 bare links, one list": (bare_links, 5_000, "md"),
    "10,000 bullets, one shared link": (shared_link_bullets, 10_000, "md"),
    "10,000 lines, every one a heading": (every_line_a_heading, 10_000, "md"),
    "headings nested 50 deep": (nested_headings, 50, "md"),
    "html: 1,000 nested <ul>": (html_nested_lists, 1_000, "html"),
    "html: 10,000 <li> stories": (html_items, 10_000, "html"),
}


def parse(text: str, kind: str):
    if kind == "html":
        when = datetime(2026, 1, 1, tzinfo=UTC)
        return digest_from_html(text, id="b", source="bench", title="B", published_at=when)
    return parse_text(text, name="2026-01-01-bench.md", source="bench")


def measure(text: str, kind: str, repeat: int) -> tuple[float, str]:
    best, outcome = float("inf"), ""
    for _ in range(repeat):
        start = time.perf_counter()
        try:
            digest = parse(text, kind)
        except ParseError as error:
            outcome = f"ParseError: {error.reason}"
        else:
            longest = max(
                [len(digest.title)]
                + [len(f) for item in digest.items for f in (item.title, item.summary)]
            )
            outcome = f"{len(digest.items)} items, longest field {longest:,} chars"
        best = min(best, time.perf_counter() - start)
    return best, outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", help="run the cases whose name contains this")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{'case':30} {'bytes':>10} {'seconds':>9} {'half size':>10}  outcome")
    for name, (make, size, kind) in CASES.items():
        if args.only and args.only not in name:
            continue
        text = make(size)
        seconds, outcome = measure(text, kind, args.repeat)
        half = f"{measure(make(size // 2), kind, args.repeat)[0]:10.3f}" if size else " " * 10
        print(f"{name:30} {len(text.encode()):10,} {seconds:9.3f} {half}  {outcome[:70]}")


if __name__ == "__main__":
    main()
