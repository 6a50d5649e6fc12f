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
