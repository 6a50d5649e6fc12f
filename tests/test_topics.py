"""Built-in topics (definitions, classification), follow strings, and own keywords."""

from __future__ import annotations

import json
import re
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from bot.digest.models import Item
from bot.digest.parse import parse_file
from bot.digest.topic_rules import TERMS
from bot.digest.topic_rules import classify as rules_classify
from bot.digest.topics import (
    MAX_KEYWORDS_PER_CHAT,
    TOPIC_DEFINITIONS,
    TOPIC_KEYS,
    TOPIC_NAMES,
    check_keyword,
    classify,
    item_marks,
    keyword_matches,
    keyword_pattern,
    parse_follow,
    topic_name,
)

LABELS = Path(__file__).parent / "fixtures" / "topic_labels.tsv"


def item(title: str = "", summary: str = "", author: str | None = None) -> Item:
    return Item(position=1, title=title, author=author, url=None, summary=summary)


# ---- definitions --------------------------------------------------------------------------


def test_nine_topics_in_order_each_defined_and_named_in_both_languages():
    assert TOPIC_KEYS == (
        "models", "agents", "robotics", "opensource", "chips", "funding", "policy",
        "research", "products",
    )  # fmt: skip
    assert list(TOPIC_KEYS) == list(TERMS)
    for key in TOPIC_KEYS:
        assert set(TOPIC_NAMES[key]) == set(TOPIC_DEFINITIONS[key]) == {"en", "zh"}
        assert TOPIC_NAMES[key]["en"].isascii() and not TOPIC_NAMES[key]["zh"].isascii()
        assert 40 < len(TOPIC_DEFINITIONS[key]["en"]) < 300
        assert 20 < len(TOPIC_DEFINITIONS[key]["zh"]) < 150
    assert TOPIC_NAMES["chips"] == {"en": "Chips & compute", "zh": "芯片与算力"}


# ---- classify: the learned model (bot/digest/topic_model) -----------------------------------


@pytest.mark.parametrize(
    ("title", "summary", "topic"),
    [
        ("NVIDIA unveils a new GPU for data centres", "The chip ships next year.", "chips"),
        ("英伟达发布新一代数据中心芯片", "算力供应紧张。", "chips"),
        ("人形机器人进厂", "", "robotics"),
        ("Claude Code adds MCP support", "Agents can now call tools.", "agents"),
        ("OpenAI raises $40B at a $300B valuation", "The round was led by SoftBank.", "funding"),
        ("某公司完成数亿元融资", "由红杉领投。", "funding"),
        ("Alibaba open-sources Qwen3 weights on Hugging Face", "Apache 2.0.", "opensource"),
        ("EU passes AI Act rules for frontier models", "Regulators will enforce.", "policy"),
        ("ChatGPT app adds group chats for Plus users", "", "products"),
    ],
)
def test_classify_decides_in_both_languages_and_says_why(title, summary, topic):
    got = classify(title, None, summary)
    assert topic in got
    assert got[topic].startswith(("headline: ", "summary: ", "rules: "))


@pytest.mark.parametrize(
    ("title", "summary"),
    [("聊天机器人上线", ""), ("Weekly newsletter", "Thanks for reading."), ("", "")],
)
def test_classify_finds_no_topic_where_there_is_none(title, summary):
    assert classify(title, None, summary) == {}


def test_the_model_reads_neither_author_nor_link_targets():
    assert classify("x", "NVIDIA GPU team", "") == {}
    assert classify("see [this](https://nvidia.com/gpu)", None, "") == {}


# ---- bad input: bounded work, no crash, no topic where nothing decides ----------------------

_NOTHING = [
    ("🚀🔥🤖", "😀😀😀 🎉"),  # only emoji
    ("https://nvidia.com/gpu/h100", "https://example.com/chips?x=1"),  # only links
    ("[](https://nvidia.com/gpu)", "<https://tsmc.com> https://arxiv.org/abs/2501.00001"),
    ("!!! ??? …", "——— *** ###"),  # only punctuation
    ("\u200b\u200d\ufeff", "\x00\x01\x1f\u202e"),  # invisible and control characters
    ("x" * 50_000, "y" * 50_000),  # 50 KB that is no word
    ("", ""),
]


@pytest.mark.parametrize(("title", "summary"), _NOTHING)
def test_where_nothing_decides_there_is_no_topic(title, summary):
    from bot.digest import topic_model

    assert classify(title, None, summary) == {}
    # and no topic even with every threshold at its lowest: the bias alone never decides
    model = topic_model.load()
    lowest = topic_model.Model(
        model.topics, model.options, model.bias, (-1e9,) * len(model.topics), model.weights
    )
    assert topic_model.decide(lowest, title, summary) == {}


