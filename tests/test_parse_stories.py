"""One item per story: aggregator layouts (AINews), headlines said once, authors, sections."""

from __future__ import annotations

from pathlib import Path

from bot.digest.parse import parse_file, parse_file_result, parse_text, parse_text_result

AINEWS = "digests/smol-ai-ainews/frozen-issues/25-12-18-claude-skills-grows.md"
AINEWS_ZH = "digests/ainews-zh-cn/25-12-29-meta-manus.md"
FRONT = "---\ntitle: T\ndate: 2026-01-01T08:00:00+08:00\n---\n\n"

CHANNELS = (
    FRONT
    + "# Discord: High level summaries\n\n"
    + "## [Alpha Lab](https://discord.com/channels/1) Discord\n\n"
    + "- **First topic**: people said [a thing](https://example.com/one).\n"
    + "   - and more on it\n"
    + "- **Second topic**: nobody linked anything here.\n"
    + "- **Third topic**: see ([tweet](https://twitter.com/some_user/status/123)).\n\n"
    + "The **Quiet Server** has no new messages.\n\n"
    + "### **Alpha Lab ▷ #[general](https://discord.com/channels/1/2/3)** (12 messages):\n\n"
    + "> `topics, listed`\n\n"
    + "- **Channel story**: a [link](https://example.com/two) and text.\n"
    + "- **Other story**: words only.\n"
)


def test_each_bullet_under_a_channel_heading_is_an_item() -> None:
    result = parse_text_result(CHANNELS, name="c.md", source="s")
    items = result.digest.items
    assert [item.title for item in items] == [
        "First topic",
        "Second topic",
        "Third topic",
        "Channel story",
        "Other story",
    ]
    assert [item.url for item in items] == [
        "https://example.com/one",
        "https://discord.com/channels/1",  # no link of its own: where it was said
        "https://twitter.com/some_user/status/123",
        "https://example.com/two",
        "https://discord.com/channels/1/2/3",
    ]
    assert items[0].summary == "people said a thing.\n\n- and more on it"
    assert items[1].links[0].text == "Alpha Lab"
    assert items[2].author == "@some_user"  # the tweet's poster
    assert [item.author for item in items if item.position != 3] == [None] * 4
    # the heading each sits under, kept out of the title
    assert result.sections == (
        "Alpha Lab Discord",
        "Alpha Lab Discord",
        "Alpha Lab Discord",
        "Alpha Lab ▷ #general (12 messages)",
        "Alpha Lab ▷ #general (12 messages)",
    )
    assert result.dropped_items == 0


def test_a_linked_heading_with_prose_or_a_bare_link_stays_one_story() -> None:
    story = (
        FRONT
        + "### [The story](https://example.com/story)\n\n"
        + "- **Point one**: detail.\n- **Point two**: detail.\n\n"
        + "## [Review](https://example.com/review) of the week\n\n"
        + "Intro prose first.\n\n"
        + "- **A**: [x](https://example.com/a)\n- **B**: [y](https://example.com/b)\n"
    )
    items = parse_text(story, name="s.md", source="s").items
    assert [(item.title, item.url) for item in items] == [
        ("The story", "https://example.com/story"),
        ("Review", "https://example.com/review"),
    ]
    assert "**Point one**" in items[0].summary


def test_real_aggregator_post_gives_even_sized_stories(shared_data: Path) -> None:
    before_max_summary = 2267  # the largest merged channel item before the change
    result = parse_file_result(shared_data / AINEWS)
    digest = result.digest
    assert len(digest.items) == 373 and result.dropped_items == 0
    assert len(result.sections) == len(digest.items)
    assert max(len(item.summary) for item in digest.items) < before_max_summary
    titles = [item.title for item in digest.items]
    # Twitter recap: bold lead as headline, section = the bold topic line above
    first = digest.items[0]
    assert first.title == "GPT-5.2-Codex (OpenAI)"
    assert first.author == "@OpenAIDevs"
    assert first.url.startswith("https://twitter.com/OpenAIDevs/status/")
    assert result.sections[0].startswith("Frontier model launches")
    # Discord server summaries: one item per bullet, not one per server
    assert "LMArena" not in titles
    assert "GPT-1.5 Censorship Allegations Surface" in titles
    lmarena = [i for i, s in enumerate(result.sections) if s == "LMArena Discord"]
    assert len(lmarena) == 5
    # channel sections: the heading is the section, never the title
    channel = [
        (item, section)
        for item, section in zip(digest.items, result.sections, strict=True)
        if section and section.startswith("tinygrad (George Hotz) ▷ #general")
    ]
    assert [item.title for item, _ in channel] == [
        "Claude fails JIT Refactor Test",
        "Tinygrad crushes Firmware stuff",
        "RDNA3 Assembly Backend Good Enough",
    ]
    assert channel[2][0].url == "https://github.com/tinygrad/tinygrad/pull/13715"
    assert channel[0][0].url.startswith("https://discord.com/channels/1068976834382925865/")
    # the one channel whose only content is a paragraph is a story titled by its heading
    assert [item.title for item in digest.items if "▷" in item.title] == [
        "GPU MODE ▷ #thunderkittens (1 messages)"
    ]
    for item in digest.items:
        assert item.url is not None and item.links[0].url == item.url


