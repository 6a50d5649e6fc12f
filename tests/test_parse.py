"""Parsing posts: the canonical layout field by field, every real layout, bad input."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.digest.models import Link
from bot.digest.parse import (
    MAX_POST_BYTES,
    ParseError,
    digest_from_html,
    parse_file,
    parse_text,
    parse_text_result,
)

CANONICAL = "digests/canonical/2025-12-20-12.md"
SAMPLES = Path(__file__).resolve().parents[1] / "bot" / "samples"

# Items per real post, counted by hand from the files (see the notes beside each).
EXPECTED_COUNTS = {
    # header + timestamp only: an empty digest, valid
    "ai-briefing-archive/hackernews/briefing_20251205T002438+0000.md": 0,
    # `- summary [消息来源](url)` bullets under `## 1. topic` headings (topics are not items)
    "ai-briefing-archive/hackernews/briefing_20251205T060650+0000.md": 5,
    "ai-briefing-archive/hackernews/briefing_20251210T003109+0000.md": 3,
    "ai-briefing-archive/twitter-list/briefing_20251201T131103+0000.md": 12,
    "ai-briefing-archive/twitter-list/briefing_20251202T034403+0000.md": 6,
    "ai-briefing-archive/twitter-list/briefing_20251203T001400+0000.md": 6,
    "ai-briefing-archive/twitter-list/briefing_20251204T001259+0000.md": 4,
    "ai-briefing-archive/twitter-list/briefing_20251205T060047+0000.md": 5,
    "ai-briefing-archive/twitter-list/briefing_20251206T001359+0000.md": 8,
    "ai-briefing-archive/twitter-list/briefing_20251207T001326+0000.md": 4,
    "ai-briefing-archive/twitter-list/briefing_20251208T001347+0000.md": 5,
    "ai-briefing-archive/twitter-list/briefing_20251209T001338+0000.md": 5,
    "ai-briefing-archive/twitter-list/briefing_20251210T002103+0000.md": 3,
    "ai-briefing-archive/twitter-list/briefing_20251211T001843+0000.md": 5,
    # AINews (zh translation and English), ~170 KB posts: one item per story, i.e. per
    # top-level bullet of the Twitter / Reddit / Discord recaps AND of every Discord
    # server and channel section. Counted by hand as the lines starting "- " at column 0
    # (`grep -c '^- ' FILE`; sub-bullets are indented), minus the front matter's unquoted
    # list lines, plus channel sections whose only content is a paragraph (one item each).
    # zh 25-12-19: 400 "- " lines - 24 front matter + 1 paragraph-only channel = 377
    "ainews-zh-cn/25-12-19-not-much.md": 377,
    # zh 25-12-29: 127 "- " lines - 25 front matter = 102
    "ainews-zh-cn/25-12-29-meta-manus.md": 102,
    "canonical/2025-12-20-12.md": 19,
    # hextra cn: numbered bold items under ### topic headings (2+2+2+3+2 etc.)
    "hextra-ai-insight-daily/cn/2025-12-14.md": 11,
    "hextra-ai-insight-daily/cn/2025-12-15.md": 10,
    "hextra-ai-insight-daily/cn/2025-12-16.md": 10,
    # the 50-entry full list, plus 4 deep-dive stories not in it (the other deep dives
    # repeat listed links and are dropped; 3 have no link at all)
    "hextra-ai-insight-daily/cn/2025-12-18.md": 54,
    # TOP 10 as bold lines + 10 "分类速览" bullets; the index table is not items
    "hextra-ai-insight-daily/cn/2025-12-19.md": 20,
    "hextra-ai-insight-daily/cn/2025-12-20.md": 12,  # `### **1. [t](u)**` x10 + 2 bullets
    "hextra-ai-insight-daily/cn/2025-12-21.md": 19,  # 10 + 4 + 3 + 2
    "hextra-ai-insight-daily/cn/2025-12-22.md": 18,  # 10 + 4 + 2 + 2
    "hextra-ai-insight-daily/cn/2025-12-23.md": 21,  # 10 + 11; after a stray ``` fence
    "hextra-ai-insight-daily/cn/2025-12-24.md": 17,  # `### 1. [t](u)` x10 + 7 bullets
    "hextra-ai-insight-daily/en/2025-12-05.md": 24,  # 5 + 8 + 5 + 1 + 5
    "hextra-ai-insight-daily/en/2025-12-06.md": 27,  # 5 + 5 + 5 + 6 + 6
    "hextra-ai-insight-daily/en/2025-12-07.md": 14,
    # `### [Title](url) — score` items under Must Read / Worth Reading / Neutral
    "makinotes-ai-daily-feed/2026-02-03.md": 14,
    "makinotes-ai-daily-feed/2026-03-09.md": 2,
    "makinotes-ai-daily-feed/2026-03-10.md": 18,
    # peon: `###`/`##` story headings with prose, "要点" bullets and 🔗 links
    "peon/2026-02-14-daily-digest.md": 10,
    "peon/2026-03-04-daily-digest.en.md": 20,  # 14 stories + 6 "also worth watching"
    "peon/2026-03-04-daily-digest.md": 20,
    "peon/2026-03-05-daily-digest.en.md": 12,  # `**链接：** https://bare` links
    "peon/2026-03-05-daily-digest.md": 12,
    "peon/2026-03-20-daily-digest.en.md": 8,  # `## Title` + `来源：https://bare`
    "peon/2026-03-20-daily-digest.md": 8,
    "peon/2026-05-18-daily-digest.en.md": 7,
    "peon/2026-05-18-daily-digest.md": 7,
    # English AINews (front matter lists are indented, so no "- " line is theirs):
    # 25-12-18: 375 "- " lines - 3 (the editor's intro list "The announcements today are",
    # in prose with links of its own: not stories) + 1 paragraph-only channel
    # (GPU MODE #thunderkittens) = 373
    "smol-ai-ainews/frozen-issues/25-12-18-claude-skills-grows.md": 373,
    # 25-12-19: 376 "- " lines + 1 paragraph-only channel = 377
    "smol-ai-ainews/frozen-issues/25-12-19-not-much.md": 377,
    "smol-ai-ainews/issues/25-12-19-not-much.md": 0,  # stub: front matter + one line
    # 23 "- " lines (18 Twitter recap + 5 top tweets) + 14 Reddit posts ("  - **[" lines)
    "smol-ai-ainews/issues/26-08-21-not-much.md": 37,
}


# A headline that is only a score, a count or a field's label is a field read as a story.
_NOT_A_HEADLINE = re.compile(
    r"[\d\s.,/%+-]*|(?:来源|链接|摘要|时间|发布时间|评分|source|link|summary|time|score)s?",
    re.IGNORECASE,
)
_HTTP = re.compile(r"https?://")


def test_every_real_post_parses(shared_data: Path) -> None:
    """Properties that hold however the corpus grows; the hand-counted files above keep
    their counts."""
    root = shared_data / "digests"
    rows, found = [], {}
    for path in sorted(root.rglob("*.md")):
        name = str(path.relative_to(root))
        digest = parse_file(path)  # no file may crash
        found[name] = len(digest.items)
        rows.append(
            f"{name:66} {len(digest.items):4} {digest.published_at.isoformat():33} "
            f"{digest.title[:40]}"
        )
        assert digest.published_at.tzinfo is not None
        for position, item in enumerate(digest.items, start=1):
            assert item.position == position
            assert item.title.strip()
            assert not _NOT_A_HEADLINE.fullmatch(item.title.strip()), (name, position)
            if item.url:
                assert item.url.startswith(("http://", "https://"))
                assert item.links[0].url == item.url
        if not digest.items:  # only a post with no stories to link may give none
            body = path.read_text(encoding="utf-8").split("\n---", 2)[-1]
            assert len(_HTTP.findall(body)) < 3, name
    print("\n" + f"{'file':66} {'items':>4} {'published_at':33} title")
    print("\n".join(rows))
    assert {name: found[name] for name in EXPECTED_COUNTS} == EXPECTED_COUNTS


def test_canonical_post_field_by_field(shared_data: Path) -> None:
    path = shared_data / CANONICAL
    digest = parse_file(path)
    assert digest.id == "canonical/2025-12-20-12"
    assert digest.source == "canonical"
    assert digest.title == "2025.12.20.12 过去4小时全球AI发生了什么？"
    assert digest.published_at == datetime(
        2025, 12, 20, 12, 0, 7, tzinfo=timezone(timedelta(hours=8))
    )
    assert digest.published_at.utcoffset() == timedelta(hours=8)
    assert digest.categories == ("AI News", "Tech Updates")
    assert len(digest.items) == 19

    first = digest.items[0]
    assert first.position == 1
    assert first.title == (
        "Alibaba's Qwen-Image-Layered is LIVE — native image decomposition, fully open-sourced!"
    )
    assert first.author == "merve"
    assert first.url == "https://x.com/mervenoyann/status/2002053971406700740"
    assert first.summary == (
        "阿里巴巴的Qwen团队发布了**完全开源的Qwen-Image-Layered模型**，该模型提供"
        "**Photoshop级别的原生图片分层功能**。这项强大的技术能够将图片分解为多个层，"
        "预计将催生出多种创新应用场景，为图像处理和内容创作带来变革性的潜力。"
    )
    assert first.links == (
        Link(
            "Alibaba's Qwen-Image-Layered is LIVE — native image decomposition, "
            "fully open-sourced! - merve",
            "https://x.com/mervenoyann/status/2002053971406700740",
        ),
    )

    fourth = digest.items[3]  # " - " inside the headline ('23-'25): split at the LAST one
    assert fourth.title == "that narrative would have led you to believe in '23-'25"
    assert fourth.author == "sarah guo"

    sixth = digest.items[5]  # an author with a comma
    assert sixth.title == "We're not seeing 40X year-over-year hyper-deflation—we're seeing 390X."
    assert sixth.author == "Peter H. Diamandis, MD"

    fifteenth = digest.items[14]  # the headline's own trailing colon is kept
    assert fifteenth.title == "一个优化自己 PPT 视觉效果的方案："
    assert fifteenth.author == "宝玉"
    assert fifteenth.url == "https://x.com/dotey/status/2002093701158580545"

    last = digest.items[18]
    assert last.position == 19
    assert last.author == "Demis Hassabis"
    assert last.title.endswith("NotebookLM is OFFICI…")
    assert last.summary.startswith("NotebookLM作为一项备受期待的功能")
    assert "**AI辅助学习和信息管理**" in last.summary

    # All 19 against an independent reading of the raw lines.
    raw = path.read_text(encoding="utf-8")
    expected = []
    for match in re.finditer(r"^\d+\.\s+\[(.*)\]\((https://[^)]+)\)$", raw, re.MULTILINE):
        title, _, author = match.group(1).rpartition(" - ")
        expected.append((title, author, match.group(2)))
    assert len(expected) == 19
    assert [(i.title, i.author, i.url) for i in digest.items] == expected
    for item in digest.items:
        assert "\n" not in item.summary and item.summary.count("**") % 2 == 0
        assert not item.summary.startswith(" ")  # the indented paragraph is de-indented


def test_same_file_same_id_whatever_the_path(shared_data: Path) -> None:
    direct = parse_file(shared_data / CANONICAL)
    roundabout = parse_file(
        shared_data / "digests" / "peon" / ".." / "canonical" / "2025-12-20-12.md"
    )
    assert roundabout.id == direct.id
    assert roundabout.content_hash == direct.content_hash


def test_crlf_and_bom_give_the_same_digest(shared_data: Path, tmp_path: Path) -> None:
    text = (shared_data / CANONICAL).read_text(encoding="utf-8")
    folder = tmp_path / "canonical"
    folder.mkdir()
    crlf = folder / "2025-12-20-12.md"
    crlf.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    assert parse_file(crlf) == parse_file(shared_data / CANONICAL)


def test_dates_from_names_titles_and_quoted_lines(shared_data: Path) -> None:
    root = shared_data / "digests"
    briefing = parse_file(root / "ai-briefing-archive/hackernews/briefing_20251205T002438+0000.md")
    assert briefing.items == ()
    assert briefing.title == "AI 快讯 · Hacker News"
    assert briefing.published_at == datetime(2025, 12, 5, 0, 24, 38, 545703, tzinfo=UTC)
    hextra = parse_file(root / "hextra-ai-insight-daily/cn/2025-12-14.md")  # no date field
    assert hextra.published_at == datetime(2025, 12, 14, tzinfo=UTC)
    peon = parse_file(root / "peon/2026-03-04-daily-digest.md")  # bare `date: 2026-03-04`
    assert peon.published_at == datetime(2026, 3, 4, tzinfo=UTC)
    assert peon.categories == ("digest",)
    stub = parse_file(root / "smol-ai-ainews/issues/25-12-19-not-much.md")
    assert stub.items == () and stub.title == "not much happened today"
    assert stub.published_at == datetime(2025, 12, 19, 5, 44, 39, 731046, tzinfo=UTC)
    # no front matter, no date in the text: the two-digit-year slug
    text = "# Notes\n\n- [A story](https://example.com/a)\n- [Another](https://example.com/b)\n"
    assert parse_text(text, name="25-12-19-x.md", source="t").published_at == datetime(
        2025, 12, 19, tzinfo=UTC
    )
    # nothing at all: default_time
    when = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    assert parse_text(text, name="notes.md", source="t", default_time=when).published_at == when


def test_weekly_and_monthly_posts_are_dated_at_the_end_of_their_period() -> None:
    text = "# AI Weekly Digest\n\n- [A story](https://example.com/a)\n"
    # ISO week 9 of 2026 runs Monday 23 February to Sunday 1 March
    week = parse_text(text, name="2026-W09.md", source="t").published_at
    assert week.date() == datetime(2026, 3, 1).date()
    month = parse_text(text, name="2026-02.md", source="t").published_at
    assert month.date() == datetime(2026, 2, 28).date()
    leap = parse_text("# Report 2024-02\n", name="report.md", source="t").published_at
    assert leap.date() == datetime(2024, 2, 29).date()
    december = parse_text(text, name="2025-12.md", source="t").published_at
    assert december.date() == datetime(2025, 12, 31).date()
    with pytest.raises(ParseError, match="no date"):
        parse_text(text, name="2026-W60.md", source="t")  # no such week
    with pytest.raises(ParseError, match="no date"):
        parse_text(text, name="2026-13.md", source="t")  # no such month


def test_a_day_without_a_time_is_that_day_in_the_source_zone() -> None:
    from zoneinfo import ZoneInfo

    shanghai = ZoneInfo("Asia/Shanghai")
    items = "\n- [A story](https://example.com/a)\n"
    # a generated-at line with a named zone is the publication time
    stamped = "# 日报\n\n- 生成时间：2026-05-12 09:03（Asia/Shanghai）\n" + items
    published = parse_text(stamped, name="2026-05-12.md", source="t").published_at
    assert published == datetime(2026, 5, 12, 9, 3, tzinfo=shanghai)
    # a day from the file name, the zone named elsewhere in the post: that day there
    named = "# 日报\n\n> 北京时间 (Asia/Shanghai)\n" + items
    day = parse_text(named, name="2026-05-12.md", source="t").published_at
    assert day == datetime(2026, 5, 12, tzinfo=shanghai)
    assert day.astimezone(UTC) == datetime(2026, 5, 11, 16, tzinfo=UTC)  # not 8 hours off
    # no zone in the post: the caller's (the source's earlier posts, DEFAULT_TZ), else UTC
    bare = "# Daily\n" + items
    given = parse_text_result(bare, name="2026-05-12.md", source="t", default_zone=shanghai)
    assert given.digest.published_at == datetime(2026, 5, 12, tzinfo=shanghai)
    assert parse_text(bare, name="2026-05-12.md", source="t").published_at == datetime(
        2026, 5, 12, tzinfo=UTC
    )
    # a front-matter time keeps its own offset whatever the default
    timed = "---\ndate: 2026-05-12T07:30:00+09:00\n---\n" + bare
    kept = parse_text_result(timed, name="x.md", source="t", default_zone=shanghai)
    assert kept.digest.published_at.utcoffset() == timedelta(hours=9)


def test_front_matter_closed_on_the_body_first_line() -> None:
    """`---### Top News` (a real post): the heading is the body's first line."""
    text = '---\ntitle: "Last Week #1"\ndate: 2026-01-12\n---### Top News\n\n#### [A](https://a.example/1)\n'
    digest = parse_text(text, name="x.md", source="t")
    assert digest.title == "Last Week #1"
    assert [item.title for item in digest.items] == ["A"]


