"""Built-in topics, follow strings, and keyword matching against items."""

from __future__ import annotations

import re

import pytest

from bot.digest.models import Item
from bot.digest.topics import (
    BUILTIN_TOPICS,
    follow_label,
    keyword_pattern,
    match_item,
    parse_follow,
)


def item(title: str = "", summary: str = "", author: str | None = None) -> Item:
    return Item(position=1, title=title, author=author, url=None, summary=summary)


def test_builtin_topics_in_order_with_bilingual_keywords():
    assert list(BUILTIN_TOPICS) == [
        "models",
        "agents",
        "robotics",
        "opensource",
        "chips",
        "funding",
        "policy",
        "research",
        "products",
    ]
    for key, topic in BUILTIN_TOPICS.items():
        assert topic.key == key
        assert " · " in topic.label  # English · 中文
        assert any(k.isascii() for k in topic.keywords)
        assert any(not k.isascii() for k in topic.keywords)
        assert len(set(k.casefold() for k in topic.keywords)) == len(topic.keywords)
    for word in ("芯片", "GPU", "NVIDIA", "英伟达", "TPU", "算力", "H100", "数据中心"):
        assert word in BUILTIN_TOPICS["chips"].keywords


@pytest.mark.parametrize(
    ("text", "follows", "expected"),
    [
        ("He said it was fine", ["kw:ai"], []),
        ("Food aid arrives", ["kw:ai"], []),
        ("AI is here; AIs too", ["kw:ai"], ["ai"]),
        ("全球AI发生了什么", ["kw:ai"], ["ai"]),  # Latin keyword inside Chinese text
        ("用GPU训练模型", ["chips"], ["GPU"]),
        ("H100s and more", ["chips"], ["H100"]),
        ("H1000 is not a chip name", ["kw:h100"], []),
        ("AI芯片公司", ["chips"], ["芯片"]),
        ("agentic agents", ["agents"], ["agent"]),
        ("Agent系统", ["agents"], ["agent"]),
        ("robotics lab", ["robotics"], ["robot"]),
        ("fully open-sourced weights", ["opensource"], ["open source"]),
        ("metadata only", ["kw:meta"], []),
        ("Meta's new glasses", ["kw:meta"], ["meta"]),
        ("ChatGPT is an app", ["kw:gpt"], []),
        ("GPT5.2 + Droid", ["models"], ["GPT"]),
        ("ＧＰＵ全角", ["chips"], ["GPU"]),  # full-width Latin
        ("nothing relevant", ["chips", "policy"], []),
    ],
)
def test_matching_rules(text: str, follows: list[str], expected: list[str]):
    assert match_item(item(title=text), follows) == expected


def test_matches_title_author_and_summary_in_order_of_appearance_once_each():
    it = item(
        title="NVIDIA ships Blackwell",
        author="Jensen",
        summary="英伟达的**芯片**需求旺盛，NVIDIA again, GPU 算力.",
    )
    assert match_item(it, {"chips"}) == ["NVIDIA", "Blackwell", "英伟达", "芯片", "GPU", "算力"]
    assert match_item(item(title="x", author="Andrej Karpathy"), ["kw:karpathy"]) == ["karpathy"]


def test_the_same_keyword_in_two_follows_is_reported_once():
    it = item(summary="a new GPU")
    assert match_item(it, ["chips", "kw:gpu"]) == ["GPU"]


def test_link_targets_are_not_matched():
    it = item(summary="see [this post](https://nvidia.com/blog) or https://nvidia.com/x")
    assert match_item(it, ["chips"]) == []


def test_unknown_follows_and_empty_sets_match_nothing():
    assert match_item(item(title="GPU"), []) == []
    assert match_item(item(title="GPU"), ["no-such-topic"]) == []


def test_matching_is_stable_across_calls_and_follow_order():
    it = item(summary="GPU 芯片 robot")
    first = match_item(it, ["robotics", "chips"])
    assert first == ["GPU", "芯片", "robot"]
    assert match_item(it, ("chips", "robotics")) == first
    assert match_item(it, frozenset({"chips", "robotics"})) == first


def test_keyword_pattern_documents_the_rules():
    assert keyword_pattern("芯片") == "芯片"
    assert keyword_pattern("AI").startswith("(?<!")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("chips", "chips"),
        ("  CHIPS ", "chips"),
        ("Chips & compute", "chips"),
        ("芯片与算力", "chips"),
        ("Chips & compute · 芯片与算力", "chips"),
        ("Open source", "opensource"),
        ("  Open   AI  ", "kw:open ai"),
        ("“Karpathy”", "kw:karpathy"),
        ("kw:Sora", "kw:sora"),
        ("ＧＰＵ", "kw:gpu"),
        ("具身智能", "kw:具身智能"),
        ("", None),
        ("   ", None),
        ("?!…", None),
        ("x" * 100, "kw:" + "x" * 64),
    ],
)
def test_parse_follow(text: str, expected: str | None):
    assert parse_follow(text) == expected


def test_follow_label():
    assert follow_label("chips") == "Chips & compute · 芯片与算力"
    assert follow_label("kw:karpathy") == "“karpathy”"
    assert follow_label("retired") == "retired"


def test_user_keyword_round_trip_matches():
    follow = parse_follow("  Reachy   Mini ")
    assert follow == "kw:reachy mini"
    assert match_item(item(title="Reachy Mini 届きました！"), [follow]) == ["reachy mini"]


def test_canonical_digest_matches(shared_data):
    parse = pytest.importorskip("bot.digest.parse")
    digest = parse.parse_file(shared_data / "digests/canonical/2025-12-20-12.md")
    by_position = {it.position: match_item(it, ["chips"]) for it in digest.items}
    assert "数据中心" in by_position[6]
    assert "NVIDIA" in by_position[3]
    robots = [it.position for it in digest.items if match_item(it, ["robotics"])]
    assert 3 in robots


def test_indexed_matching_agrees_with_the_documented_patterns():
    """match_item looks keywords up in an index of the item; it must agree with the
    regular expression that keyword_pattern documents for each keyword."""
    texts = [
        "GPT5.2 and gpt-4o, GPTs, ChatGPT, gpts2",
        "agentic agent agents agented agentx 智能体系统",
        "H100s H1000 h100 H100x, Series A funding, Series Ad",
        "open-sourced opensource open source models, open  sources",
        "funds funded fundamental refund; AI-driven aid said AIs",
        "数据中心 英伟达的芯片 llama.cpp c++ Apache 2.0 apache 2.01",
    ]
    keywords = [
        "gpt", "agent", "h100", "series a", "open source", "fund", "ai", "数据中心",
        "芯片", "llama.cpp", "c++", "apache 2.0", "智能体",
    ]  # fmt: skip
    for text in texts:
        it = item(summary=text)
        for keyword in keywords:
            expected = re.search(keyword_pattern(keyword), text, re.IGNORECASE) is not None
            got = match_item(it, [f"kw:{keyword}"]) == [keyword]
            assert got == expected, (keyword, text)
