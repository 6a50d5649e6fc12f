"""Repeated stories: found at ingest (a specific link, a shared link with alike headlines,
a near-identical headline), linked to the story's first item, within a week."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.digest.links import normalize_url
from bot.digest.models import Digest, Item
from bot.digest.stories import find_repeats, fold_title, specific_keys, told, words_in_common
from storage.digests import save_digest
from storage.stories import earlier_tellings

T0 = datetime(2025, 12, 18, 4, 0, tzinfo=UTC)


def item(n: int, title: str, url: str | None, summary: str = "Some words.") -> Item:
    return Item(position=n, title=title, author=None, url=url, summary=summary)


def digest(digest_id: str, when: datetime, *items: Item) -> Digest:
    return Digest(id=digest_id, source="test", title=digest_id, published_at=when, items=items)


def earlier(*rows: tuple[int, str | None, str]):
    keys = specific_keys((normalize_url(url), title) for _, url, title in rows)
    return [told(i, i, normalize_url(url), title, keys) for i, url, title in rows]


def new(*rows: tuple[int, str | None, str]):
    return [(n, normalize_url(url), title) for n, url, title in rows]


def test_the_same_specific_link_is_the_same_story_whatever_its_spelling():
    before = earlier((1, "https://twitter.com/a/status/42?s=20", "Model X is out"))
    (match,) = find_repeats(new((3, "https://x.com/b/status/42", "Totally new words")), before)
    assert (match.position, match.story, match.how) == (3, 1, "link")


def test_a_hub_link_needs_alike_headlines():
    server = "https://discord.com/channels/974519864045756446"
    before = earlier(
        (1, server, "Pinned Chats Arrive at Last"),
        (2, server, "Google Veo 3 is better than Sora 2 Pro"),
        (3, "https://aiode.com/x", "Unrelated"),
    )
    items = new(
        (1, server, "Google Veo 3 优于 Sora 2 Pro"),  # a translation: the names it keeps
        (2, server, "Gemini 3 Flash 防护栏被攻破"),  # only the server in common
        (3, server, "Sora 2 Pro lags"),  # one word in common says little
    )
    matches = {m.position: m for m in find_repeats(items, before)}
    assert matches[1].earlier == 2 and matches[1].how == "link+title"
    assert 2 not in matches and 3 not in matches


def test_a_link_several_unrelated_items_share_is_a_hub_not_a_story():
    day_page = "https://ai.hubtoday.app/2025-12/2025-12-19/"
    keys = specific_keys(
        [
            (normalize_url(day_page), "Gemini CLI更新"),
            (normalize_url(day_page), "Croc 跨设备文件传输"),
        ]
    )
    assert keys == set()
    assert specific_keys([("https://claude.ai", "x")]) == set()  # no path: a site, not a page
    one_story_twice = [("https://e.com/jax-js", "JAX-JS enables web dev")] * 2
    assert specific_keys(one_story_twice) == {"https://e.com/jax-js"}


def test_near_identical_headlines_match_and_subsets_or_short_ones_do_not():
    before = earlier(
        (1, "https://e.com/1", "Financial Modeling Prep as a Workaround"),
        (2, "https://e.com/2", "Claude Code"),
        (3, "https://e.com/3", "Gemini 3 Flash性能对比"),
        (4, "https://e.com/4", "Gemini 3"),
    )
    items = new(
        (1, "https://f.com/1", "Financial Modeling Prep MCP Workaround"),
        (2, "https://f.com/2", "Claude Code Templates 工具发布"),
        (3, "https://f.com/3", "Gemini 3 Flash 快到能玩猜画游戏"),  # 73: below the threshold
        (4, "https://f.com/4", "Gemini 3"),  # too short to say anything
    )
    matches = {m.position: m for m in find_repeats(items, before)}
    assert set(matches) == {1} and matches[1].how == "title"


def test_folding_and_words_in_common():
    assert fold_title("RT @someone: GPT‑5.2 is OUT!!") == "gpt 5 2 is out"
    assert words_in_common(fold_title("OpenRouter Wrapped Stats Wow"),
                           fold_title("OpenRouter Wrapped 统计数据惊人")) == 100  # fmt: skip
    assert words_in_common("gemini flash", "gemini pro") == 0


async def test_ingest_links_each_repeat_to_the_first_telling_within_a_week(db):
    first = digest(
        "t/1",
        T0,
        item(1, "Qwen-Image-Layered (native image decomposition)", "https://x.com/q/status/1"),
    )
    second = digest(
        "t/2",
        T0 + timedelta(hours=4),
        item(1, "Something else entirely", "https://e.com/else"),
        item(2, "Qwen image layered, again", "https://twitter.com/q/status/1"),
    )
    third = digest(
        "t/3",
        T0 + timedelta(days=2),
        item(1, "Qwen-Image-Layered (native image decomposition!)", "https://e.com/other"),
    )
    late = digest(
        "t/4", T0 + timedelta(days=9), item(1, "Something else entirely", "https://e.com/else")
    )
    for d in (first, second, third, late):
        assert await save_digest(db, d) == "new"
    async with db.execute(
        "SELECT i.digest_id, i.position, f.digest_id, f.position FROM items i"
        " LEFT JOIN items f ON f.id = i.repeat_of ORDER BY i.id"
    ) as cursor:
        rows = [tuple(r) for r in await cursor.fetchall()]
    assert rows == [
        ("t/1", 1, None, None),
        ("t/2", 1, None, None),
        ("t/2", 2, "t/1", 1),  # by link
        ("t/3", 1, "t/1", 1),  # by headline, to the first telling
        ("t/4", 1, None, None),  # t/2's item is 9 days before it: new again
    ]
    tellings, sources = await earlier_tellings(db, "t/3")
    assert [(i.position, i.title[:9]) for i in tellings[1]] == [(1, "Qwen-Imag"), (2, "Qwen imag")]
    assert sources == {1: ["test", "test"]}
    assert await earlier_tellings(db, "t/1") == ({}, {})


async def test_an_edited_digest_is_linked_again(db):
    await save_digest(db, digest("t/1", T0, item(1, "A story", "https://e.com/story/1")))
    await save_digest(db, digest("t/2", T0 + timedelta(hours=4), item(1, "New", "https://e.com/n")))
    edited = digest("t/2", T0 + timedelta(hours=4), item(1, "A story", "https://e.com/story/1"))
    assert await save_digest(db, edited) == "updated"
    async with db.execute("SELECT count(*) FROM items WHERE repeat_of IS NOT NULL") as cursor:
        assert (await cursor.fetchone())[0] == 1


async def test_the_corpus_stored_in_order_has_the_repeats_the_bench_finds(db, shared_data):
    """Storage runs the same method as bench/repeats.py: the same repeats, item by item."""
    from bench.repeats import ingest, load_posts

    posts = load_posts()
    for post in posts:
        await save_digest(db, post.digest)
    expected, _ = ingest(posts)
    ids = {post.digest.id: post.path for post in posts}
    async with db.execute(
        "SELECT i.digest_id, i.position, f.digest_id, f.position FROM items i"
        " JOIN items f ON f.id = i.repeat_of"
    ) as cursor:
        stored = {(ids[a], b): (ids[c], d) for a, b, c, d in await cursor.fetchall()}
    # The bench names the item that matched, storage the first telling of its story.
    assert set(stored) == set(expected)
    assert len(stored) > 250


def test_the_hand_checked_sample_has_no_false_match(shared_data):
    """A floor under the figures bench/repeats.py prints (read them there)."""
    from bench.repeats import ingest, load_labels, load_posts, score

    found, _ = ingest(load_posts())
    repeats, hit, _, false, wrong = score(load_labels(), found)
    assert (repeats, false, wrong) == (58, 0, 0)
    assert hit >= 35