def test_a_score_or_tag_before_a_linked_headline_is_not_the_headline() -> None:
    text = (
        "# Day\n\n- **91** [First story](https://a.example/1) — Weekly\n"
        "- **[产品]** [第二条](https://a.example/2)\n"
    )
    items = parse_text(text, name="2026-01-01.md", source="t").items
    assert [item.title for item in items] == ["First story", "第二条"]


def test_a_headline_with_its_link_quoted_under_it_is_a_story() -> None:
    text = (
        "# Issue 1\n\n## The hype\n\n### Brains - solved\n"
        '> Wired, ["DeepMind maps the brain"](https://wired.example/a)\n\nWell, almost.\n\n'
        "### Ads\n> 💡 想第一时间体验？来 [这里](https://ad.example/?m=ad) 领取。\n\nNo link.\n"
    )
    items = parse_text(text, name="2018-05-14.md", source="t").items
    assert [(item.title, item.url) for item in items] == [
        ("Brains - solved", "https://wired.example/a")
    ]


def test_layouts_give_sensible_items(shared_data: Path) -> None:
    root = shared_data / "digests"
    briefing = parse_file(root / "ai-briefing-archive/hackernews/briefing_20251205T060650+0000.md")
    assert briefing.items[0].url == "https://github.com/deepreinforce-ai/CUDA-L2"
    assert briefing.items[0].author is None
    assert "消息来源" not in briefing.items[0].summary
    makinotes = parse_file(root / "makinotes-ai-daily-feed/2026-03-09.md")
    assert makinotes.items[0].title.startswith("I Watched 6 AI Agents Design an App")
    assert makinotes.items[0].url.startswith("https://creatoreconomy.so/p/")
    peon = parse_file(root / "peon/2026-03-04-daily-digest.md")
    assert peon.items[0].title == "OpenAI 发布 GPT-5.3 Instant"
    assert [link.text for link in peon.items[0].links] == ["OpenAI 官方公告", "System Card"]
    titles = [
        item.title for item in parse_file(root / "hextra-ai-insight-daily/cn/2025-12-18.md").items
    ]
    assert titles[0] == "ConvertX开源文件转换器"
    assert not any("常见问题" in title or "爱窝啦" in title for title in titles)


