from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest

from bot.digest.models import Digest, Item, Link
from storage.digests import save_digest
from storage.search import (
    match_ids,
    merge_search_index,
    query_terms,
    search,
    snippet,
)
from storage.search_index import search_text

CST = timezone(timedelta(hours=8))

# (title, author, summary): written for these tests in the style of the real posts.
POSTS: list[list[tuple[str, str | None, str]]] = [
    [
        (
            "Alibaba's Qwen-Image-Layered is LIVE — native image decomposition",
            "merve",
            "阿里巴巴的Qwen团队发布了**完全开源的Qwen-Image-Layered模型**，提供**Photoshop级别的"
            "原生图片分层功能**，为图像处理和内容创作带来变革性的潜力。",
        ),
        (
            "RT @matanSF: GPT5.2 + Droid is phenomenal for NextJS",
            "Ben Tossell",
            "有报道指出，**GPT 5.2与Droid的结合在NextJS开发方面表现“非凡”**，AI正在为前端框架带来"
            "显著的效率提升。",
        ),
        (
            "Reachy Mini 届きました！",
            "clem 🤗",
            "Hugging Face和Pollen Robotics合作推出的**Reachy Mini机器人**受到社区欢迎，NVIDIA "
            "Nemotron系列模型在Hugging Face上已突破500万下载量。",
        ),
    ],
    [
        (
            "OpenAI 发布 GPT-5.3 Instant",
            None,
            "OpenAI 的策略越来越像芯片厂商——同一代架构切出多个 SKU，覆盖从旗舰到入门的全价位段。",
        ),
        (
            "MacBook Air with M5",
            None,
            "Apple 的 M5 芯片把端侧推理带到了轻薄本，本地运行 7B 模型不再吃力。",
        ),
    ],
    [
        (
            "Xiaomi 发布 MiMo-V2-Pro，万亿参数模型逼近前沿",
            None,
            "万亿参数但只激活 420 亿的稀疏架构；计划后续发布开源版本，对开源模型生态是个补充。",
        ),
        (
            "Anthropic ships Claude Skills",
            "Andrew Ng",
            "Skills package organisational know-how so the model stops guessing the workflow. "
            "Works with C# and C++ toolchains; 100% opt-in.",
        ),
    ],
    [
        (
            "We're seeing 390X year-over-year hyper-deflation",
            "Peter H. Diamandis, MD",
            "**数据中心正经历着惊人的390倍同比超通货紧缩**，AI计算成本的快速下降将加速普及。",
        ),
        (
            "DeepMind's AlphaFold team on protein design",
            "Demis",
            "Open science: weights for the structure model are released under CC BY 4.0.",
        ),
    ],
]


def fixture_digests(copies: int = 1) -> list[Digest]:
    start = datetime(2025, 12, 1, 8, tzinfo=CST)
    digests = []
    for copy in range(copies):
        for n, post in enumerate(POSTS):
            when = start + timedelta(hours=4 * (copy * len(POSTS) + n))
            items = tuple(
                Item(
                    position=k,
                    title=title,
                    author=author,
                    url=f"https://x.com/u/status/{copy}{n}{k}",
                    summary=summary,
                    links=(Link(title, f"https://x.com/u/status/{copy}{n}{k}"),),
                )
                for k, (title, author, summary) in enumerate(post, start=1)
            )
            digests.append(
                Digest(
                    id=f"fixture/{copy}-{n}",
                    source="fixture",
                    title=f"{when:%Y.%m.%d.%H} 过去4小时全球AI发生了什么？",
                    published_at=when,
                    categories=("AI News",),
                    items=items,
                )
            )
    return digests


@pytest.fixture
async def corpus(db):
    digests = fixture_digests()
    for digest in reversed(digests):  # ingest order must not matter
        await save_digest(db, digest)
    return db


async def titles(db, query: str, limit: int = 50) -> list[str]:
    page = await search(db, query, limit=limit)
    return [hit.item.title for hit in page.hits]