def test_handle_led_bullets_take_the_text_as_headline(shared_data: Path) -> None:
    digest = parse_file(shared_data / AINEWS_ZH)
    tweets = [item for item in digest.items if item.author == "@BernieSanders"]
    assert len(tweets) == 1
    assert tweets[0].title.startswith("“如果 AI/机器人取代了工作")
    assert tweets[0].title.endswith("”")  # the closing quote stays with its sentence
    assert tweets[0].summary == "(**32009.5**)"


def test_briefing_headline_is_not_repeated_in_the_summary(shared_data: Path) -> None:
    root = shared_data / "digests/ai-briefing-archive"
    posts = sorted((root / "hackernews").glob("*.md")) + sorted(
        (root / "twitter-list").glob("*.md")
    )
    checked = 0
    for path in posts:
        for item in parse_file(path).items:
            assert not item.summary.startswith(item.title), (path.name, item.title)
            assert item.title not in item.summary
            checked += 1
    assert checked >= 71  # the 14 posts this test was written on; more as the corpus grows
    hn = parse_file(root / "hackernews/briefing_20251210T003109+0000.md").items[0]
    assert hn.title.endswith("Vibe CLI。")
    assert hn.summary.startswith("工程师可利用Devstral 2")


def test_headline_rules_on_made_up_bullets() -> None:
    long = "word " * 30
    text = FRONT + (
        "## News\n\n"
        "- First sentence here. Second one follows [src](https://e.com/1)\n"
        "- Lead-in: the rest of it [src](https://e.com/2)\n"
        f"- {long.strip()} [src](https://e.com/3)\n"
        "- One sentence only [消息来源](https://x.com/poster/status/42)\n"
        "- [@handle](https://x.com/handle/status/7): what was said. And more.\n"
    )
    items = parse_text(text, name="h.md", source="s").items
    assert [(item.title, item.summary) for item in items[:2]] == [
        ("First sentence here.", "Second one follows src"),
        ("Lead-in", "the rest of it src"),
    ]
    assert items[2].title.endswith("…") and len(items[2].title) == 80
    assert items[2].summary.startswith(long.strip())  # clipped headline: summary whole
    assert (items[3].title, items[3].summary, items[3].author) == (
        "One sentence only",
        "",
        "@poster",
    )
    assert (items[4].title, items[4].summary, items[4].author) == (
        "what was said.",
        "And more.",
        "@handle",
    )


def test_sections_for_plain_layouts(shared_data: Path) -> None:
    result = parse_file_result(shared_data / "digests/canonical/2025-12-20-12.md")
    assert result.sections == (None,) * 19  # no headings: nothing to sit under
    briefing = parse_file_result(
        shared_data / "digests/ai-briefing-archive/hackernews/briefing_20251210T003109+0000.md"
    )
    assert all(s and s.startswith("1. 【Strategic/Risk】") for s in briefing.sections)


# --- stories told twice, stories as paragraphs --------------------------------------

RETOLD = (
    FRONT
    + "# Daily\n\n## Overview\n\n"
    + "- Codex Security：研究预览版发布\n  - 证据：[Codex Security：研究预览版发布](https://a.example/1)\n"
    + "- Gemini CLI\n  - 证据：[Gemini CLI](https://a.example/2)\n\n"
    + "## By category\n\n### agent\n\n"
    + "- [Codex Security：研究预览版发布](https://a.example/1)\n"
    + "  - 来源：OpenAI | 发布时间：2026-03-11 17:34\n  - 摘要：An application security agent.\n"
    + "- [Gemini CLI](https://a.example/2)\n  - 来源：GitHub\n\n"
    + "### other\n\n- [Vespa](https://a.example/3)\n  - 来源：GitHub\n"
)


def test_a_post_that_retells_its_stories_gives_each_once() -> None:
    """An overview list repeating the stories below: one item per story, in the place
    of its first telling, with its fullest headline and summary."""
    result = parse_text_result(RETOLD, name="retold.md", source="t")
    items = result.digest.items
    assert [(item.title, item.url) for item in items] == [
        ("Codex Security：研究预览版发布", "https://a.example/1"),
        ("Gemini CLI", "https://a.example/2"),
        ("Vespa", "https://a.example/3"),
    ]
    assert "application security agent" in items[0].summary
    assert result.sections[0] == "agent"  # the telling with the fields