@pytest.mark.parametrize("sample", sorted(SAMPLES.glob("*.md")), ids=lambda p: p.name)
def test_bundled_samples_are_canonical(sample: Path) -> None:
    digest = parse_file(sample)
    assert 8 <= len(digest.items) <= 12
    assert digest.published_at.utcoffset() == timedelta(hours=8)
    assert all(item.author and item.url and "**" in item.summary for item in digest.items)


def test_samples_cover_the_search_demos() -> None:
    text = " ".join(
        item.title + " " + item.summary
        for sample in sorted(SAMPLES.glob("*.md"))
        for item in parse_file(sample).items
    )
    for word in ("模型", "芯片", "OpenAI", "agents", "机器人", "robotics"):
        assert word in text, word
    times = sorted(parse_file(sample).published_at for sample in SAMPLES.glob("*.md"))
    assert len(times) == 3 and times[1] - times[0] == timedelta(hours=4)


def test_digest_from_html_list_of_stories() -> None:
    html = """<p>Tonight:</p><ol>
      <li><a href="https://example.com/1">First story - Alice</a>
          <p>It is <strong>big</strong>.</p></li>
      <li><a href="https://example.com/2">Second story - Bob</a><p>Smaller.</p></li>
      <li><a href="https://example.com/3">Third story</a></li></ol>"""
    when = datetime(2026, 11, 28, 8, tzinfo=UTC)
    digest = digest_from_html(
        html, id="h/1", source="h", title="T", published_at=when, categories=["AI"]
    )
    assert [(i.position, i.title, i.author, i.url) for i in digest.items] == [
        (1, "First story", "Alice", "https://example.com/1"),
        (2, "Second story", "Bob", "https://example.com/2"),
        (3, "Third story", None, "https://example.com/3"),
    ]
    assert digest.items[0].summary == "It is **big**."
    assert digest.categories == ("AI",)


