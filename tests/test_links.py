"""normalize_url (bot/digest/links.py): one key per link, so the same story is found
again in another digest, another language or another spelling of its link."""

from __future__ import annotations

import random

import pytest

from bot.digest.links import normalize_url, url_spans

SAME = [
    # x.com and twitter.com, any user name in the path, share parameters, www, http
    [
        "https://x.com/mervenoyann/status/2002053971406700740",
        "https://twitter.com/mervenoyann/status/2002053971406700740",
        "http://www.twitter.com/MerveNoyann/status/2002053971406700740?s=20&t=abc",
        "https://mobile.twitter.com/i/web/status/2002053971406700740",
        "https://x.com/anyone/status/2002053971406700740/photo/1",
        "x.com/mervenoyann/status/2002053971406700740",
        "https://X.COM/mervenoyann/statuses/2002053971406700740#reply",
    ],
    # tracking parameters, fragments, trailing slashes, default ports, case of the host
    [
        "https://www.anthropic.com/engineering/desktop-extensions",
        "https://anthropic.com/engineering/desktop-extensions/",
        "http://Anthropic.com:80/engineering/desktop-extensions?utm_source=tldr&utm_medium=x",
        "https://anthropic.com:443/engineering/desktop-extensions?ref=news#top",
        "  https://anthropic.com//engineering/desktop-extensions?fbclid=IwAR  ",
    ],
    # the remaining parameters in one order; escapes in one form
    [
        "https://example.com/search?b=2&a=1",
        "https://example.com/search?a=1&b=2&utm_campaign=z",
        "https://example.com/%73earch?a=%31&b=2",
    ],
    [
        "https://zh.wikipedia.org/wiki/模型",
        "https://zh.wikipedia.org/wiki/%E6%A8%A1%E5%9E%8B",
        "https://zh.wikipedia.org/wiki/%e6%a8%a1%e5%9e%8b/",
    ],
    # one video, one paper
    [
        "https://youtu.be/dQw4w9WgXcQ?si=share",
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ&feature=share&t=42",
        "https://m.youtube.com/watch?v=dQw4w9WgXcQ",
    ],
    [
        "https://arxiv.org/abs/2512.01234",
        "https://arxiv.org/abs/2512.01234v2",
        "http://arxiv.org/pdf/2512.01234v1.pdf",
        "https://www.arxiv.org/html/2512.01234v3",
    ],
    [
        "https://中文.example/路径",
        "https://xn--fiq228c.example/%E8%B7%AF%E5%BE%84",
    ],
]

DIFFERENT = [
    "https://x.com/mervenoyann/status/2002053971406700740",
    "https://x.com/mervenoyann/status/2002053971406700741",
    "https://x.com/mervenoyann",
    "https://x.com/other",
    "https://example.com/search?a=1&b=2",
    "https://example.com/search?a=1&b=3",
    "https://example.com/search?a=1",
    "https://example.com/Search?a=1",  # paths are case-sensitive off x.com
    "https://example.com/search?t=5",  # t is a tracking parameter on x.com only
    "https://example.com:8443/search?a=1",
    "https://sub.example.com/search?a=1",
    "https://www.reddit.com/r/LocalLLaMA/comments/1pqoi6i/",
    "https://www.reddit.com/r/LocalLLaMA/comments/1pqoi6j/",
    "https://youtube.com/watch?v=dQw4w9WgXcQ",
    "https://youtube.com/watch?v=dQw4w9WgXcR",
    "https://arxiv.org/abs/2512.01234",
    "https://arxiv.org/abs/2512.01235",
    "https://example.com/a%2Fb",  # an escaped slash is not a slash
    "https://example.com/a/b",
]


@pytest.mark.parametrize("group", SAME, ids=lambda group: group[0][:40])
def test_spellings_of_one_link_have_one_key(group):
    keys = {normalize_url(url) for url in group}
    assert len(keys) == 1, keys


def test_different_links_have_different_keys():
    keys = [normalize_url(url) for url in DIFFERENT]
    assert len(set(keys)) == len(keys), keys


def test_the_key_is_a_plain_https_url():
    assert normalize_url("http://www.Example.com/Path/?utm_source=a&q=1#frag") == (
        "https://example.com/Path?q=1"
    )
    assert normalize_url("https://twitter.com/sama/status/1") == "https://x.com/i/status/1"
    assert normalize_url("https://twitter.com/Sama") == "https://x.com/sama"
    assert normalize_url("https://example.com/") == "https://example.com"
    assert normalize_url("https://youtu.be/dQw4w9WgXcQ") == (
        "https://youtube.com/watch?v=dQw4w9WgXcQ"
    )


def test_keys_are_stable_under_normalising_again():
    for group in SAME:
        for url in group:
            key = normalize_url(url)
            assert normalize_url(key) == key, url
    for url in DIFFERENT:
        assert normalize_url(normalize_url(url)) == normalize_url(url), url


def test_nothing_and_non_web_links():
    assert normalize_url(None) == ""
    assert normalize_url("") == ""
    assert normalize_url("   ") == ""
    assert normalize_url("not a url") == "not a url"
    assert normalize_url("MAILTO:someone@example.com") == "mailto:someone@example.com"
    assert normalize_url("tg://resolve?domain=x") == "tg://resolve?domain=x"
    assert normalize_url("/relative/path") == "/relative/path"


def test_bad_input_never_raises():
    hostile = [
        "http://[::1",  # an unclosed IPv6 address
        "https://example.com:99999/",  # a port out of range
        "https://example.com:abc/",
        "http://",
        "https://?a=1",
        "https://\ud800.com/",  # a lone surrogate
        "https://例子.测试/" + "模" * 5_000,
        "https://x.com/" + "a" * 100_000,
        "https://example.com/?" + "&".join(f"k{n}=v" for n in range(5_000)),
        "javascript:alert(1)",
        "\x00\x01https://x.com",
    ]
    rng = random.Random(7)
    alphabet = "hts:/?#&=%.x.comwW 模🤗\x00[]@:+"
    hostile += [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(500)
    ]
    for url in hostile:
        key = normalize_url(url)
        assert isinstance(key, str)
        assert normalize_url(key) == key or key == url.strip(), url


def test_web_addresses_in_text():
    text = (
        "见 (https://x.com/a/status/1) 和 x.com/b, wiki/A_(b) https://en.wikipedia.org/wiki/A_(b)."
    )
    found = [text[start:end] for start, end in url_spans(text)]
    assert found == ["https://x.com/a/status/1", "x.com/b", "https://en.wikipedia.org/wiki/A_(b)"]
    assert url_spans("GPT-5.2 and Qwen3.5/9B are models, not links") == []
    assert url_spans("www.example.com/x?a=1&b=2!") == [(0, 25)]
