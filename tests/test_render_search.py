"""Search pages as Telegram HTML (bot/digest/render_search.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.digest.models import Item
from bot.digest.render_search import highlight, render_search_page
from tests.test_render import WHEN, check_part, make_digest, make_item, numbers_in


@dataclass(frozen=True)
class Hit:
    item: Item
    digest_id: str
    digest_title: str
    published_at: datetime
    snippet: str
    also_in: int = 0
    marks: tuple[str, ...] = ()
    source: str = "canonical"


@dataclass(frozen=True)
class Page:
    hits: list[Hit]
    offset: int = 0
    limit: int = 5
    has_more: bool = False
    terms: list[str] = field(default_factory=list)
    query: str = ""
    total: int = 0
    total_exact: bool = True


def test_highlight_bolds_terms_without_breaking_entities():
    assert highlight("AT&T amp <Amp>", ["amp"]) == "AT&amp;T <b>amp</b> &lt;<b>Amp</b>&gt;"
    assert highlight("Qwen 模型 qwen", ["QWEN", "模型"]) == "<b>Qwen</b> <b>模型</b> <b>qwen</b>"
    assert highlight("a < b", []) == "a &lt; b"
    assert highlight("gt lt", ["gt"]) == "<b>gt</b> lt"


def test_search_page_numbers_links_and_highlights():
    hits = [
        Hit(
            make_item(n, title=f"Qwen release {n}"),
            "d1",
            "2025.12.20.12 过去4小时",
            WHEN,
            f"…阿里巴巴的Qwen团队发布了 qwen {n}…",
        )
        for n in (1, 2)
    ]
    page = Page(hits, offset=5, has_more=True, terms=["qwen"], query="Qwen", total=23)
    html = render_search_page(page, tz="UTC")
    check_part(html)
    assert html.startswith("🔎 Results 6–7 of 23 for <b>Qwen</b>")  # the query as typed
    assert '6. <a href="https://x.com/user/status/1"><b>Qwen</b> release 1</a> — merve' in html
    assert "阿里巴巴的<b>Qwen</b>团队发布了 <b>qwen</b> 1" in html
    assert "<i>canonical · 2025.12.20.12 过去4小时 · 2025-12-20 04:00 (UTC)</i>" in html
    # Dates carry the chat's time zone.
    shanghai = render_search_page(Page(hits, terms=["qwen"], total=2), tz="Asia/Shanghai")
    assert "· 2025-12-20 12:00 (UTC+8)</i>" in shanghai
    new_york = render_search_page(Page(hits, terms=["qwen"], total=2), tz="America/New_York")
    assert "· 2025-12-19 23:00 (UTC-5)</i>" in new_york


def test_search_headers_read_naturally():
    hit = Hit(make_item(1, title="Reachy"), "d", "Digest", WHEN, "")
    header = lambda **kw: render_search_page(Page(**kw)).split("\n")[0]  # noqa: E731
    assert (
        header(hits=[hit], query="Reachy机器人", total=1) == "🔎 1 result for <b>Reachy机器人</b>"
    )
    assert header(hits=[hit], offset=5, total=6, query="x") == "🔎 Result 6 of 6 for <b>x</b>"
    assert header(hits=[hit, hit], total=850, total_exact=False, query="AI") == (
        "🔎 Results 1–2 of 850+ for <b>AI</b>"
    )
    assert header(hits=[hit], offset=3, total=900, total_exact=False, query="AI") == (
        "🔎 Result 4 of 900+ for <b>AI</b>"
    )
    assert header(hits=[], query="<b>") == "🔎 No results for <b>&lt;b&gt;</b>"
    chinese = render_search_page(Page([hit, hit], query="机器人", total=23), lang="zh")
    assert "23" in chinese.split("\n")[0] and "<b>机器人</b>" in chinese


def test_also_in_and_marks_as_written():
    hits = [
        Hit(
            make_item(1, title="機器人 news"),
            "d",
            "Digest",
            WHEN,
            "開源的機器人",
            also_in=2,
            marks=("機器人",),
        ),
        Hit(make_item(2, title="other"), "d", "Digest", WHEN, "", also_in=1),
    ]
    html = render_search_page(Page(hits, terms=["机器人"], total=2), tz="UTC")
    check_part(html)
    assert "<b>機器人</b> news" in html and "開源的<b>機器人</b>" in html
    assert "· also in 2 other digests</i>" in html and "· also in 1 other digest</i>" in html
    zh = render_search_page(Page(hits, terms=["机器人"], total=2), lang="zh")
    check_part(zh)
    assert "also in" not in zh


def test_terms_are_never_bolded_inside_a_web_address():
    text = "OpenAI: see https://openai.com/index/openai-o3 for openai"
    assert highlight(text, ["openai"]) == (
        "<b>OpenAI</b>: see https://openai.com/index/openai-o3 for <b>openai</b>"
    )


def test_the_command_line_gets_every_hit():
    long_text = "芯片 chip " * 300
    hits = [Hit(make_item(n, title=long_text), "d", "t", WHEN, long_text) for n in range(1, 31)]
    page = Page(hits, limit=30, terms=["chip"], total=30)
    assert numbers_in(render_search_page(page, fit=False)) == list(range(1, 31))


def test_search_page_without_hits():
    assert render_search_page(Page([], terms=["nothing"])) == "🔎 No results for <b>nothing</b>"
    assert render_search_page(Page([], query="機器人 x")) == "🔎 No results for <b>機器人 x</b>"


def test_search_page_always_fits_one_message():
    long_text = "芯片🤖 chip & <x> " * 400
    hits = [
        Hit(make_item(n, title=long_text), "d", long_text, WHEN, long_text) for n in range(1, 11)
    ]
    html = render_search_page(Page(hits, limit=10, terms=["芯片", "chip"]))
    check_part(html)
    assert numbers_in(html)[:1] == [1]


async def test_a_real_search_page_renders(db):
    """storage.search's own SearchPage, from a real database, fits the renderer."""
    from storage.digests import save_digest
    from storage.search import search

    items = [
        make_item(
            1, title="Qwen-Image-Layered is LIVE", summary="阿里巴巴的Qwen团队发布了**开源模型**。"
        ),
        make_item(2, title="Other news", summary="英伟达的芯片 & <GPU> 需求。"),
    ]
    await save_digest(db, make_digest(items))
    page = await search(db, "qwen")
    html = render_search_page(page, tz="Asia/Shanghai")
    check_part(html)
    assert "<b>Qwen</b>-Image-Layered" in html
    assert "2025-12-20 12:00" in html
    page = await search(db, "芯片")
    html = render_search_page(page)
    check_part(html)
    assert "<b>芯片</b>" in html
