"""Sources: folders of posts, and feeds fetched from a local HTTP server (127.0.0.1,
port 0) that speaks ETag/304, redirects, fails, stalls and sends too much or garbage."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from aiohttp import web

from bot.sources.allowed import feed_client
from bot.sources.feeds import (
    FIRST_POLL_LIMIT,
    MAX_FEED_BYTES,
    SourceError,
    SourceState,
    digests_from_feed,
    fetch_feed,
    is_list_entry,
    post_files,
)
from storage.sources import load_source_state, save_source_state

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "feeds"


@pytest.fixture
async def server(shared_data: Path):
    """Serves /feeds/<path> from a dict the test may change; counts requests."""
    files: dict[str, bytes] = {
        path.relative_to(shared_data / "feeds").as_posix(): path.read_bytes()
        for path in (shared_data / "feeds").rglob("*")
        if path.is_file()
    }
    files.update({path.name: path.read_bytes() for path in FIXTURES.iterdir()})
    hits: list[str] = []

    async def feed(request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        hits.append(name)
        if name not in files:
            raise web.HTTPNotFound()
        body = files[name]
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if request.headers.get("If-None-Match") == etag:
            hits.append("304")
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(
            body=body,
            headers={
                "ETag": etag,
                "Last-Modified": "Sat, 28 Nov 2026 08:00:00 GMT",
                "Content-Type": "application/xml",
            },
        )

    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPFound("/feeds/rss-parser-fixtures/heise.atom")

    async def unavailable(request: web.Request) -> web.Response:
        return web.Response(status=503, text="down for maintenance")

    async def broken(request: web.Request) -> web.Response:
        return web.Response(status=500, text="oops")

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(30)
        return web.Response(text="too late")

    async def trickle(request: web.Request) -> web.StreamResponse:
        """Slow loris: announces 100,000 bytes, then sends one byte at a time."""
        response = web.StreamResponse(headers={"Content-Length": "100000"})
        await response.prepare(request)
        try:
            for _ in range(100_000):
                await response.write(b" ")
                await asyncio.sleep(0.2)
        except (ConnectionResetError, RuntimeError):
            pass
        return response

    async def huge(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()  # chunked: no Content-Length to trust
        await response.prepare(request)
        chunk = b"<rss>" + b" " * (1024 * 1024)
        try:
            for _ in range(MAX_FEED_BYTES // len(chunk) + 3):
                await response.write(chunk)
        except (ConnectionResetError, RuntimeError):
            pass  # the client hung up at the cap, as it should
        return response

    async def garbage(request: web.Request) -> web.Response:
        return web.Response(body=bytes(range(256)) * 40, content_type="application/xml")

    app = web.Application()
    app.router.add_get("/feeds/{name:.+}", feed)
    app.router.add_get("/redirect", redirect)

    async def redirect_away(request: web.Request) -> web.Response:
        # To the same server by another name (a loopback address, as an attacker's would be)
        raise web.HTTPFound(
            f"http://127.0.0.1:{request.url.port}/feeds/rss-parser-fixtures/heise.atom"
        )

    app.router.add_get("/redirect-away", redirect_away)
    app.router.add_get("/unavailable", unavailable)
    app.router.add_get("/broken", broken)
    app.router.add_get("/slow", slow)
    app.router.add_get("/huge", huge)
    app.router.add_get("/trickle", trickle)
    app.router.add_get("/garbage", garbage)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    try:
        yield base, files, hits
    finally:
        await runner.cleanup()


@pytest.fixture
async def client():
    async with httpx.AsyncClient() as http:
        yield http


async def test_makinotes_entries_are_single_stories_batched(server, client) -> None:
    base, _, _ = server
    url = f"{base}/feeds/makinotes-ai-daily-feed/rss.xml"
    result = await fetch_feed(client, url, SourceState(url))
    # Each entry is one article: a one-line summary and a bullet list WITHOUT links.
    assert len(result.digests) == 1
    digest = result.digests[0]
    assert len(digest.items) == FIRST_POLL_LIMIT  # 50 entries, the newest 30 batched
    first = digest.items[0]
    assert first.title == "1500 个 PR、0 人写代码：Codex 驱动的百万行级内部产品实践"
    assert first.url is not None and first.url.startswith("https://mp.weixin.qq.com/s?__biz=")
    assert "&amp;" not in first.url and "&mid=" in first.url
    assert first.summary.startswith("分享了由 Agent 完全驱动")
    assert "- 零人工代码" in first.summary
    assert first.author is None
    assert digest.published_at == datetime(2026, 3, 15, tzinfo=UTC)
    assert digest.source == "AI Daily Harvest"  # the source is named by the feed's title
    assert len(result.seen_ids) == 50  # all seen: the older 20 are not news next time
    assert result.etag and result.last_modified


async def test_guardian_and_heise_are_batched(server, client) -> None:
    base, _, _ = server
    for path, entries, author in (
        ("rss-parser-fixtures/guardian.rss", 55, "Peter Bradshaw"),
        ("rss-parser-fixtures/heise.atom", 15, None),
    ):
        url = f"{base}/feeds/{path}"
        result = await fetch_feed(client, url, SourceState(url))
        assert [len(d.items) for d in result.digests] == [min(entries, FIRST_POLL_LIMIT)]
        items = result.digests[0].items
        assert all(item.title and item.url for item in items)
        assert [item.position for item in items] == list(range(1, len(items) + 1))
        if author:
            assert author in {item.author for item in items}
        assert len(result.seen_ids) == entries


async def test_conditional_get_and_new_entries_only(server, client) -> None:
    base, files, hits = server
    files["news.rss"] = (FIXTURES / "news-1.rss").read_bytes()
    url = f"{base}/feeds/news.rss"

    first = await fetch_feed(client, url, SourceState(url))
    assert [item.title for item in first.digests[0].items] == [
        "Chip maker reports record AI demand",
        "Robotics start-up raises a new round",
    ]
    assert first.digests[0].items[0].author == "reporter@news.example (Ana Lima)"
    assert first.digests[0].items[0].summary == "Demand for **AI chips** keeps growing."
    state = SourceState(url, first.etag, first.last_modified, first.seen_ids)

    answered = len(hits)
    second = await fetch_feed(client, url, state)
    assert hits[answered:] == ["news.rss", "304"]  # the validators were sent and honoured
    assert second.digests == []
    assert second.etag == first.etag and second.seen_ids == first.seen_ids

    files["news.rss"] = (FIXTURES / "news-2.rss").read_bytes()
    third = await fetch_feed(client, url, state)
    assert len(third.digests) == 1
    assert [item.title for item in third.digests[0].items] == ["OpenAI opens its agents platform"]
    assert third.digests[0].published_at == datetime(2026, 11, 28, 8, tzinfo=UTC)
    assert third.digests[0].id != first.digests[0].id
    assert third.seen_ids == {"news-1001", "news-1002", "news-1003"}
    assert hits.count("news.rss") == 3


async def test_list_entries_are_one_digest_each(server, client) -> None:
    base, _, _ = server
    url = f"{base}/feeds/digest.atom"
    result = await fetch_feed(client, url, SourceState(url))
    assert [d.id for d in result.digests] == [
        "127.0.0.1/https://digest.example/posts/2026-11-28-08",
        "127.0.0.1/https://digest.example/posts/2026-11-28-04",
    ]
    newest, older = result.digests
    assert newest.title == "2026.11.28.08 过去4小时全球AI发生了什么？"
    assert newest.categories == ("AI News",)
    assert [(i.title, i.author) for i in newest.items] == [
        ("OpenAI ships a research mode", "OpenAI"),
        ("A new inference chip doubles tokens per watt", "Lisa Chen"),
        ("Humanoid robot folds laundry for 8 hours", "Figure"),
    ]
    assert newest.items[1].summary == "新一代**推理芯片**每瓦吞吐量提升一倍。"
    assert len(older.items) == 4
    assert older.items[0].url == "https://example.com/a/1"
    # seen list entries are not yielded again
    again = await fetch_feed(client, url, SourceState(url, seen_ids=result.seen_ids))
    assert again.digests == []


async def test_hugo_feed_entries_are_single_stories(shared_data: Path) -> None:
    import feedparser

    parsed = feedparser.parse((shared_data / "feeds/williamlfang-hugo/index.xml").read_bytes())
    assert not any(is_list_entry(entry) for entry in parsed.entries)


HEADLINES_ENTRY = (
    "<p><a href='https://daily.example/'>前往官网查看完整版</a></p><h3>产品与功能更新</h3><ol>"
    + "".join(f"<li>公司 {n} 发布了新模型。</li>" for n in range(1, 6))
    + "</ol><h3>前沿研究</h3><ol><li>一项研究发现模型冗余。</li></ol>"
    + "<p>由于 RSS 无法展示广告，即日起 RSS 将试运行摘要模式。</p>"
    + "<h3><a href='https://daily.example/'>前往官网查看完整版</a></h3>"
)


def test_an_entry_listing_headlines_without_links_gives_its_headlines() -> None:
    """CloudFlare AI-Insight-Daily's entries: headlines without links of their own are
    the stories, each pointing to the entry's page."""
    feed = (
        "<?xml version='1.0'?><rss version='2.0'><channel><title>AI资讯日报</title><item>"
        "<title>2026-05-10日刊</title><link>https://daily.example/2026-05-10/</link>"
        "<guid>https://daily.example/2026-05-10/</guid>"
        "<pubDate>Sun, 10 May 2026 10:38:48 GMT</pubDate>"
        f"<description><![CDATA[{HEADLINES_ENTRY}]]></description></item></channel></rss>"
    )
    digests, _ = digests_from_feed(feed.encode(), "https://daily.example/rss.xml")
    assert len(digests) == 1
    items = digests[0].items
    assert [item.title for item in items][:2] == ["公司 1 发布了新模型。", "公司 2 发布了新模型。"]
    assert len(items) == 6
    assert {item.url for item in items} == {"https://daily.example/2026-05-10/"}