@pytest.mark.parametrize(
    ("title", "summary"),
    [
        ("NVIDIA unveils a new GPU for data centres", "The chip ships next year. " * 2000),
        ("英伟达发布新一代数据中心芯片。" * 3000, "算力供应紧张。" * 5000),
        ("GPU " * 12_500, ""),
        ("a.b-c" * 10_000, "-." * 25_000),
    ],
)
def test_a_50_kb_item_is_read_up_to_a_bound(title, summary):
    """What lies past the bound (topic_model.MAX_HEADLINE / MAX_SUMMARY) changes nothing,
    so the work per item is bounded whatever its size."""
    from bot.digest.topic_model import MAX_SUMMARY

    assert len(title) + len(summary) >= 50_000
    got = classify(title, None, summary)
    assert got == classify(title[:MAX_SUMMARY], None, summary[:MAX_SUMMARY])
    longer = (
        title + " robot humanoid" if len(title) >= MAX_SUMMARY else title,
        summary + " 融资 IPO" if len(summary) >= MAX_SUMMARY else summary,
    )
    assert classify(longer[0], None, longer[1]) == got


@pytest.mark.parametrize(
    ("title", "summary"),
    [
        ("英伟达 NVIDIA 发布 H100 новый чип مرحبا", "नमस्ते 한국어 日本語のテキスト 🚀"),
        ("輝達發布新一代資料中心晶片", "算力供應緊張，台積電擴產。"),  # traditional characters
        ("ＮＶＩＤＩＡ　ＧＰＵ", "Ｈ１００　全角"),  # full width
        ("\ud800 lone surrogate", "x"),
    ],
)
def test_mixed_scripts_and_odd_characters_classify_without_error(title, summary):
    from storage.db import classify_topics

    got = classify(title, None, summary)
    assert set(got) <= set(TOPIC_KEYS) and all(got.values())
    assert classify(title, None, summary) == got  # deterministic
    assert json.loads(classify_topics(title, None, summary)) == got  # as the SQL function


def test_full_width_is_read_as_ascii():
    wide = classify("ＮＶＩＤＩＡ　ＧＰＵ　ｃｈｉｐ", None, "")
    assert wide == classify("NVIDIA GPU chip", None, "") != {}


def test_traditional_characters_are_read_as_simplified():
    assert classify("輝達發布新一代資料中心晶片", None, "") == {"chips": 'rules: "晶片"'}
    assert classify("機器人公司完成融資", None, "") == classify("机器人公司完成融资", None, "")


def test_the_model_file_is_small_and_matches_the_topics():
    from bot.digest.topic_model import MODEL_FILE, Options, load

    assert MODEL_FILE.stat().st_size < 2_000_000
    model = load()
    assert model.topics == TOPIC_KEYS
    assert len(model.bias) == len(model.threshold) == len(TOPIC_KEYS)
    assert Options.from_json(model.options.to_json()) == model.options
    assert all(
        0 <= index < len(TOPIC_KEYS) for pairs in model.weights.values() for index, _ in pairs
    )


def test_explanations_name_what_is_in_the_item(shared_data):
    """On every real item: the words and characters an explanation names are in the item's
    headline or summary (folded as the model reads them), and deciding twice gives the
    same answer."""
    from bot.digest import topic_model
    from bot.digest.topic_rules import _clean

    named = 0
    for path in sorted((shared_data / "digests").rglob("*.md")):
        for it in parse_file(path).items:
            got = classify(it.title, it.author, it.summary)
            text = _clean(it.title + "\n" + it.summary)
            for why in got.values():
                for part in re.findall(r'(headline|summary|rules): ((?:"[^"]*"(?:, )?)+)', why):
                    if part[0] != "rules":
                        for source in re.findall(r'"([^"]*)"', part[1]):
                            assert source in text, (path.name, it.position, why)
                            named += 1
            topic_model.topic_scores.cache_clear()
            assert classify(it.title, it.author, it.summary) == got
    assert named > 100