# --- bad input: always a ParseError naming the file and the reason ----------------


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "image.md"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(ParseError) as caught:
        parse_file(path)
    assert caught.value.name == "image.md"
    assert "binary" in caught.value.reason
    assert str(caught.value).startswith("image.md: ")


def test_not_utf8_decodes_with_replacement(tmp_path: Path) -> None:
    path = tmp_path / "2026-01-02-latin1.md"
    path.write_bytes("# Café\n\n- [x](https://e.com)\n".encode("latin-1"))
    digest = parse_file(path)
    assert digest.title == "Caf\ufffd"
    assert [item.url for item in digest.items] == ["https://e.com"]


def test_broken_front_matter(tmp_path: Path) -> None:
    path = tmp_path / "broken.md"
    path.write_text('---\ntitle: "unclosed\ndate: [2025\n---\n\n1. [a](https://e.com)\n')
    with pytest.raises(ParseError) as caught:
        parse_file(path)
    assert caught.value.name == "broken.md"
    assert caught.value.reason.startswith("broken front matter")


def test_front_matter_not_closed_or_not_a_mapping() -> None:
    with pytest.raises(ParseError, match="not closed"):
        parse_text("---\ntitle: x\n\n1. [a](https://e.com)\n", name="a.md", source="s")
    with pytest.raises(ParseError, match="not a mapping"):
        parse_text("---\n- a\n- b\n---\n\ntext\n", name="b.md", source="s")
    with pytest.raises(ParseError, match="not a date"):
        parse_text("---\ntitle: x\ndate: soon\n---\n", name="c.md", source="s")