def test_the_real_headline_feed_gives_items(shared_data: Path) -> None:
    for path in sorted((shared_data / "feeds/cloudflare-ai-insight-daily").glob("*.xml")):
        digests, _ = digests_from_feed(path.read_bytes(), "https://hex2077.dev/rss.xml")
        assert digests and all(len(digest.items) >= 5 for digest in digests), path.name


async def test_redirect_is_followed(server, client) -> None:
    base, _, _ = server
    result = await fetch_feed(client, f"{base}/redirect", SourceState(f"{base}/redirect"))
    assert len(result.digests[0].items) == 15


@pytest.mark.parametrize("allow_private", [False, True])
async def test_a_redirect_to_a_private_address_is_refused_unless_allowed(server, allow_private):
    base, _, _ = server
    url = base.replace("127.0.0.1", "localhost") + "/redirect-away"  # configured: loopback
    async with feed_client(5, allow_private=allow_private) as http:
        if allow_private:
            result = await fetch_feed(http, url, SourceState(url))
            assert len(result.digests[0].items) == 15
            return
        with pytest.raises(SourceError, match="non-public address refused"):
            await fetch_feed(http, url, SourceState(url))
        # The same host is followed: the configured feed's own redirects.
        same = f"{base}/redirect"
        assert len((await fetch_feed(http, same, SourceState(same))).digests[0].items) == 15


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/unavailable", "HTTP 503"),
        ("/broken", "HTTP 500"),
        ("/feeds/missing.xml", "HTTP 404"),
        ("/slow", "timed out"),
        ("/huge", "feed is over the 10 MB limit"),
        ("/garbage", "not an RSS or Atom feed"),
    ],
)
async def test_failures_are_source_errors(server, client, path: str, reason: str) -> None:
    base, _, _ = server
    url = base + path
    with pytest.raises(SourceError) as caught:
        await fetch_feed(client, url, SourceState(url), request_timeout=0.5)
    assert caught.value.url == url
    assert caught.value.reason.startswith(reason)
    assert str(caught.value).endswith(f" from {url}")


