"""What a search returns: one result per story (same link) with 'also in N digests',
twins in another language once, a total, one stable order for every page, snippets
that start at a boundary and show no web addresses, marks never inside a link; and
migration 007 on a database that already has items."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import aiosqlite

from bot.digest.models import Digest, Item
from bot.digest.parse import parse_file
from storage import search as search_module
from storage.db import _split_statements, connect, migrations, prepare_connection
from storage.digests import save_digest
from storage.search import match_ids, search, snippet
from storage.search_snippet import marks, plain_text
from tests.test_search import CST

SAMPLES = Path(__file__).resolve().parents[1] / "bot" / "samples"
START = datetime(2025, 12, 1, 8, tzinfo=CST)


def digest(n: int, items: list[Item], *, source: str = "s", hours: int | None = None) -> Digest:
    when = START + timedelta(hours=n if hours is None else hours)
    return Digest(f"{source}/{n}", source, f"Digest {n}", when, items=tuple(items))


def item(position: int, title: str, url: str | None, summary: str = "") -> Item:
    return Item(position, title, None, url, summary or title)


async def pages(db, query: str, size: int) -> list[list[tuple[str, int]]]:
    found, offset = [], 0
    while True:
        page = await search(db, query, offset=offset, limit=size)
        found.append([(hit.digest_id, hit.item.position) for hit in page.hits])
        if not page.has_more:
            return found
        offset += size


async def test_one_story_is_listed_once_newest_with_also_in(db):
    spellings = [
        "https://x.com/mervenoyann/status/2002053971406700740",
        "http://twitter.com/mervenoyann/status/2002053971406700740?s=20",
        "https://www.x.com/MerveNoyann/status/2002053971406700740/",
    ]
    for n, url in enumerate(spellings):
        await save_digest(db, digest(n, [item(1, f"Qwen layered, take {n}", url)]))
    await save_digest(db, digest(9, [item(1, "Qwen other story", "https://qwen.ai/blog")]))
    page = await search(db, "qwen")
    assert [hit.item.title for hit in page.hits] == ["Qwen other story", "Qwen layered, take 2"]
    assert [hit.also_in for hit in page.hits] == [0, 2]
    assert page.total == 2 and page.total_exact
    assert len(await match_ids(db, ["qwen"])) == 4  # every match is still in the index


async def test_a_twin_in_the_other_language_is_listed_once(db):
    url = "https://www.anthropic.com/engineering/desktop-extensions"
    zh = digest(1, [item(1, "Claude Desktop Extensions 把 MCP 安装做成一键分发", url)], source="zh")
    en = digest(
        1, [item(1, "Claude Desktop Extensions turns MCP into one click", url)], source="en"
    )
    await save_digest(db, zh)
    await save_digest(db, en)
    page = await search(db, "MCP")
    assert len(page.hits) == 1 and page.hits[0].also_in == 1 and page.total == 1
    # A word only the Chinese twin has finds the Chinese one.
    (hit,) = (await search(db, "一键分发")).hits
    assert hit.digest_id == "zh/1" and hit.also_in == 1


async def test_one_link_twice_in_one_digest_is_two_results(db):
    # A digest that lists one link for two items (a newsletter's page) means two stories
    # when their headlines are not alike (as pushes tell it, bot/digest/stories.py);
    # the same two a digest earlier are those stories again (found by their headlines).
    url = "https://tldr.tech/ai/2026-03-03"
    items = [
        item(1, "Anthropic ships Claude for spreadsheets", url, "via tldr"),
        item(2, "MiniMax raises a funding round", url, "via tldr"),
    ]
    await save_digest(db, digest(0, items))
    await save_digest(db, digest(1, items))
    page = await search(db, "tldr")
    assert [(hit.digest_id, hit.item.position) for hit in page.hits] == [("s/1", 1), ("s/1", 2)]
    assert [hit.also_in for hit in page.hits] == [1, 1]


async def test_a_hub_link_never_folds_different_stories_of_other_digests(db):
    """A chat server's channel link, given to many items of each AINews issue: items of
    an earlier issue under the same channel are other stories, and are listed."""
    hub = "https://discord.com/channels/1053877538025386074/1149866623109439599"
    first = [item(1, "Unsloth release adds GRPO", hub), item(2, "LM Studio 0.4", hub)]
    second = [item(1, "Ollama release ships MLX", hub), item(2, "vLLM 0.9", hub)]
    await save_digest(db, digest(0, first))
    await save_digest(db, digest(1, second))
    page = await search(db, "release")
    titles = [hit.item.title for hit in page.hits]
    assert titles == ["Ollama release ships MLX", "Unsloth release adds GRPO"]
    assert [hit.also_in for hit in page.hits] == [0, 0]


async def test_items_without_a_link_are_never_grouped(db):
    await save_digest(db, digest(1, [item(1, "linkless a", None), item(2, "linkless b", None)]))
    await save_digest(db, digest(2, [item(1, "linkless a", None)]))
    assert (await search(db, "linkless")).total == 3


async def test_the_total_and_when_it_is_a_lower_bound(db, monkeypatch):
    for n in range(40):
        items = [item(k, f"Gemini note {n}.{k}", f"https://e.com/{n}/{k}") for k in (1, 2, 3)]
        await save_digest(db, digest(n, items))
    page = await search(db, "gemini", limit=5)
    assert (page.total, page.total_exact, page.has_more) == (120, True, True)
    # Fewer matches read than there are: the total is what was read, and says so.
    monkeypatch.setattr(search_module, "WALK_MATCHES", 10)
    page = await search(db, "gemini", limit=5)
    assert not page.total_exact and 10 <= page.total < 120 and page.has_more
    last = await search(db, "gemini", offset=115, limit=5)
    assert len(last.hits) == 5 and not last.has_more and last.total == 120 and last.total_exact


async def test_the_order_is_the_same_on_every_page(db):
    for path in sorted(SAMPLES.glob("*.md")):
        await save_digest(db, parse_file(path))
    everything = (await search(db, "模型", limit=50)).hits
    order = [(hit.digest_id, hit.item.position) for hit in everything]
    for size in (1, 2, 3, 5, 7):
        paged = [key for page in await pages(db, "模型", size) for key in page]
        assert paged == order, size
    # Within a digest: digests newest first, the title's matches first, then by position;
    # a digest cut by the page end continues on the next page in that same order.
    first, second = (await pages(db, "模型", 5))[:2]
    newest = first[0][0]
    positions = [position for digest_id, position in first + second if digest_id == newest]
    assert sorted(positions) == sorted(set(positions))
    assert [key for key in order if key[0] == newest] == [
        key for key in first + second if key[0] == newest
    ]


async def test_the_phrase_as_typed_comes_first_within_a_digest(db):
    items = [
        item(1, "开源的新模型", "https://e.com/1", "一家公司开源了一个模型。"),
        item(2, "另一条", "https://e.com/2", "首个开源模型登顶排行榜。"),
        item(3, "开源模型周报", "https://e.com/3", "本周开源模型汇总。"),
    ]
    await save_digest(db, digest(1, items))
    page = await search(db, "开源模型")
    # 3: the phrase and both words in the title; 2: the phrase; 1: only the words, apart.
    assert [hit.item.position for hit in page.hits] == [3, 2, 1]


def test_snippets_start_at_a_boundary_and_show_no_web_addresses():
    text = (
        "Anthropic published a long report on agents. "
        * 6
        + "Pricing moves to **credit-based products** for teams, see "
        "https://example.com/pricing?utm_source=x and [the post](https://example.com/post). "
        + "More notes follow here. "
        * 10
    )
    cut = snippet(text, ["credit"])
    assert "credit-based products" in cut
    assert "http" not in cut and "example.com" not in cut and "the post" in cut
    body = cut.strip("…")
    start = text.replace("**", "").find(body[:20])
    assert start == 0 or not text.replace("**", "")[start - 1].isalnum(), cut
    assert cut.startswith("…") and cut.endswith("…")
    # Chinese: any character boundary; a sentence that starts shortly before: there.
    zh = "开头的铺垫。" * 30 + "阿里巴巴发布了开源模型。" + "结尾。" * 60
    assert snippet(zh, ["开源"]).startswith("…阿里巴巴发布了开源模型")
    assert plain_text("- **要点**：见 (https://x.com/a/status/1) 和 x.com/b\n> 引用") == (
        "要点：见 和 引用"
    )


def test_marks_are_the_words_as_written_never_inside_a_link():
    title = "RT @openai: OpenAI ships it https://openai.com/index/openai-ships"
    assert marks([title], ["openai"]) == ("openai",)  # the renderer ignores case
    assert marks(["見 https://x.com/機器人 機器人"], ["机器人"]) == ("機器人",)


async def test_migration_007_folds_the_index_and_fills_stories(tmp_path):
    """A database from before 007 (index unfolded, no stories) is migrated in place."""
    path = tmp_path / "old.db"
    conn = await aiosqlite.connect(path, isolation_level=None)
    await prepare_connection(conn)
    # The index as migrations 002-006 built it: lowercase only, nothing folded.
    await conn.create_function("search_grams", 3, _old_grams, deterministic=True)
    for version, _, sql in migrations()[:6]:
        for statement in _split_statements(sql):
            await conn.execute(statement)
        await conn.execute(f"PRAGMA user_version = {version}")
    await conn.execute(
        "INSERT INTO digests (id, source, title, published_at, published_ts, content_hash, "
        "ingested_ts, updated_ts) VALUES ('d', 's', 't', '2025-12-01T08:00:00+08:00', 0, '', 0, 0)"
    )
    for n, (title, url) in enumerate(
        [
            ("機器人 新聞", "http://twitter.com/a/status/1"),
            ("机器人 news", "https://x.com/b/status/1"),
        ]
    ):
        await conn.execute(
            "INSERT INTO items (id, digest_id, position, title, url, summary) "
            "VALUES (?, 'd', ?, ?, ?, '')",
            (n + 1, n + 1, title, url),
        )
    await conn.close()

    db = await connect(path)
    try:
        async with db.execute("SELECT story FROM items ORDER BY id") as cursor:
            assert [row[0] for row in await cursor.fetchall()] == ["https://x.com/i/status/1"] * 2
        assert sorted(await match_ids(db, ["机器人"])) == [1, 2]
        async with db.transaction() as conn:
            await conn.execute("DELETE FROM items WHERE id = 1")  # deletes the folded tokens
            await conn.execute("INSERT INTO items_grams (items_grams) VALUES ('integrity-check')")
        assert await match_ids(db, ["机器人"]) == [2]
    finally:
        await db.close()


def _old_grams(title: str | None, author: str | None, summary: str | None) -> str:
    text = f"{title or ''}\n{author or ''}\n{summary or ''}".replace("**", "").lower()
    return " ".join(text.split())


async def test_search_reads_the_markup_as_rendering_does(db):
    """One reading of a summary's Markdown (bot/digest/spans.py) for what is shown and
    what is found: a link's target and an image are not text; bold and italic marks go."""
    summary = (
        "See **the** [write-up](https://github.com/acme/tool) ![chart](https://i.img/x.png) *now*"
    )
    await save_digest(db, digest(1, [item(1, "Acme tool", "https://acme.dev", summary)]))
    assert (await search(db, "write-up")).total == 1
    assert (await search(db, "the write-up now")).total == 1
    for absent in ("github", "chart", "i.img", "x.png"):
        assert (await search(db, absent)).total == 0, absent