async def scan_ids(db, terms: list[str]) -> set[int]:
    """The reference: a LIKE scan over the same searchable text."""
    if not terms:
        return set()
    escaped = [t.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") for t in terms]
    where = " AND ".join(["search_text(title, author, summary) LIKE ? ESCAPE '\\'"] * len(terms))
    async with db.execute(
        f"SELECT id FROM items WHERE {where}", [f"%{t}%" for t in escaped]
    ) as cursor:
        return {row[0] for row in await cursor.fetchall()}


async def test_two_character_chinese(corpus):
    found = await titles(corpus, "模型")
    assert "MacBook Air with M5" in found
    assert "Xiaomi 发布 MiMo-V2-Pro，万亿参数模型逼近前沿" in found
    assert "OpenAI 发布 GPT-5.3 Instant" not in found
    assert await titles(corpus, "芯片") == ["OpenAI 发布 GPT-5.3 Instant", "MacBook Air with M5"]


async def test_single_and_longer_chinese(corpus):
    assert await titles(corpus, "芯") == ["OpenAI 发布 GPT-5.3 Instant", "MacBook Air with M5"]
    # 开源 + 模型: contiguous in Xiaomi's item, apart in Alibaba's (完全开源的...模型)
    assert await titles(corpus, "开源模型") == [
        "Xiaomi 发布 MiMo-V2-Pro，万亿参数模型逼近前沿",
        "Alibaba's Qwen-Image-Layered is LIVE — native image decomposition",
    ]
    assert await titles(corpus, "超通货紧缩") == [
        "We're seeing 390X year-over-year hyper-deflation"
    ]
    assert await titles(corpus, "通货膨胀") == []


async def test_latin_substrings_of_any_length(corpus):
    assert "OpenAI 发布 GPT-5.3 Instant" in await titles(corpus, "AI")
    assert await titles(corpus, "gpt") == [
        "OpenAI 发布 GPT-5.3 Instant",
        "RT @matanSF: GPT5.2 + Droid is phenomenal for NextJS",
    ]
    assert await titles(corpus, "GPT5.2") == await titles(corpus, "gpt5.2")
    assert await titles(corpus, "Nemotron") == ["Reachy Mini 届きました！"]
    assert await titles(corpus, "c#") == ["Anthropic ships Claude Skills"]
    assert await titles(corpus, "c++") == ["Anthropic ships Claude Skills"]


async def test_bold_markup_does_not_split_words(corpus):
    # "**完全开源的Qwen-Image-Layered模型**": the markers are not part of the text.
    assert await titles(corpus, "layered模型") == [
        "Alibaba's Qwen-Image-Layered is LIVE — native image decomposition"
    ]


async def test_words_and_together_mixed_scripts(corpus):
    assert await titles(corpus, "OpenAI 芯片") == ["OpenAI 发布 GPT-5.3 Instant"]
    assert await titles(corpus, "hugging 模型") == ["Reachy Mini 届きました！"]
    assert await titles(corpus, "m5 推理 本地") == ["MacBook Air with M5"]
    assert await titles(corpus, "m5 absentword") == []


async def test_author_is_searchable_and_case_does_not_matter(corpus):
    assert await titles(corpus, "TOSSELL") == await titles(corpus, "tossell")
    assert await titles(corpus, "Andrew ng") == ["Anthropic ships Claude Skills"]


async def test_terms_never_match_across_a_space(corpus):
    # "Hugging Face": no item contains "gface" or "ng f" as one word.
    assert await titles(corpus, "gface") == []
    assert await titles(corpus, "gf") == []


async def test_a_phrase_never_joins_the_end_of_one_word_to_the_next(db):
    digest = Digest(
        id="edge/runs",
        source="edge",
        title="runs",
        published_at=datetime(2025, 12, 1, tzinfo=CST),
        items=(Item(1, "xabc bcdz", None, None, "模型 型号 a b"),),
    )
    await save_digest(db, digest)
    for present in ["xabc", "bcdz", "abc", "bc", "模型", "型号", "a"]:
        assert await titles(db, present) == ["xabc bcdz"], present
    for absent in ["abcd", "xabcbcdz", "cb", "ca"]:
        assert await titles(db, absent) == [], absent
    # A Chinese query is segmented into words (模型型 is 模型 + 型), so the index's own
    # rule is checked with the terms as given: a term never spans two runs.
    (item_id,) = await match_ids(db, ["模型"])
    for absent in ["模型型", "型型", "型号a", "模型 型号"]:
        assert await match_ids(db, [absent]) == [], absent
    assert await match_ids(db, ["型号"]) == [item_id]


async def test_latin_inside_chinese_runs(db):
    # "使用openai的模型" is one run: openai's trigrams come from its ASCII stretch,
    # terms with Chinese in them are phrases of the run's bigrams.
    digest = Digest(
        id="edge/mixed",
        source="edge",
        title="mixed",
        published_at=datetime(2025, 12, 1, tzinfo=CST),
        items=(Item(1, "使用openai的模型", None, None, "xab模abq（gpt-5）"),),
    )
    await save_digest(db, digest)
    present = ["openai", "使用o", "ai的模", "penai的", "的模型", "xab", "abq", "b模a", "gpt-5）"]
    for term in present:
        assert await titles(db, term) == ["使用openai的模型"], term
        assert await match_ids(db, [term.rstrip("）")]), term  # each term as one phrase too
    for absent in ["xabq", "xabab", "gpt5", "openai模型z"]:
        assert await titles(db, absent) == [], absent
    # Words of other scripts are separate words: openai模型 is openai + 模型.
    assert await titles(db, "openai模型") == ["使用openai的模型"]
    for absent in ["openai模型", "使用的", "ab模abq模"]:  # as single terms: not substrings
        assert await match_ids(db, [absent]) == [], absent


async def test_newest_first_and_best_title_match_first_within_a_digest(db):
    for digest in fixture_digests(copies=2):
        await save_digest(db, digest)
    page = await search(db, "模型", limit=50)
    times = [hit.published_at for hit in page.hits]
    assert times == sorted(times, reverse=True)
    newest = [hit for hit in page.hits if hit.digest_id == page.hits[0].digest_id]
    assert newest[0].item.title == "Xiaomi 发布 MiMo-V2-Pro，万亿参数模型逼近前沿"


async def test_paging_has_no_gaps_or_overlaps(db):
    for digest in fixture_digests(copies=4):
        await save_digest(db, digest)
    every = await match_ids(db, ["ai"])
    seen: list[tuple[str, int]] = []
    offset, pages = 0, 0
    while True:
        page = await search(db, "AI", offset=offset, limit=5)
        seen += [(hit.digest_id, hit.item.position) for hit in page.hits]
        pages += 1
        if not page.has_more:
            break
        assert len(page.hits) == 5
        offset += 5
    assert len(seen) == len(set(seen)) == len(every) > 10
    assert pages == (len(every) + 4) // 5


async def test_recall_equals_a_like_scan(corpus):
    queries = [
        "模型",
        "芯",
        "开源模型",
        "ai",
        "gpt",
        "openai 模型",
        "c#",
        "m5 推理",
        "的",
        "e",
        "q",
    ]
    queries += ["layered模型", "hugging face", "390x", "5.2", "🤗", "zz", "4.0", "a b c"]
    for query in queries:
        terms = query_terms(query)
        assert set(await match_ids(corpus, terms)) == await scan_ids(corpus, terms), query


HOSTILE = [
    "",
    "   ",
    '"',
    '""',
    '"模型',
    "*",
    "open*",
    "NEAR(OpenAI 模型)",
    "NEAR(",
    "AND",
    "OR NOT",
    "a OR b",
    "NOT 模型",
    "(模型",
    "title: openai",
    "summary:模型",
    "{title summary}: x",
    "^gpt",
    "-gpt",
    "+ - * ^ :",
    "🤗🚀",
    "\x00\x01",
    "\ud800 lone surrogate",
    "'; DROP TABLE items; --",
    "模" * 10_000,
    "a " * 5_000,
    "x" * 10_240,
]


async def test_hostile_queries_are_plain_text(corpus):
    for query in HOSTILE:
        page = await search(corpus, query)
        assert isinstance(page.has_more, bool), query
    assert await titles(corpus, "(OpenAI) 芯片") == ["OpenAI 发布 GPT-5.3 Instant"]
    assert await titles(corpus, "NEAR(OpenAI 芯片)") == []  # "near(openai" is the text sought
    assert await titles(corpus, '"芯片"') == ["OpenAI 发布 GPT-5.3 Instant", "MacBook Air with M5"]
    assert await titles(corpus, "open*") == await titles(corpus, "open")
    assert (await search(corpus, "")).hits == []
    assert (await search(corpus, "*** ...")).terms == []


async def test_random_strings_never_raise(corpus):
    rng = random.Random(20251220)
    alphabet = "aAiI模型芯片 \t\n\"*()^:-+#.,，。！？🤗\x00\u3000\u200b\ud800{}[]NEARORNOT_%\\'"
    for _ in range(400):
        length = rng.randint(0, 24)
        query = "".join(rng.choice(alphabet) for _ in range(length))
        if rng.random() < 0.2:
            query += "".join(chr(rng.randint(1, 0x2FFFF)) for _ in range(rng.randint(1, 6)))
        page = await search(corpus, query, offset=rng.randint(-3, 3), limit=rng.randint(-1, 80))
        assert len(page.hits) <= page.limit
        terms = query_terms(query)
        assert set(await match_ids(corpus, terms)) == await scan_ids(corpus, terms), query


def test_query_terms():
    assert query_terms("OpenAI  模型") == ["openai", "模型"]
    assert query_terms('"OpenAI", (模型)。') == ["openai", "模型"]
    assert query_terms("open openai OPENAI") == ["openai"]
    assert query_terms("C# 100% @sama") == ["c#", "100%", "@sama"]
    assert query_terms("GPT-5.2 title:x") == ["gpt-5.2", "title:x"]
    assert query_terms("... *** ，。") == []
    assert query_terms("🤗") == ["🤗"]


def test_search_text_strips_bold_and_lowercases():
    assert search_text("GPT **5.2**", None, "**AI**模型") == "gpt 5.2\n\nai模型"


def test_snippet_is_plain_text_around_the_first_match():
    text = "开头" + "很长的铺垫。" * 40 + "**Qwen 模型** 发布了。" + "结尾的话。" * 40
    cut = snippet(text, ["模型"])
    assert "模型" in cut and "**" not in cut
    assert cut.startswith("…") and cut.endswith("…")
    assert len(cut) <= 162
    assert snippet("short **bold** text", ["bold"]) == "short bold text"


async def test_hits_carry_the_digest_and_a_snippet(corpus):
    page = await search(corpus, "芯片", limit=1)
    assert page.has_more and page.offset == 0 and page.limit == 1 and page.terms == ["芯片"]
    hit = page.hits[0]
    assert hit.digest_id == "fixture/0-1"
    assert hit.digest_title.endswith("过去4小时全球AI发生了什么？")
    assert hit.published_at == datetime(2025, 12, 1, 12, tzinfo=CST)
    assert "芯片" in hit.snippet
    assert hit.item.links[0].url == hit.item.url


async def test_index_follows_edits_and_deletes(corpus):
    (digest,) = [d for d in fixture_digests() if d.id == "fixture/0-1"]
    edited = Digest(
        id=digest.id,
        source=digest.source,
        title=digest.title,
        published_at=digest.published_at,
        items=(Item(1, "Groq 发布推理芯片", None, None, "LPU 的新一代。"),),
    )
    assert await save_digest(corpus, edited) == "updated"
    assert await titles(corpus, "芯片") == ["Groq 发布推理芯片"]
    assert await titles(corpus, "MacBook") == []
    async with corpus.transaction() as conn:
        await conn.execute("UPDATE items SET title = 'Cerebras' WHERE digest_id = ?", (digest.id,))
    assert await titles(corpus, "芯片") == []
    assert await titles(corpus, "cerebras") == ["Cerebras"]
    async with corpus.transaction() as conn:
        await conn.execute("DELETE FROM digests WHERE id = ?", (digest.id,))  # cascades to items
    assert await titles(corpus, "cerebras") == []
    assert await titles(corpus, "lpu") == []
    async with corpus.transaction() as conn:
        await conn.execute("INSERT INTO items_grams (items_grams) VALUES ('integrity-check')")


async def test_merging_the_index_keeps_every_match(db):
    for digest in fixture_digests(copies=3):
        await save_digest(db, digest)  # a segment per commit
    before = {q: await match_ids(db, query_terms(q)) for q in ["模型", "ai", "openai 芯片"]}
    steps = 0
    while await merge_search_index(db, pages=1):
        steps += 1
        assert steps < 1000
    assert steps > 0
    assert not await merge_search_index(db)
    assert {q: await match_ids(db, query_terms(q)) for q in before} == before


async def test_real_posts(db, shared_data):
    parse = pytest.importorskip("bot.digest.parse")
    for path in sorted((shared_data / "digests").rglob("*.md")):
        await save_digest(db, parse.parse_file(path))
    for query in ["模型", "芯片", "开源", "AI", "OpenAI 模型", "gpt", "claude code", "的", "x"]:
        terms = query_terms(query)
        assert set(await match_ids(db, terms)) == await scan_ids(db, terms), query
    assert (await search(db, "模型")).has_more
    assert (await search(db, "qwen-image-layered")).hits