async def test_unreachable_host_is_a_source_error(client) -> None:
    url = "http://127.0.0.1:9/feed.xml"  # discard port: nothing listens
    with pytest.raises(SourceError, match="network error"):
        await fetch_feed(client, url, SourceState(url), request_timeout=2)


async def test_a_feed_that_trickles_ends_at_the_deadline(server, client) -> None:
    """Each read gets a byte within the read timeout; only the whole-fetch deadline ends it."""
    base, _, _ = server
    url = f"{base}/trickle"
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(SourceError, match="no complete answer within 1 s"):
        await fetch_feed(client, url, SourceState(url), deadline=1.0)
    assert loop.time() - started < 3


# --- folders -----------------------------------------------------------------------


def test_post_files_recurse_in_order(shared_data: Path, tmp_path: Path) -> None:
    root = shared_data / "digests" / "ai-briefing-archive"
    found = post_files(root)
    # every post two levels down (twitter-list/, hackernews/), in path order
    assert found == sorted(root.rglob("*.md"))
    assert {path.parent.name for path in found} == {"twitter-list", "hackernews"}
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "good.markdown").write_text("x")
    (tmp_path / "bad.md").write_bytes(b"\x00\x01binary")
    (tmp_path / "notes.txt").write_text("not a post")
    assert [path.name for path in post_files(tmp_path)] == ["bad.md", "good.markdown"]
    assert post_files(tmp_path / "bad.md") == [tmp_path / "bad.md"]


# --- storage -----------------------------------------------------------------------


