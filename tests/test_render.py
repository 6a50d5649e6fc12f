"""The renderer: Telegram HTML parts of a digest, search pages, plain-text fallback."""

from __future__ import annotations

import itertools
import re
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser

import pytest

from bot.digest.markup import MAX_ENTITIES, MAX_MESSAGE, html_to_plain, utf16_len, visible_len
from bot.digest.models import Digest, Item
from bot.digest.render import CONTINUED, MIN_SPLIT, render_digest
from bot.preferences import Profile

CST = timezone(timedelta(hours=8))
WHEN = datetime(2025, 12, 20, 12, 0, 7, tzinfo=CST)


class _TagChecker(HTMLParser):
    """Fails on unbalanced tags, unknown tags or entities Telegram does not know."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.entities = 0

    def handle_starttag(self, tag, attrs):
        assert tag in {"b", "i", "a"}, tag
        if tag == "a":
            assert [name for name, _ in attrs] == ["href"]
        self.stack.append(tag)
        self.entities += 1

    def handle_endtag(self, tag):
        assert self.stack and self.stack.pop() == tag, f"unbalanced </{tag}>"

    def handle_entityref(self, name):
        assert name in {"lt", "gt", "amp", "quot"}, name


def check_part(html: str) -> int:
    """A valid Telegram HTML message; returns its entity count. Telegram counts the
    text after parsing (the stand-in too): the HTML itself may be longer."""
    assert visible_len(html) <= MAX_MESSAGE
    assert not re.search(r"&(?!(lt|gt|amp|quot);|#\d+;|#x[0-9a-fA-F]+;)", html), "bare &"
    assert not re.search(r"<(?!/?(b|i|a)[ >])", html), "bare <"
    checker = _TagChecker()
    checker.feed(html)
    checker.close()
    assert checker.stack == []
    assert checker.entities <= MAX_ENTITIES
    assert utf16_len(html_to_plain(html)) <= MAX_MESSAGE
    return checker.entities


def make_item(n: int, **changes) -> Item:
    base = Item(
        position=n,
        title=f"Headline number {n}",
        author="merve",
        url=f"https://x.com/user/status/{n}",
        summary=f"First sentence of item {n} with **bold words**. Second sentence here. Third one.",
    )
    return replace(base, **changes)


def make_digest(items, **changes) -> Digest:
    base = Digest(
        id="test:2025-12-20-12",
        source="test",
        title="2025.12.20.12 过去4小时全球AI发生了什么？",
        published_at=WHEN,
        categories=("AI News", "Tech Updates"),
        items=tuple(items),
    )
    return replace(base, **changes)


def numbers_in(part: str) -> list[int]:
    return [int(n) for n in re.findall(r"(?m)^(\d+)\. ", part)]


# ---- basics ---------------------------------------------------------------------------


def test_utf16_len_counts_like_telegram():
    assert utf16_len("abc") == 3
    assert utf16_len("中文") == 2
    assert utf16_len("😀") == 2
    assert utf16_len("🤗a") == 3


def test_header_has_bold_title_local_time_and_categories():
    digest = make_digest([make_item(1)])
    (part,) = render_digest(digest, Profile(tz="Asia/Shanghai"))
    first_line, second_line = part.split("\n")[:2]
    assert first_line == "<b>2025.12.20.12 过去4小时全球AI发生了什么？</b>"
    assert second_line == "🗓 2025-12-20 12:00 (UTC+8) · AI News, Tech Updates"
    check_part(part)


@pytest.mark.parametrize(
    ("tz", "shown"),
    [
        ("UTC", "2025-12-20 04:00 (UTC)"),
        ("America/New_York", "2025-12-19 23:00 (UTC-5)"),
        ("Europe/Berlin", "2025-12-20 05:00 (UTC+1)"),
        ("UTC+05:30", "2025-12-20 09:30 (UTC+5:30)"),
        # No zone (or one no longer known): as the digest was published, at +08:00.
        ("Not/AZone", "2025-12-20 12:00 (UTC+8)"),
        ("", "2025-12-20 12:00 (UTC+8)"),
    ],
)
def test_date_is_shown_in_the_profile_time_zone(tz: str, shown: str):
    (part,) = render_digest(make_digest([make_item(1)]), Profile(tz=tz))
    assert shown in part


# ---- formats --------------------------------------------------------------------------


def test_full_format_links_headline_author_and_converts_markdown():
    item = make_item(
        3,
        summary="Read **this** and [the paper](https://arxiv.org/abs/1?a=1&b=2) now.",
    )
    (part,) = render_digest(make_digest([item]), Profile(format="full"))
    assert '3. <a href="https://x.com/user/status/3">Headline number 3</a> — merve' in part
    assert (
        'Read <b>this</b> and <a href="https://arxiv.org/abs/1?a=1&amp;b=2">the paper</a> now.'
        in part
    )
    check_part(part)


def test_italics_are_converted_but_lone_asterisks_stay():
    item = make_item(1, summary="A *layered* view, **bold *both* here**; 2*3*4 and a * b * c.")
    (part,) = render_digest(make_digest([item]), Profile())
    assert "A <i>layered</i> view, <b>bold </b><b><i>both</i></b><b> here</b>;" in part
    assert "2*3*4 and a * b * c." in part
    check_part(part)


def test_brief_format_keeps_the_first_sentence():
    item = make_item(1)
    (part,) = render_digest(make_digest([item]), Profile(format="brief"))
    assert "First sentence of item 1 with <b>bold words</b>." in part
    assert "Second sentence" not in part


def test_brief_format_splits_chinese_sentences_without_a_space():
    item = make_item(1, summary="阿里巴巴发布了**开源模型**。这项技术很强大！还有更多？")
    (part,) = render_digest(make_digest([item]), Profile(format="brief"))
    assert part.endswith("阿里巴巴发布了<b>开源模型</b>。")


def test_brief_format_does_not_split_at_initials_or_decimals():
    item = make_item(1, summary="Peter H. Diamandis says GPT 5.2 is fast. Other stuff.")
    (part,) = render_digest(make_digest([item]), Profile(format="brief"))
    assert part.endswith("Peter H. Diamandis says GPT 5.2 is fast.")


def test_brief_sentence_ending_inside_bold_keeps_tags_balanced():
    item = make_item(1, summary="**Two sentences. In bold** and the rest. More.")
    (part,) = render_digest(make_digest([item]), Profile(format="brief"))
    assert part.endswith("<b>Two sentences.</b>")
    check_part(part)


def test_headlines_format_has_no_summary():
    digest = make_digest([make_item(1), make_item(2, author=None)])
    (part,) = render_digest(digest, Profile(format="headlines"))
    assert "sentence" not in part
    assert part.endswith('2. <a href="https://x.com/user/status/2">Headline number 2</a>')


def test_item_without_url_or_with_unsafe_url_is_not_linked():
    digest = make_digest(
        [make_item(1, url=None), make_item(2, url="javascript:alert(1)")],
    )
    (part,) = render_digest(digest, Profile(format="headlines"))
    assert "1. Headline number 1 — merve" in part
    assert "2. Headline number 2 — merve" in part
    assert "javascript" not in part


def test_everything_from_the_digest_is_escaped():
    item = Item(
        position=1,
        title='<script>alert("x")</script> AT&T',
        author="a<b>",
        url="https://example.com/?q=\"quoted\"&x='1'",
        summary='Math: 2 < 3 && a ** b, `**` alone; "quotes" & **bold <i>**. <b>not a tag</b>',
    )
    for fmt in ("full", "brief", "headlines"):
        (part,) = render_digest(make_digest([item]), Profile(format=fmt))
        check_part(part)
        assert "<script" not in part
        assert "&lt;script&gt;" in part
        assert "AT&amp;T" in part
        assert "a&lt;b&gt;" in part
        assert 'href="https://example.com/?q=&quot;quoted&quot;&amp;x=&#x27;1&#x27;"' in part
    (part,) = render_digest(make_digest([item]), Profile(format="full"))
    assert "2 &lt; 3 &amp;&amp; a ** b" in part
    assert "`**` alone" in part
    assert "<b>bold &lt;i&gt;</b>" in part
    assert "&lt;b&gt;not a tag&lt;/b&gt;" in part


# ---- topics ---------------------------------------------------------------------------


def topic_digest() -> Digest:
    return make_digest(
        [
            make_item(1, title="A new robot", summary="Nothing relevant."),
            make_item(
                2,
                title="Cheaper inference",
                summary="**芯片**价格下降，GPU 更便宜。",
                topics=("chips",),
            ),
            make_item(3, title="Policy news", summary="监管新规。", topics=("policy",)),
        ]
    )


def test_marks_name_the_topics_and_the_own_keywords():
    profile = Profile(topics=frozenset({"chips", "kw:gpu", "kw:<b>"}))
    (part,) = render_digest(topic_digest(), profile)
    assert "— merve 🔔 <i>Chips &amp; compute · gpu</i>" in part
    assert part.count("🔔") == 1
    assert numbers_in(part) == [1, 2, 3]
    check_part(part)
    (chinese,) = render_digest(topic_digest(), Profile(topics=frozenset({"chips"}), lang="zh"))
    assert "— merve 🔔 <i>芯片与算力</i>" in chinese


def test_topics_mode_keeps_only_matching_items_with_their_numbers():
    profile = Profile(alerts_mode="topics", topics=frozenset({"chips", "policy"}))
    (part,) = render_digest(topic_digest(), profile)
    assert numbers_in(part) == [2, 3]
    assert "2 of 3 items match your topics" in part
    check_part(part)


def test_topics_mode_without_match_sends_nothing():
    profile = Profile(alerts_mode="topics", topics=frozenset({"funding"}))
    assert render_digest(topic_digest(), profile) == []
    assert render_digest(topic_digest(), Profile(alerts_mode="topics")) == []


def test_a_digest_without_items_sends_nothing():
    assert render_digest(make_digest([]), Profile()) == []


# ---- splitting ------------------------------------------------------------------------

HEAVY = "模型🤗发布，**芯片**算力🚀增长。" * 12 + " Also & <tags> 😀 here. "


def heavy_digest(count: int = 30) -> Digest:
    return make_digest(
        [
            make_item(n, title=f"🔥 头条 {n} & <more> 🤖", summary=HEAVY + f"第{n}条。")
            for n in range(1, count + 1)
        ]
    )


@pytest.mark.parametrize("fmt", ["full", "brief", "headlines"])
def test_parts_are_filled_and_an_item_goes_on_in_the_next_part(fmt: str):
    digest = heavy_digest()
    profile = Profile(format=fmt, topics=frozenset({"chips", "models"}))
    parts = render_digest(digest, profile)
    seen: list[int] = []
    for part in parts:
        check_part(part)
        seen += numbers_in(part)
    assert seen == list(range(1, 31))  # every item once, in order (a continuation has none)
    if fmt == "full":
        assert len(parts) > 1
    for part in parts[:-1]:  # no half-empty part: what is left is less than a sentence
        assert visible_len(part) > MAX_MESSAGE - MIN_SPLIT or check_part(part) > MAX_ENTITIES - 5
    for before, after in itertools.pairwise(parts):
        body = after.split("\n\n", 1)[1]
        assert before.endswith(" " + CONTINUED) == body.startswith(CONTINUED + " ")
    if len(parts) > 1:
        for index, part in enumerate(parts, 1):
            assert part.split("\n", 1)[0].endswith(f" ({index}/{len(parts)})")
        assert "🗓" in parts[0] and "🗓" not in parts[1]  # later parts: short header
    else:
        assert "(1/1)" not in parts[0]


def test_a_part_is_measured_on_its_visible_text_not_its_html():
    """Long link addresses cost Telegram nothing: 40 headlines with 300-character URLs
    are 12,000 units of HTML, and one message."""
    items = [make_item(n, url=f"https://example.com/{'x' * 300}/{n}") for n in range(1, 41)]
    (part,) = render_digest(make_digest(items), Profile(format="headlines"))
    check_part(part)
    assert utf16_len(part) > 12_000 and numbers_in(part) == list(range(1, 41))
    assert utf16_len(html_to_plain(part)) <= MAX_MESSAGE  # the fallback drops the URLs


def test_many_bold_phrases_split_by_entity_count():
    summary = " ".join(f"**b{k}**" for k in range(8))
    digest = make_digest([make_item(n, summary=summary) for n in range(1, 31)])
    parts = render_digest(digest, Profile())
    assert all(utf16_len(part) < 3000 for part in parts)  # short, yet split
    assert len(parts) >= 3
    seen = []
    for part in parts:
        check_part(part)
        seen += numbers_in(part)
    assert seen == list(range(1, 31))


def test_a_huge_item_is_cut_at_a_sentence_with_a_read_more_link():
    summary = "".join(f"第{k}句话讲**模型**和芯片的故事。" for k in range(2000))
    digest = make_digest([make_item(1), make_item(2, summary=summary), make_item(3)])
    parts = render_digest(digest, Profile(lang="zh"))  # "Read more" in the chat's language
    for part in parts:
        check_part(part)
    (cut,) = [part for part in parts if "阅读全文" in part]
    assert '。 … <a href="https://x.com/user/status/2">阅读全文</a>' in cut
    # Item 2 fills what item 1 left of the first part and goes on in the second.
    assert [numbers_in(part) for part in parts] == [[1, 2], [3]]
    assert parts[0].endswith("。 …") and parts[1].split("\n\n", 1)[1].startswith("… 第")


def test_a_huge_english_item_without_sentences_or_url_is_cut_at_a_word():
    summary = " ".join(["word"] * 3000)
    digest = make_digest([make_item(1, summary=summary, url=None)])
    (part,) = render_digest(digest, Profile())
    check_part(part)
    assert part.endswith("word …")
    assert "Read more" not in part


def test_a_huge_english_item_gets_read_more():
    summary = "This is a sentence about models. " * 400
    (part,) = render_digest(make_digest([make_item(1, summary=summary)]), Profile())
    check_part(part)
    assert part.endswith('models. … <a href="https://x.com/user/status/1">Read more</a>')


def test_an_item_with_hundreds_of_bolds_keeps_under_the_entity_limit():
    summary = " ".join(f"**k{k}**" for k in range(300))
    (part,) = render_digest(make_digest([make_item(1, summary=summary)]), Profile())
    assert check_part(part) <= MAX_ENTITIES
    assert "k299" in part  # the text is all there, only the styles stopped


def test_rendering_thirty_items_for_twelve_profiles():
    """The fan-out renders once per profile; this is the shape the benchmark measures."""
    digest = heavy_digest()
    profiles = [
        Profile(format=fmt, tz=tz, alerts_mode=mode, topics=topics)
        for fmt in ("full", "brief", "headlines")
        for tz, mode, topics in (
            ("UTC", "all", frozenset()),
            ("Asia/Shanghai", "all", frozenset({"chips"})),
            ("Europe/Berlin", "topics", frozenset({"models", "kw:第1"})),
            ("America/New_York", "topics", frozenset({"funding"})),
        )
    ]
    assert len({profile.key() for profile in profiles}) == 12
    for profile in profiles:
        for part in render_digest(digest, profile):
            check_part(part)


# ---- the canonical post ---------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["full", "brief", "headlines"])
def test_canonical_digest_renders(shared_data, fmt: str):
    parse = pytest.importorskip("bot.digest.parse")
    from bot.digest.topics import classify

    parsed = parse.parse_file(shared_data / "digests/canonical/2025-12-20-12.md")
    items = [
        replace(item, topics=tuple(classify(item.title, item.author, item.summary)))
        for item in parsed.items
    ]  # as storage classifies them
    digest = replace(parsed, items=tuple(items))
    profile = Profile(format=fmt, tz="Asia/Shanghai", topics=frozenset({"products", "agents"}))
    parts = render_digest(digest, profile)
    assert "2025-12-20 12:00 (UTC+8)" in parts[0]
    seen = []
    for part in parts:
        check_part(part)
        seen += numbers_in(part)
    assert seen == [item.position for item in digest.items]
    text = "\n".join(parts)
    assert "— merve" in text
    assert "🔔 <i>Agents</i>" in text and "🔔 <i>Products &amp; apps</i>" in text
    if fmt == "full":
        assert "<b>完全开源的Qwen-Image-Layered模型</b>" in text


# ---- plain-text fallback --------------------------------------------------------------


def test_html_to_plain_strips_tags_unescapes_and_keeps_urls():
    html = (
        '<b>Title &amp; more</b>\n1. <a href="https://e.com/?a=1&amp;b=2">Head &lt;x&gt;</a>'
        ' and <a href="https://e.com/">https://e.com/</a> <i>it</i>'
    )
    assert html_to_plain(html) == (
        "Title & more\n1. Head <x> (https://e.com/?a=1&b=2) and https://e.com/ it"
    )


def test_every_rendered_part_has_a_plain_fallback():
    """Each part read as plain text: no tag or entity left, every headline as written
    (unescaped) and its link as a visible URL, each item once."""
    parts = render_digest(heavy_digest(), Profile())
    assert len(parts) > 1
    plains = [html_to_plain(part) for part in parts]
    assert all(plain.strip() for plain in plains)
    markup = re.compile(r"</?(b|i|u|s|a|code|pre|blockquote)\b[^>]*>|&(amp|lt|gt|quot);")
    assert not any(markup.search(plain) for plain in plains), plains
    joined = "\n".join(plains)
    for n in range(1, 31):
        assert joined.count(f"🔥 头条 {n} & <more> 🤖 (https://x.com/user/status/{n})") == 1, n


# ---- stories the chat already has -----------------------------------------------------


def test_stories_the_chat_already_has_fold_into_one_closing_line():
    digest = make_digest([make_item(n) for n in range(1, 6)])
    (part,) = render_digest(digest, Profile(), had={2, 4})
    check_part(part)
    assert numbers_in(part) == [1, 3, 5]
    assert part.endswith(
        '\n\n↩️ +2 stories you already have: <a href="https://x.com/user/status/2">Headline'
        ' number 2</a> · <a href="https://x.com/user/status/4">Headline number 4</a>'
    )
    (one,) = render_digest(digest, Profile(lang="zh", format="headlines"), had={3})
    assert numbers_in(one) == [1, 2, 4, 5] and "\n↩️ 另有 1 条你已看过：<a " in one
    (hidden,) = render_digest(digest, Profile(repeats="hide"), had={2, 4})
    assert numbers_in(hidden) == [1, 3, 5] and "↩️" not in hidden
    (shown,) = render_digest(digest, Profile(repeats="show"), had={2, 4})
    assert numbers_in(shown) == [1, 2, 3, 4, 5] and "↩️" not in shown
    assert render_digest(digest, Profile(), had={1, 2, 3, 4, 5}) == []  # nothing new


def test_the_closing_line_lists_ten_headlines_at_most():
    digest = make_digest([make_item(n) for n in range(1, 31)])
    (*_, last) = render_digest(digest, Profile(format="headlines"), had=set(range(2, 31)))
    check_part(last)
    assert "+29 stories you already have" in last and last.endswith(" · …")
    assert last.count("<a ") == 1 + 10  # item 1, then ten of the 29


def test_a_digest_that_gave_only_its_day_shows_the_day_in_both_languages() -> None:
    """A post dated by its day only is parsed as the start of that day in its zone
    (bot/digest/dates.py): shown as the day, not a made-up midnight moved to the
    chat's zone."""
    from datetime import datetime, timedelta, timezone

    from bot.digest.markup import format_published

    shanghai_day = datetime(2026, 5, 12, tzinfo=timezone(timedelta(hours=8)))
    assert format_published(shanghai_day, "Europe/Berlin", "en") == "2026-05-12"
    assert format_published(shanghai_day, "", "zh") == "2026年5月12日"
    timed = datetime(2026, 5, 12, 9, 3, tzinfo=timezone(timedelta(hours=8)))
    assert format_published(timed, "", "en") == "2026-05-12 09:03 (UTC+8)"
    assert format_published(timed, "", "zh").startswith("2026年5月12日 09:03")
