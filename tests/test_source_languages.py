"""The language of an item and of a source (bot/digest/languages.py), and a source's
language kept up to date in storage as it publishes."""

from __future__ import annotations

from dataclasses import replace

from bot.digest.languages import source_language, text_language
from bot.digest.models import Item
from storage.digest_sources import list_sources
from storage.digests import save_digest
from tests.test_chat_sources import en_digest, zh_digest


def test_an_item_is_in_the_language_most_of_its_text_is_in():
    # The canonical layout: an English headline over a Chinese summary is Chinese.
    headline = "GPT-6 preview: first impressions after a day of coding with it"
    assert (
        text_language(headline, "试用新模型预览版一天的体验：长代码重构更稳定，工具调用更可靠。")
        == "zh"
    )
    assert (
        text_language("英伟达发布芯片", "Nvidia unveils a robotics chip for humanoids at 60 W.")
        == "en"
    )
    assert text_language("https://example.com/a-very-long-link-with-words", "") is None
    assert (
        text_language("[link](https://example.com/some/long/path/with/english/words)", None) is None
    )
    assert text_language("", "") is None


def test_a_source_is_mixed_until_its_items_tell():
    assert source_language(3, 0) == "mixed"  # too few items to tell
    assert source_language(None, None) == "mixed"
    assert source_language(9, 1) == "zh" and source_language(1, 9) == "en"
    assert source_language(5, 5) == "mixed"


async def test_a_source_of_links_only_counts_as_mixed(db):
    links_only = replace(zh_digest(1, source="Links"), items=tuple(
        Item(k, f"https://example.com/{k}", None, f"https://example.com/{k}", "")
        for k in (1, 2, 3)
    ))  # fmt: skip
    await save_digest(db, links_only)
    (source,) = await list_sources(db)
    assert (source.name, source.lang) == ("Links", "mixed")


async def test_a_source_language_follows_what_it_publishes(db):
    await save_digest(db, zh_digest(1, source="Wire"))
    assert [(s.name, s.lang) for s in await list_sources(db)] == [("Wire", "zh")]
    for number in range(2, 8):  # it turns to English: 30 English items over 5 Chinese
        await save_digest(db, en_digest(number, source="Wire"))
    (source,) = await list_sources(db)
    assert source.lang == "en" and source.digests == 7 and source.last_title == "Wire issue 7"
    assert source.per_week is not None and 6.5 < source.per_week < 7.5  # one a day


async def test_naming_a_source_renames_it_with_its_digests_and_the_chats_choices(db, tmp_path):
    import httpx

    from bot.sources.ingest import ingest_targets
    from storage.digest_sources import choose, taken_sources

    folder = tmp_path / "posts"
    folder.mkdir()
    (folder / "2026-11-21.md").write_text(
        "---\ntitle: Old post\ndate: 2026-11-21T08:00:00+08:00\n---\n\n"
        "1.  [芯片公司发布新品 - 甲](https://example.cn/1)\n\n"
        "    这是关于芯片的中文摘要，介绍了新产品。\n",
        encoding="utf-8",
    )
    async with httpx.AsyncClient() as client:
        await ingest_targets(db, [str(folder)], client)  # unnamed: the folder's name
        assert [s.name for s in await list_sources(db)] == ["posts"]
        await choose(db, 42, 0, "posts", False)
        (folder / "2026-11-22.md").write_text(
            (folder / "2026-11-21.md").read_text(encoding="utf-8").replace("21", "22"),
            encoding="utf-8",
        )
        report = await ingest_targets(db, [str(folder)], client, name="日报")
    assert report.sources == {"日报"} and len(report.new) == 1
    (source,) = await list_sources(db)
    assert (source.name, source.digests) == ("日报", 2)  # the old post moved with it
    assert await taken_sources(db, 42, 0, "zh") == frozenset()  # the choice moved too
    async with db.execute("SELECT count(*) FROM digest_sources WHERE announce") as cursor:
        assert (await cursor.fetchone())[0] == 0  # not announced as a new source


async def test_the_corpus_sources_have_the_language_a_reader_sees(db, shared_data):
    """The canonical digest and AINews' Chinese translation are Chinese (an English
    headline over a Chinese summary counts as Chinese), AINews and Skynet Today English."""
    import httpx

    from bot.sources.ingest import ingest_targets

    posts = {  # the big AINews issues take seconds to parse: smaller ones of each
        "canonical": ("canonical", "zh"),
        "ainews-zh-cn": ("ainews-zh-cn/26-05-08-not-much.md", "zh"),
        "smol-ai-ainews": ("smol-ai-ainews/buttondown-oldold", "en"),
        "skynet-today": ("skynet-today/2018-05-14-1.md", "en"),
    }
    async with httpx.AsyncClient() as client:
        for name, (folder, _) in posts.items():
            await ingest_targets(db, [str(shared_data / "digests" / folder)], client, name=name)
    found = {source.name: source.lang for source in await list_sources(db)}
    assert found == {name: lang for name, (_, lang) in posts.items()}


async def test_the_migration_lists_the_sources_already_stored(db):
    from storage.db import _split_statements, migrations

    await save_digest(db, zh_digest(1))
    await save_digest(db, en_digest(1))
    async with db.transaction() as conn:  # the database as it was before migration 017
        await conn.execute("DROP INDEX digests_by_source")
        await conn.execute("DROP TABLE digest_sources")
        (sql,) = [sql for _, name, sql in migrations() if name == "017_digest_sources.sql"]
        for statement in _split_statements(sql):
            await conn.execute(statement)
    found = {(s.name, s.lang, s.configured, s.digests) for s in await list_sources(db)}
    assert found == {("日报", "zh", True, 1), ("AINews", "en", True, 1)}