def test_twenty_megabyte_file(tmp_path: Path) -> None:
    path = tmp_path / "huge.md"
    with path.open("wb") as handle:
        handle.truncate(20 * 1024 * 1024)  # sparse: 20 MB on paper, cheap on disk
    assert path.stat().st_size > MAX_POST_BYTES
    with pytest.raises(ParseError) as caught:
        parse_file(path)
    assert str(caught.value) == "huge.md: file is 20.0 MB, over the 5 MB limit"


def test_nothing_recognisable() -> None:
    with pytest.raises(ParseError) as caught:
        parse_text("just some words\n\nand more words\n", name="notes.md", source="s")
    assert caught.value.reason.startswith("nothing recognisable")
    with pytest.raises(ParseError, match="empty post"):
        parse_text("  \n\n", name="blank.md", source="s")


def test_title_and_date_without_items_is_a_valid_empty_digest() -> None:
    digest = parse_text(
        "---\ntitle: Quiet day\ndate: 2026-01-01T08:00:00+08:00\n---\n\nNothing today.\n",
        name="quiet.md",
        source="s",
    )
    assert digest.items == () and digest.title == "Quiet day" and digest.id == "s/quiet"


def test_no_date_anywhere() -> None:
    with pytest.raises(ParseError, match="no date"):
        parse_text(
            "# Notes\n\n- [a](https://e.com/a)\n- [b](https://e.com/b)\n", name="n.md", source="s"
        )


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ParseError, match="cannot read"):
        parse_file(tmp_path / "absent.md")


