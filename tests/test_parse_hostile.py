"""Hostile and broken posts: refused with a clear ParseError, or parsed to a digest of
sane size. Never a crash, never a stall (timings live in bench/parse_worst.py)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.digest import limits
from bot.digest.html import html_to_markdown
from bot.digest.models import Digest, Item, Link
from bot.digest.parse import (
    ParseError,
    ParseResult,
    digest_from_html_result,
    parse_file,
    parse_text,
    parse_text_result,
)

FRONT = "---\ntitle: T\ndate: 2026-01-01T08:00:00+08:00\n---\n\n"
WHEN = datetime(2026, 1, 1, tzinfo=UTC)


def alias_bomb() -> str:
    names = "abcdefgh"
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for previous, name in itertools.pairwise(names):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    return "---\n" + "\n".join(lines) + "\ntitle: *h\ndate: 2026-01-01\n---\n\n- x\n"


def test_yaml_alias_bomb_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.md"
    path.write_text(alias_bomb())
    assert path.stat().st_size < 400
    with pytest.raises(ParseError) as caught:
        parse_file(path)
    assert caught.value.name == "bomb.md"
    assert "anchors/aliases" in caught.value.reason


@pytest.mark.parametrize(
    "front",
    [
        "title: &t Hello\ndate: 2026-01-01\nsubtitle: *t",  # a plain alias
        "base: &b {title: x}\n<<: *b\ndate: 2026-01-01",  # a merge key is an alias too
        "title: &t Hello\ndate: 2026-01-01",  # an anchor only exists to be aliased
    ],
)
def test_any_anchor_or_alias_is_refused(front: str) -> None:
    with pytest.raises(ParseError, match="anchors/aliases"):
        parse_text(f"---\n{front}\n---\n\n- x\n", name="a.md", source="s")


def test_ampersands_and_stars_in_values_are_not_anchors() -> None:
    text = '---\ntitle: "R&D *weekly* & more"\ndate: 2026-01-01\n---\n\n- [a](https://e.com)\n'
    assert parse_text(text, name="r.md", source="s").title == "R&D *weekly* & more"


@pytest.mark.parametrize(
    ("front", "reason"),
    [
        ("title: " + "[" * 5000 + "]" * 5000, "broken front matter"),  # nested too deeply
        ("title: x\ndate: 2025-13-45", "broken front matter: month must be in 1..12"),
        ("title: " + "1" * 5000, "broken front matter: Exceeds the limit"),
        ("title: x\ndate: [" + "1, " * 20000 + "1]", "front matter date is not a date: list"),
    ],
)
def test_front_matter_that_used_to_crash(front: str, reason: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_text(f"---\n{front}\n---\n\n- x\n", name="f.md", source="s")
    assert caught.value.reason.startswith(reason)
    assert len(str(caught.value)) < 200


def test_a_list_as_title_is_ignored_not_printed() -> None:
    text = "---\ntitle: [a, b]\ncategories: [x, [y], {z: 1}, 7]\ndate: 2026-01-01\n---\n\n# H1\n"
    digest = parse_text(text, name="l.md", source="s")
    assert digest.title == "H1"
    assert digest.categories == ("x", "7")


def test_every_field_is_clipped() -> None:
    long_url = "https://example.com/" + "a" * 3000
    links = "".join(f" [l{n}](https://example.com/{n})" for n in range(30))
    text = (
        "---\n"
        f"title: {'T' * 1000}\n"
        f"categories: [{', '.join(f'c{n}' + 'x' * 80 for n in range(40))}]\n"
        "date: 2026-01-01\n---\n\n"
        f"1.  [{'word ' * 200}- {'A' * 500}](https://example.com/story)\n\n"
        f"    {'**bold** summary text ' * 400}{links}\n\n"
        f"2.  [Long url - B]({long_url})\n\n    short [ok](https://example.com/ok)\n"
    )
    digest = parse_text(text, name="big.md", source="s")
    assert len(digest.title) == limits.MAX_TITLE_CHARS and digest.title.endswith("…")
    assert len(digest.categories) == limits.MAX_CATEGORIES
    assert all(len(c) <= limits.MAX_CATEGORY_CHARS for c in digest.categories)
    first, second = digest.items
    assert len(first.title) <= limits.MAX_ITEM_TITLE_CHARS
    assert first.author is not None and len(first.author) <= limits.MAX_AUTHOR_CHARS
    assert len(first.summary) <= limits.MAX_SUMMARY_CHARS
    assert first.summary.count("**") % 2 == 0 and first.summary.endswith("…")
    assert len(first.links) == limits.MAX_LINKS_PER_ITEM
    assert first.links[0].url == first.url == "https://example.com/story"
    # a URL over 2,048 characters is dropped (a cut one leads nowhere); the next stands in
    assert second.url == "https://example.com/ok" == second.links[0].url
    assert all(len(link.url) <= limits.MAX_URL_CHARS for link in second.links)


def test_items_past_the_cap_are_dropped_and_counted() -> None:
    count = limits.MAX_ITEMS + 37
    text = FRONT + "".join(
        f"{n}.  [Story {n} - A](https://example.com/{n})\n\n    Text {n}.\n\n"
        for n in range(1, count + 1)
    )
    result = parse_text_result(text, name="many.md", source="s")
    assert len(result.digest.items) == limits.MAX_ITEMS
    assert result.dropped_items == 37
    assert result.digest.items[-1].position == limits.MAX_ITEMS
    assert result.digest.items[-1].title == f"Story {limits.MAX_ITEMS}"
    assert len(result.sections) == limits.MAX_ITEMS
    # the plain form gives the same capped digest
    assert parse_text(text, name="many.md", source="s") == result.digest


def test_feed_html_is_capped_and_clipped_too() -> None:
    html = "<ul>" + "".join(
        f'<li><a href="https://e.com/{n}">S{n}</a> {"x" * 5000}</li>' for n in range(600)
    )
    result = digest_from_html_result(
        html + "</ul>", id="h", source="s", title="t" * 400, published_at=WHEN
    )
    assert result.dropped_items == 100 and len(result.digest.items) == limits.MAX_ITEMS
    assert len(result.digest.title) == limits.MAX_TITLE_CHARS
    assert all(len(i.summary) <= limits.MAX_SUMMARY_CHARS for i in result.digest.items)


def test_year_9999_dates_parse_and_serialise() -> None:
    text = "---\ntitle: Far\ndate: 9999-12-31T23:59:59+00:00\n---\n\n- [a](https://e.com)\n"
    digest = parse_text(text, name="far.md", source="s")
    assert digest.published_at == datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
    assert digest.to_json_dict()["published_at"] == "9999-12-31T23:59:59+00:00"
    assert len(digest.content_hash) == 64
    bare = parse_text(text.replace("T23:59:59+00:00", ""), name="far.md", source="s")
    assert bare.published_at == datetime(9999, 12, 31, tzinfo=UTC)


def test_a_date_no_instant_can_hold_is_refused() -> None:
    # 9999-12-31 23:00 at UTC-5 is year 10000 in UTC: every conversion would raise.
    text = "---\ntitle: X\ndate: 9999-12-31T23:00:00-05:00\n---\n\n- [a](https://e.com)\n"
    with pytest.raises(ParseError, match=r"x\.md: date out of range"):
        parse_text(text, name="x.md", source="s")


def test_a_bad_zone_in_a_file_name_is_no_crash() -> None:
    digest = parse_text(
        "# T\n\n- [a](https://e.com/a)\n- [b](https://e.com/b)\n",
        name="briefing_20251205T002438+9900.md",
        source="s",
    )
    assert digest.published_at == datetime(2025, 12, 5, 0, 24, 38, tzinfo=UTC)


def test_lone_surrogates_and_nul_characters() -> None:
    text = FRONT + "1.  [Bad \ud800 head\x00line - Au\udfffthor](https://e.com/a)\n\n    s\x00um\n"
    digest = parse_text(text, name="s.md", source="s")
    item = digest.items[0]
    assert (item.title, item.author, item.summary) == ("Bad \ufffd headline", "Au\ufffdthor", "sum")
    json.dumps(digest.to_json_dict(), ensure_ascii=False).encode("utf-8")  # storable
    assert digest.content_hash


def test_nul_bytes_in_a_post_file_are_dropped(shared_data: Path, tmp_path: Path) -> None:
    canonical = shared_data / "digests/canonical/2025-12-20-12.md"
    raw = canonical.read_bytes()
    folder = tmp_path / "canonical"
    folder.mkdir()
    path = folder / canonical.name
    first, second = raw.index(b"\n", 500), raw.index(b"\n", 2000)  # between characters
    path.write_bytes(raw[:first] + b"\x00" + raw[first:second] + b"\x00\x00" + raw[second:])
    assert parse_file(path) == parse_file(canonical)


def test_utf16_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "2026-01-02-wide.md"
    path.write_bytes("# 宽\n\n- [a](https://e.com/a)\n".encode("utf-16"))
    digest = parse_file(path)
    assert digest.title == "宽" and digest.items[0].url == "https://e.com/a"


@pytest.mark.parametrize(
    "body",
    [
        "*a " * 8000 + " a*" * 8000,
        "_a " * 8000 + " a_" * 8000,
        "*" * 10000 + "a" + "*" * 10000,
        "- **x " * 5000 + "[y](https://e.com)",
    ],
    ids=["star-openers", "underscore-openers", "star-runs", "bullet-bold"],
)
def test_deep_emphasis_is_no_crash(body: str) -> None:
    """The post still parses: its title and date as given; emphasis without a link makes
    no item, and an item that has one keeps to the limits."""
    digest = parse_text(FRONT + "# H\n\n" + body + "\n", name="e.md", source="s")
    assert digest.title == "T" and digest.published_at == WHEN
    assert len(digest.items) == ("[y](https://e.com)" in body)
    for item in digest.items:
        assert item.url == "https://e.com"
        assert len(item.title) <= limits.MAX_ITEM_TITLE_CHARS
        assert len(item.summary) <= limits.MAX_SUMMARY_CHARS


def test_deeply_nested_html_lists_stay_linear() -> None:
    for depth in (1000, 4000):
        markdown = html_to_markdown("<ul><li>x" * depth)
        assert len(markdown) < 40 * depth  # was ~2 * depth**2 (indentation per level)


def test_clip_helpers() -> None:
    assert limits.clip("short", 10) == "short"
    assert limits.clip("one two three four", 10) == "one two…"
    assert limits.clip("模型" * 10, 5) == "模型模型…"
    summary = "**a** " * 10 + "**open bold that the cut splits**"
    clipped = limits.clip_summary(summary, 70)
    assert len(clipped) <= 70 and clipped.count("**") % 2 == 0
    item = Item(1, "", None, "https://e.com/" + "x" * 3000, "s", (Link("t", "https://e.com"),))
    digest = Digest("i", "s", "t", WHEN, items=(item,))
    clipped_digest, dropped = limits.clip_digest(digest)
    assert dropped == 0
    assert clipped_digest.items[0].title == "(untitled)"
    assert clipped_digest.items[0].url == "https://e.com"


def test_offsets_round_trip_unchanged() -> None:
    text = "---\ntitle: X\ndate: 2026-01-01T07:30:00+08:00\n---\n\n- [a](https://e.com)\n"
    published = parse_text(text, name="o.md", source="s").published_at
    assert published.utcoffset() == timedelta(hours=8)
    assert published == datetime(2026, 1, 1, 7, 30, tzinfo=timezone(timedelta(hours=8)))


# --- bad input of the shapes issue 18 names: a clear result, bounded memory ------------


def _peak_megabytes(make: Callable[[], ParseResult]) -> tuple[ParseResult, float]:
    import tracemalloc

    tracemalloc.start()
    try:
        result = make()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return result, peak / 2**20


def test_an_empty_post_says_so() -> None:
    for text in ("", "\n\n   \n", "---\n---\n"):
        with pytest.raises(ParseError, match="empty post"):
            parse_text(text, name="empty.md", source="t")
    # a title and a date but nothing else: a valid digest with no items
    digest = parse_text("# Nothing today\n", name="2026-01-01.md", source="t")
    assert digest.items == ()


def test_one_list_of_5000_bare_links() -> None:
    from bench.parse_worst import bare_links

    result, peak = _peak_megabytes(
        lambda: parse_text_result(bare_links(5_000), name="b.md", source="t")
    )
    assert len(result.digest.items) == limits.MAX_ITEMS
    assert result.dropped_items == 5_000 - limits.MAX_ITEMS
    assert result.digest.items[0].url == "https://example.com/bare/0"
    assert peak < 200, peak


def test_headings_nested_50_deep() -> None:
    from bench.parse_worst import nested_headings

    result, peak = _peak_megabytes(
        lambda: parse_text_result(nested_headings(50), name="n.md", source="t")
    )
    assert result.digest.items  # the outer levels are read; nothing crashes
    assert all(
        item.url and item.url.startswith("https://example.com/n/") for item in result.digest.items
    )
    assert peak < 50, peak


def test_every_line_a_heading() -> None:
    from bench.parse_worst import every_line_a_heading

    result, peak = _peak_megabytes(
        lambda: parse_text_result(every_line_a_heading(10_000), name="h.md", source="t")
    )
    assert result.digest.items == ()  # headings without links or text are no stories
    assert result.explanation is not None and result.explanation.unclear is None
    assert peak < 300, peak


def test_thousands_of_items_sharing_one_link_stay_items() -> None:
    from bench.parse_worst import shared_link_bullets

    result = parse_text_result(shared_link_bullets(2_000), name="s.md", source="t")
    assert len(result.digest.items) + result.dropped_items == 2_000