def test_every_source_keeps_its_labelled_topics(shared_data):
    """For every source (a folder of ../shared/data) and every topic its labelled items
    have, labelled items of that source keep that topic: at least one of them, and at least
    a quarter where it has five or more. One such source and topic in ten may fall short
    (most are a single labelled item; a parser change may rewrite a layout's items). Holds
    as the corpus grows: new posts are not labelled, and a label whose item is gone is
    skipped (bench/topics.py counts them)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from bench.topics import decided, labelled_items, read_labels, source

    rows = decided(labelled_items(read_labels(LABELS), shared_data))
    kept: dict[tuple[str, str], list[bool]] = {}
    for label, _, got in rows:
        for topic in label.topics:
            kept.setdefault((source(label.path), topic), []).append(topic in got)
    assert len({name for name, _ in kept}) >= 10
    short = [
        (group, sum(hits), len(hits))
        for group, hits in sorted(kept.items())
        if not any(hits) or (len(hits) >= 5 and sum(hits) < len(hits) / 4)
    ]
    assert len(short) <= len(kept) // 10, short


# ---- the rules (bot/digest/topic_rules: weighted terms, features of the model) -----


@pytest.mark.parametrize(
    ("title", "summary", "expected"),
    [
        # a strong term decides in the headline, and the explanation says where it was found
        ("A new GPU ships", "", {"chips": 'headline: "GPU"'}),
        # in the summary a strong term named once is a passing mention; in company it decides
        ("Quarterly news", "A new GPU ships.", {}),
        ("Quarterly news", "A new GPU ships with more HBM.", {"chips": 'summary: "GPU", "HBM"'}),
        ("Quarterly news", "A new GPU ships, then another GPU.", {"chips": 'summary: "GPU"'}),
        # a medium term decides in the headline only
        ("NVIDIA at CES", "", {"chips": 'headline: "NVIDIA"'}),
        ("Quarterly note", "NVIDIA was mentioned once.", {}),
        # words found in almost every item decide nothing on their own
        ("某公司推出产品", "用户的应用功能，安全研究，model 与 GPT。", {}),
        ("A model for users", "Research on safety, a feature, GPT.", {}),
        # a term against: a chatbot is no robot
        ("聊天机器人上线", "", {}),
        ("人形机器人进厂", "", {"robotics": 'headline: "人形机器人", "机器人"'}),
        (
            "OpenAI raises $40B at a $300B valuation",
            "The round was led by SoftBank.",
            {"funding": 'headline: "$40b", "raises $", "valuation", summary: "SoftBank"'},
        ),
        (
            "Claude Code adds MCP support",
            "Agents can now call tools.",
            {"agents": 'headline: "Claude Code", "MCP", summary: "agent", "tools"'},
        ),
        # a score in the title: the summary's first line is the headline
        ("92", "新论文：稀疏注意力\n更多内容", {"research": 'headline: "论文"'}),
    ],
)
def test_classify_decides_by_weighted_terms_and_explains(title, summary, expected):
    assert rules_classify(title, None, summary) == expected


def test_classify_reads_neither_author_nor_link_targets():
    assert rules_classify("x", "NVIDIA GPU team", "") == {}
    assert rules_classify("see [this](https://nvidia.com/gpu)", None, "") == {}


def test_what_a_long_summary_mentions_late_counts_less():
    lead = "A long piece about something else entirely, with many words. " * 8
    assert rules_classify("Weekly notes", None, lead + "It mentions NVIDIA.") == {}
    assert rules_classify("Weekly notes", None, "It mentions NVIDIA and a GPU. " + lead) == {
        "chips": 'summary: "GPU", "NVIDIA"'
    }

    # late in a long summary even a strong term named twice does not decide
    assert rules_classify("Weekly notes", None, lead + "A GPU here, a GPU there, and HBM.") == {}


def test_an_aside_in_the_lead_is_a_passing_mention():
    assert rules_classify("A new tool", None, "It ships (a GPU and HBM inside).") == {}
    assert rules_classify("A new tool", None, "It ships, such as a GPU and HBM inside.") == {}
    assert rules_classify("A new tool", None, "It ships a GPU and HBM inside.") == {
        "chips": 'summary: "GPU", "HBM"'
    }


def test_hyphens_inside_words_and_terms_without_endings():
    # a non-breaking hyphen (U+2011) is a hyphen: the versioned model name is found
    assert rules_classify("GPT\u20115.2 usage notes", None, "") == {
        "models": 'headline: "gpt-5.2", "GPT"'
    }
    # "court=" in the tables: "courts" yes, "courting" no
    assert "policy" in rules_classify("Courts weigh in on AI training data", None, "")
    assert rules_classify("W3C is courting the MCP team", None, "") == {"agents": 'headline: "MCP"'}


def test_a_model_named_by_family_and_kind_or_released_is_a_model():
    got = rules_classify("Qwen-Image-Layered is out", None, "")
    assert got["models"] == 'headline: "qwen-image", "Qwen"'
    assert rules_classify("Weekly", None, "Meta released a new multimodal model today.")["models"]


def test_the_fast_counters_find_what_their_expressions_find(shared_data):
    """topic_terms.COUNTERS stand in for slow regular expressions: on every part of every
    real item where a term's test passes, they must find the same first two matches."""
    from bot.digest import topic_rules as rules
    from bot.digest.topic_terms import COUNTERS, GATES

    checked = 0
    for path in sorted((shared_data / "digests").rglob("*.md")):
        for it in parse_file(path).items:
            for part in rules._parts(it.title, it.summary):
                text = rules._clean(part)
                words = set(rules._WORD.findall(text))
                stems = words | {
                    m.group(1) for w in words if (m := rules._TRAILING_DIGITS.match(w))
                }
                numeric = tuple(w for w in words if w[0].isdigit())
                for term, counter in COUNTERS.items():
                    if GATES[term](text, words, stems, numeric):
                        want = [m.group().strip() for m in re.finditer(term[3:], text)][:2]
                        got = [shown.strip() for shown in counter(text, words, stems, numeric)]
                        assert got == want, (path.name, it.position, term)
                        checked += 1
    assert checked > 500