async def test_source_state_round_trip(db) -> None:
    url = "https://news.example/feed.xml"
    assert await load_source_state(db, url) == SourceState(url)
    state = SourceState(
        url,
        etag='"abc"',
        last_modified="Sat, 28 Nov 2026 08:00:00 GMT",
        seen_ids=frozenset({"b", "a", "新闻-1"}),
    )
    await save_source_state(db, state)
    assert await load_source_state(db, url) == state
    failed = SourceState(
        url, state.etag, state.last_modified, state.seen_ids, 2, 1_800_000_000, "HTTP 503"
    )
    await save_source_state(db, failed)
    assert await load_source_state(db, url) == failed
    async with db.execute("SELECT seen_ids, last_ok_ts FROM sources WHERE url = ?", (url,)) as c:
        seen_json, last_ok = await c.fetchone()
    assert seen_json == '["a", "b", "新闻-1"]'
    assert last_ok is not None  # kept from the successful save


async def test_ingest_warns_naming_a_post_whose_structure_is_unclear(db, tmp_path, caplog):
    import httpx

    from bot.sources.ingest import ingest_targets

    folder = tmp_path / "posts"
    folder.mkdir()
    (folder / "2026-01-01-prose.md").write_text(
        "---\ntitle: Prose\n---\n\nSee https://a.example/1, https://a.example/2 and "
        "https://a.example/3 in prose.\n",
        encoding="utf-8",
    )
    (folder / "2026-01-02-list.md").write_text(
        "# List\n\n- [One](https://b.example/1)\n- [Two](https://b.example/2)\n", encoding="utf-8"
    )
    with caplog.at_level("WARNING"):
        async with httpx.AsyncClient() as http:
            report = await ingest_targets(db, [str(folder)], http)
    assert len(report.new) == 2  # stored all the same: a warning, not a failure
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any("2026-01-01-prose.md" in w and "no items found" in w for w in warnings)
    assert not any("2026-01-02-list.md" in w for w in warnings)


async def test_a_feed_once_named_by_its_host_takes_its_title(server, client, db) -> None:
    from bot.sources.ingest import ingest_targets
    from storage.digest_sources import list_sources
    from storage.digests import save_digest
    from tests.test_chat_sources import en_digest

    base, _, _ = server
    await save_digest(db, en_digest(1, source="127.0.0.1"))  # stored before sources had names
    url = f"{base}/feeds/makinotes-ai-daily-feed/rss.xml"
    report = await ingest_targets(db, [url], client)
    assert report.sources == {"AI Daily Harvest"}
    (source,) = await list_sources(db)
    assert (source.name, source.digests) == ("AI Daily Harvest", 2)


async def test_a_day_alone_is_a_day_in_the_sources_zone_else_default_tz(db, tmp_path) -> None:
    """A post dated by its day alone (file name, no zone named) is that day where its
    source publishes: its earlier digests' offset, else DEFAULT_TZ, else UTC."""
    from zoneinfo import ZoneInfo

    from bot.sources.ingest import ingest_targets
    from storage.digests import get_digest

    items = "# Daily\n\n- [A story](https://example.com/{n})\n- [More](https://example.com/m{n})\n"
    fresh, known = tmp_path / "fresh", tmp_path / "known"
    for folder in (fresh, known):
        folder.mkdir()
    (fresh / "2026-05-12.md").write_text(items.format(n=1), encoding="utf-8")
    (known / "2026-05-10.md").write_text(
        "---\ndate: 2026-05-10T09:00:00-05:00\n---\n" + items.format(n=2), encoding="utf-8"
    )
    async with httpx.AsyncClient() as http:
        await ingest_targets(db, [str(fresh)], http, default_tz="Asia/Shanghai")
        await ingest_targets(db, [str(known)], http, default_tz="Asia/Shanghai")
        (known / "2026-05-12.md").write_text(items.format(n=3), encoding="utf-8")
        await ingest_targets(db, [str(known / "2026-05-12.md")], http, default_tz="Asia/Shanghai")
        (tmp_path / "plain").mkdir()
        (tmp_path / "plain" / "2026-05-12.md").write_text(items.format(n=4), encoding="utf-8")
        await ingest_targets(db, [str(tmp_path / "plain")], http)
    shanghai = await get_digest(db, "fresh/2026-05-12")
    assert shanghai is not None  # no earlier post: DEFAULT_TZ
    assert shanghai.published_at == datetime(2026, 5, 12, tzinfo=ZoneInfo("Asia/Shanghai"))
    by_source = await get_digest(db, "known/2026-05-12")
    assert by_source is not None  # the source's earlier post was published at -05:00
    assert by_source.published_at.utcoffset() == timedelta(hours=-5)
    assert by_source.published_at.astimezone(UTC) == datetime(2026, 5, 12, 5, tzinfo=UTC)
    plain = await get_digest(db, "plain/2026-05-12")
    assert plain is not None  # neither: UTC
    assert plain.published_at == datetime(2026, 5, 12, tzinfo=UTC)