def test_a_daily_log_listing_a_story_again_keeps_both() -> None:
    """One story again on another day among new ones is an entry of that day."""
    days = "".join(
        f"## 2026-06-0{day}\n"
        + "".join(
            f"- **Story {day}{n}**: text ([src](https://b.example/{day}{n}))\n" for n in range(4)
        )
        + "- **Same story**: text ([src](https://b.example/same))\n\n"
        for day in (1, 2)
    )
    items = parse_text("# Log\n\n" + days, name="jun.md", source="t").items
    assert len(items) == 10
    assert [item.url for item in items].count("https://b.example/same") == 2


def test_paragraphs_that_open_with_a_linked_headline_are_stories() -> None:
    text = (
        "# Last Week\n\n### Research\n\n"
        '[Deep learning hears alcohol](https://c.example/1) - "A 12-second clip."\n\n'
        '[Speech recognition for 2,000 languages](https://c.example/2) - "Only a fraction."\n\n'
        "A note without a [link first](https://c.example/3).\n"
    )
    items = parse_text(text, name="2023-01-16.md", source="t").items
    assert [(item.title, item.url) for item in items] == [
        ("Deep learning hears alcohol", "https://c.example/1"),
        ("Speech recognition for 2,000 languages", "https://c.example/2"),
    ]
    assert items[0].summary == '"A 12-second clip."'


def test_a_2023_email_channel_summary_gives_one_item_per_bullet() -> None:
    text = (
        FRONT
        + "## [Lab](https://discord.com/channels/1) Discord Summary\n\n"
        + "- *Open-ended discussion* on graphs, with [a guide](https://d.example/g).\n"
        + "- *Model talk* where users compared models.\n\n"
        + "### ▷ #[links](https://discord.com/channels/1/2) (4 messages):\n\n"
        + "- `@user` shared a [Twitter link](https://vxtwitter.com/a/status/1).\n"
        + "- `@other` asked about breakthroughs.\n\n"
        + "### ▷ #[bots](https://discord.com/channels/1/3) (2 messages):\n\n"
        + "- **Hydra Bot Usage Inquiry**: a user asked how to use the bot.\n"
    )
    items = parse_text(text, name="23-12-03.md", source="t").items
    assert len(items) == 5
    assert items[0].url == "https://d.example/g"
    assert items[1].url == "https://discord.com/channels/1"  # where it was said
    assert items[4].title == "Hydra Bot Usage Inquiry"


def test_a_story_heading_with_field_bullets_is_one_story_in_both_languages() -> None:
    """`### Headline` then `- **来源**：…`, `- **发布时间**：…`, `- 🔗 [阅读原文](url)`: the
    bullets are the story's fields, not stories."""
    zh = "# 日报\n\n" + "".join(
        f"### {n}. 第{n}条新闻标题\n\n- **来源**：机器之心\n- **发布时间**：2026-03-11 20:49\n"
        f"- 🔗 [阅读原文](https://z.example/{n})\n- 📝 一句话摘要。\n\n"
        for n in (1, 2, 3)
    )
    en = "# Daily\n\n" + "".join(
        f"### Story {n} headline\n\n- **Source**: Wired\n- **Time**: 20:49\n"
        f"- **Link**: [read more](https://e.example/{n})\n\n"
        for n in (1, 2, 3)
    )
    for text, titles, host in (
        (zh, ["第1条新闻标题", "第2条新闻标题", "第3条新闻标题"], "z"),
        (en, ["Story 1 headline", "Story 2 headline", "Story 3 headline"], "e"),
    ):
        items = parse_text(text, name="2026-03-11.md", source="t").items
        assert [item.title for item in items] == titles
        assert [item.url for item in items] == [f"https://{host}.example/{n}" for n in (1, 2, 3)]


def test_numbered_headings_with_the_link_on_a_quoted_line() -> None:
    text = "# 周报\n\n" + "".join(
        f"#### {n}. 第{n}个故事\n\n> 📰 机器之心 · 🔗 [原文](https://q.example/{n})\n\n正文。\n\n"
        for n in (1, 2, 3)
    )
    items = parse_text(text, name="2026-03-16.md", source="t").items
    assert [(item.title, item.url) for item in items] == [
        (f"第{n}个故事", f"https://q.example/{n}") for n in (1, 2, 3)
    ]


def test_trend_predictions_are_not_news() -> None:
    text = (
        "# 日报\n\n## 值得关注\n\n- **[产品]** [A tool](https://p.example/1) - text\n"
        "- **[开源]** [A repo](https://p.example/2) - text\n\n"
        "## 🔮 AI趋势预测\n\n### Claude Code 三方 API 全面封堵\n"
        "- **预测时间**：2025年Q1\n- **预测概率**：75%\n"
        "- **预测依据**：今日新闻 [A](https://x.example/1)\n"
    )
    items = parse_text(text, name="2026-01-11.md", source="t").items
    assert [item.title for item in items] == ["A tool", "A repo"]