# ---- the labels ----------------------------------------------------------------------------


def read_labels() -> list[tuple[str, int, str, set[str]]]:
    rows = []
    for line in LABELS.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        path, position, fp, *rest = line.split("\t")
        rows.append((path, int(position), fp, {t for t in (rest or [""])[0].split(",") if t}))
    return rows


def test_labels_are_well_formed_and_many():
    rows = read_labels()
    assert len(rows) >= 250
    assert len({(path, pos) for path, pos, _, _ in rows}) == len(rows)
    assert all(topics <= set(TOPIC_KEYS) for *_, topics in rows)
    assert all(re.fullmatch(r"[0-9a-f]{8}", fp) for _, _, fp, _ in rows)
    layouts = {"/".join(path.split("/")[:2]) for path, *_ in rows}
    assert len(layouts) >= 5


def test_labels_find_their_items_by_fingerprint(shared_data):
    """Labels are matched by fingerprint first (a parser change may renumber a post's items),
    position second; a label whose item is gone is skipped and counted by bench/topics.py.
    Nearly all must still be found, else the figures measure a different set of items."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from bench.topics import fingerprint, match_labels
    from bench.topics import read_labels as bench_labels

    labels = bench_labels(LABELS)
    found, missing = match_labels(labels, shared_data)
    assert len(found) + len(missing) == len(labels)
    assert len(missing) <= len(labels) // 20, [(m.path, m.position) for m in missing[:10]]
    assert all(fingerprint(item) == label.fingerprint for label, item in found)


def test_labels_are_matched_well_enough(shared_data):
    """A floor under the shipped classifier's figures on all labels (it was trained on them;
    bench/topics.py's leave-one-source-out figures are the ones a new source sees), so a
    change to the terms or the features that makes matching much worse fails here."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from bench.topics import labelled_items, read_labels, scores

    table = scores(labelled_items(read_labels(LABELS), shared_data))
    tp, fp, fn = table["micro"]
    assert tp / (tp + fp) >= 0.75 and tp / (tp + fn) >= 0.75, table["micro"]
    for key in TOPIC_KEYS:
        tp, fp, fn = table[key]
        assert tp / (tp + fp) >= 0.6, (key, table[key])


def test_canonical_post_pinned_rule_findings(shared_data):
    digest = parse_file(shared_data / "digests/canonical/2025-12-20-12.md")
    got = {i.position: rules_classify(i.title, i.author, i.summary) for i in digest.items}
    assert got[3]["robotics"] == 'headline: "Reachy", summary: "robot", "机器人"'
    assert got[6] == {"chips": 'summary: "数据中心"'}
    assert got[14] == {
        "products": 'headline: "NotebookLM", summary: "体验", "功能", "工具", "用户"'
    }
    assert got[1]["opensource"] == 'headline: "open sourced", summary: "开源"'
    assert got[1]["models"].startswith('headline: "qwen-image"')  # a family with a kind
    assert sum("products" in topics for topics in got.values()) <= 8  # was 15 of 19


# ---- item_marks (the 🔔 marks) ------------------------------------------------------------


def test_marks_name_the_stored_topics_then_the_own_keywords():
    it = replace(
        item(title="NVIDIA unveils a new GPU", summary="英伟达 数据中心"), topics=("chips",)
    )
    assert item_marks(it, ["chips", "kw:nvidia"], "en") == ["Chips & compute", "nvidia"]
    assert item_marks(it, ["chips", "kw:英伟达"], "zh") == ["芯片与算力", "英伟达"]
    assert item_marks(it, ["robotics"], "en") == []  # not one of its topics
    unclassified = item(title="NVIDIA unveils a new GPU")
    assert item_marks(unclassified, ["chips"], "en") == []  # topics come from storage
    assert item_marks(it, [], "en") == [] == item_marks(it, ["no-such-topic"], "en")
    assert item_marks(it, ("chips", "kw:x"), "en") == item_marks(it, {"kw:x", "chips"}, "en")