# --- the parser's shortcuts (bot/digest/blocks.py) give markdown-it's own tokens ---

MARKED = [
    "1.  [Headline - Author](https://example.com/a?x=1#f)\n\n    **bold** text\n",
    "[ref]: https://example.com/r\n\nSee [ref] and [x][ref].\n",
    "<b>html</b> &amp; `code` ![img](https://e.com/i.png) \\* <https://auto.link>\n",
    "```\nfenced\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n# H\n\n> quote\n",
    "[link](HTTPS://Example.COM:8080/p) [b](https://例子.中国/路径) [c](http://a.com:/x)\n",
]


def _tokens(md, text: str) -> list:
    return [
        (
            t.type,
            t.content,
            t.markup,
            t.map,
            dict(t.attrs),
            [(c.type, c.content, dict(c.attrs)) for c in t.children or []],
        )
        for t in md.parse(text)
    ]


@pytest.mark.parametrize("text", MARKED)
def test_rules_off_without_their_markers_change_no_token(text: str) -> None:
    from markdown_it import MarkdownIt

    from bot.digest.blocks import _parser_for

    full = MarkdownIt("commonmark", {"html": True}).enable("table")
    assert _tokens(_parser_for(text), text) == _tokens(full, text)


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/a/b?q=1&r=2#frag",
        "https://example.com/%E6%A8%A1%E5%9E%8B",
        "https://example.com/100%",
        "https://a.com:/x",
        "https://user@a.com/x",
        "https://[::1]/x",
        "https://例子.中国/路径",
        "https://a_b.com/x",
        "https://" + "a" * 64 + ".com/",
        "https://" + ".".join(["abcdefgh"] * 40) + "/",
        "HTTP://A.COM/",
        "https://a.com/x y",
    ],
)
def test_plain_link_shortcut_agrees_with_normalize_link(url: str) -> None:
    from markdown_it.common.normalize_url import normalizeLink

    from bot.digest.blocks import _normalize_link

    assert _normalize_link(url) == normalizeLink(url)
