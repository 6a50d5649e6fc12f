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


@dataclass(frozen=True)
class Page:
    hits: list[Hit]
    offset: int = 0
    limit: int = 5
    has_more: bool = False
    terms: list[str] = field(default_factory=list)


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
    html = render_search_page(Page(hits, offset=5, has_more=True, terms=["qwen"]), tz="UTC")
    check_part(html)
    assert html.startswith("🔎 Results 6–7 for <b>qwen</b>")
    assert '6. <a href="https://x.com/user/status/1"><b>Qwen</b> release 1</a> — merve' in html
    assert "阿里巴巴的<b>Qwen</b>团队发布了 <b>qwen</b> 1" in html
    assert "<i>2025.12.20.12 过去4小时 · 2025-12-20 04:00</i>" in html
    shanghai = render_search_page(Page(hits, terms=["qwen"]), tz="Asia/Shanghai")
    assert "· 2025-12-20 12:00</i>" in shanghai


def test_search_page_without_hits():
    assert render_search_page(Page([], terms=["nothing"])) == "🔎 No results for <b>nothing</b>"


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