@pytest.mark.parametrize(
    ("text", "keyword", "expected"),
    [
        ("He said it was fine", "ai", False),
        ("Food aid arrives", "ai", False),
        ("AI is here; AIs too", "ai", True),
        ("全球AI发生了什么", "ai", True),  # Latin keyword inside Chinese text
        ("H100s and more", "h100", True),
        ("H1000 is not a chip name", "h100", False),
        ("AI芯片公司", "芯片", True),
        ("agentic agents", "agent", True),
        ("fully open-sourced weights", "open source", True),
        ("metadata only", "meta", False),
        ("Meta's new glasses", "meta", True),
        ("ChatGPT is an app", "gpt", False),
        ("GPT5.2 + Droid", "GPT", True),
        ("ＧＰＵ全角", "gpu", True),  # full-width Latin
        ("see [x](https://nvidia.com/a)", "nvidia", False),  # link targets are not text
        ("Launch day 🚀 today", "day 🚀", True),  # emoji, HTML, search syntax: plain text
        ("we use <b>tags</b> here", "<b>tags</b>", True),
        ("we use tags here", "<b>tags</b>", False),
        ("GPT or Claude?", 'gpt OR "claude"', False),
        ("GPT or claude", "gpt or claude", True),
        ("a model of it", "mod*", False),
        ("the mod* operator", "mod*", True),
        ("x " + "a" * 64 + " y", "a" * 64, True),
        ("x " + "a" * 65 + " y", "a" * 64, False),
    ],
)
def test_keyword_matches(text: str, keyword: str, expected: bool):
    assert keyword_matches(text, None, "", keyword) is expected
    assert keyword_matches("", None, text, keyword) is expected


def test_keyword_matches_the_author_too():
    assert keyword_matches("x", "Andrej Karpathy", "", "karpathy")
    assert item_marks(item(title="x", author="Andrej Karpathy"), ["kw:karpathy"], "en") == [
        "karpathy"
    ]


def test_indexed_matching_agrees_with_the_documented_patterns():
    """Own keywords are looked up in an index of the item; the answer must agree with
    the regular expression that keyword_pattern documents for each keyword."""
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
        for keyword in keywords:
            expected = re.search(keyword_pattern(keyword), text, re.IGNORECASE) is not None
            assert keyword_matches("", None, text, keyword) == expected, (keyword, text)


# ---- own keywords: what is accepted --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("a", "too_short"),
        (" ａ ", "too_short"),  # full-width
        ("7", "too_short"),
        ("AI", None),
        ("芯", None),  # one Chinese character says more than one Latin letter
        ("kw:Sora", None),
        ("“Karpathy”", None),
        ("a,b", "separator"),
        ("a|b", "separator"),
        ("time: now", "separator"),
        ("two\nlines", "separator"),
        ("🚀", "no_letters"),
        ("?!…", "no_letters"),
        ("", "no_letters"),
        ("x" * 64, None),
        ("x" * 65, "too_long"),
        ("day 🚀", None),
        ("<b>gpt</b>", None),
        ('gpt OR "claude"', None),
        ("NEAR(gpt claude)", None),
        ("mod*", None),
    ],
)
def test_check_keyword(text: str, reason: str | None):
    assert check_keyword(text) == reason


def test_keywords_per_chat():
    assert MAX_KEYWORDS_PER_CHAT == 50


# ---- follow strings ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("chips", "chips"),
        ("  CHIPS ", "chips"),
        ("Chips & compute", "chips"),
        ("芯片与算力", "chips"),
        ("Chips & compute · 芯片与算力", "chips"),
        ("Open source", "opensource"),
        ("开源", "opensource"),
        ("研究论文", "research"),
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


def test_topic_names():
    assert topic_name("chips", "en") == "Chips & compute"
    assert topic_name("chips", "zh") == "芯片与算力"
    assert topic_name("kw:karpathy", "zh") == "karpathy"
    assert topic_name("retired", "en") == "retired"


def test_user_keyword_round_trip_matches():
    follow = parse_follow("  Reachy   Mini ")
    assert follow == "kw:reachy mini"
    assert item_marks(item(title="Reachy Mini 届きました！"), [follow], "en") == ["reachy mini"]
