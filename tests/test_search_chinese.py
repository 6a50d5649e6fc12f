"""Chinese as people type it: no spaces (segmented into words), traditional or
simplified characters (folded to one), full-width forms (storage/search_query.py,
storage/search_index.py fold)."""

from __future__ import annotations

import random
from datetime import datetime

import pytest

from bot.digest.models import Digest, Item
from storage.digests import save_digest
from storage.search import has_terms, match_ids, parse_query, query_terms, search
from storage.search_index import (
    FOLD_TABLE_FINGERPRINT,
    fold,
    fold_table_fingerprint,
    load_fold_table,
    search_text,
)
from tests.test_search import CST, HOSTILE, corpus, scan_ids, titles  # noqa: F401

ALIBABA = "Alibaba's Qwen-Image-Layered is LIVE — native image decomposition"
REACHY = "Reachy Mini 届きました！"
DEFLATION = "We're seeing 390X year-over-year hyper-deflation"
XIAOMI = "Xiaomi 发布 MiMo-V2-Pro，万亿参数模型逼近前沿"

# The queries, and what each must find (fixture written in the style of the post).
WITHOUT_SPACES = {
    "开源模型": [XIAOMI, ALIBABA],
    "阿里巴巴开源": [ALIBABA],
    "数据中心通货紧缩": [DEFLATION],
    "Reachy机器人": [REACHY],
    "阿里巴巴的开源模型": [ALIBABA],
}


def test_queries_are_segmented_into_words():
    assert query_terms("开源模型") == ["开源", "模型"]
    assert query_terms("阿里巴巴开源") == ["阿里巴巴", "开源"]
    assert query_terms("数据中心通货紧缩") == ["数据中心", "通货紧缩"]
    assert query_terms("Reachy机器人") == ["reachy", "机器人"]  # split where the script changes
    assert query_terms("GPT-5.2的上下文") == ["gpt-5.2", "上下文"]
    assert query_terms("M5芯片") == ["m5", "芯片"]
    assert query_terms("开源 模型") == ["开源", "模型"]
    # 的 is dropped when other words remain; alone it is what was asked for.
    assert query_terms("阿里巴巴的开源模型") == ["阿里巴巴", "开源", "模型"]
    assert query_terms("的") == ["的"]
    # A chunk typed without spaces is also a phrase (ranked first when found as typed).
    assert parse_query("阿里巴巴开源 AI").phrases == ["阿里巴巴开源"]
    assert parse_query("开源 模型").phrases == []


def test_queries_are_folded_like_the_index():
    assert query_terms("機器人") == ["机器人"]
    assert query_terms("開源模型") == ["开源", "模型"]
    assert query_terms("ＧＰＴ－５ ＯｐｅｎＡＩ") == ["gpt-5", "openai"]
    assert query_terms("（模型）") == ["模型"]
    assert parse_query("OpenAI 機器人").text == "OpenAI 機器人"  # as typed, for the header
    assert search_text("機器人 ＡＩ", None, "**開源**") == "机器人 ai\n\n开源"


def test_fold_keeps_length_and_is_idempotent():
    rng = random.Random(5)
    samples = ["İstanbul ǅ ß ﬁ ㎏ ① ⾨ 豈 蘋果 機器人 ＧＰＴ \U0002f800 \ud800"]
    samples += ["".join(chr(rng.randint(32, 0x323AF)) for _ in range(200)) for _ in range(50)]
    for text in samples:
        folded = fold(text)
        assert len(folded) == len(text)
        assert fold(folded) == folded
    assert fold("蘋果 鍾 後 髮 裡 臺") == "苹果 钟 后 发 里 台"


def test_the_fold_table_is_the_one_the_index_was_built_with():
    # A different table (another OpenCC version) would make the contentless index's
    # deletes miss their tokens: a change needs a migration that rebuilds the index.
    assert fold_table_fingerprint(load_fold_table()) == FOLD_TABLE_FINGERPRINT


@pytest.mark.parametrize(("query", "expected"), WITHOUT_SPACES.items())
async def test_chinese_without_spaces_finds_its_items(corpus, query, expected):  # noqa: F811
    assert await titles(corpus, query) == expected


async def test_traditional_and_simplified_are_one(db):
    items = (
        Item(1, "機器人視覺模型開源", None, None, "繁體字寫的摘要：機器人。"),
        Item(2, "机器人视觉模型开源", None, None, "简体字写的摘要：机器人。"),
        Item(3, "ＧＰＴ－５ 全角", None, None, "ＯｐｅｎＡＩ 的全角文字"),
    )
    digest = Digest("fold/1", "fold", "fold", datetime(2025, 12, 1, tzinfo=CST), items=items)
    await save_digest(db, digest)
    both = ["機器人視覺模型開源", "机器人视觉模型开源"]
    for query in ["機器人", "机器人", "開源", "开源", "視覺模型", "视觉模型", "機器人视觉"]:
        assert sorted(await titles(db, query)) == sorted(both), query
    assert await titles(db, "gpt-5") == ["ＧＰＴ－５ 全角"]
    assert await titles(db, "OpenAI") == ["ＧＰＴ－５ 全角"]
    page = await search(db, "机器人")
    assert {mark for hit in page.hits for mark in hit.marks} >= {"機器人", "机器人"}


async def test_recall_equals_a_scan_with_the_same_segmentation_and_folding(corpus):  # noqa: F811
    queries = [
        *WITHOUT_SPACES,
        "機器人",
        "開源模型",
        "ＧＰＴ",
        "超通貨緊縮",
        "模型的芯片",
        "Ｍ5芯片",
    ]
    for query in queries:
        terms = query_terms(query)
        assert terms, query
        assert set(await match_ids(corpus, terms)) == await scan_ids(corpus, terms), query


async def test_hostile_chinese_and_mixed_input_is_an_answer(corpus):  # noqa: F811
    rng = random.Random(2025)
    hostile = [
        *HOSTILE,
        "模型 OR 芯片",
        "NOT 开源模型",
        "NEAR（开源 模型）",
        "“模型”",
        "「開源」",
        "模型*",
        "標題:模型",
        "🤗機器人🚀Reachy",
        "開" * 4_000,
        "".join(rng.choice("开源模型機器人ReachyAI🤗 的\ud800\u200b（）") for _ in range(4_000)),
        "\ufeff\u200d\u2060模型",
        "ﾓﾃﾞﾙ 모델 модель نموذج",
    ]
    for query in hostile:
        page = await search(corpus, query)
        assert isinstance(page.total, int), query
        assert has_terms(query) == bool(page.terms), query
    assert await titles(corpus, "“开源模型”") == await titles(corpus, "开源模型")
    assert await titles(corpus, "模型 OR 芯片") == []  # "or" is a word sought, not syntax


def test_has_terms_agrees_with_parse_query():
    rng = random.Random(11)
    alphabet = "aA模型開 \t\"*()^:-+#.,，。！？🤗\x00\u3000\u200b\ud800{}[]_%\\'的了"
    for _ in range(2_000):
        query = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        assert has_terms(query) == bool(query_terms(query)), repr(query)


async def test_the_canonical_post(db, shared_data):
    from bot.digest.parse import parse_file

    post = parse_file(shared_data / "digests" / "canonical" / "2025-12-20-12.md")
    await save_digest(db, post)
    for query in ["开源模型", "阿里巴巴开源", "数据中心通货紧缩", "Reachy机器人", "機器人", "開源"]:
        page = await search(db, query)
        assert page.hits, query
        terms = query_terms(query)
        assert set(await match_ids(db, terms)) == await scan_ids(db, terms), query
    (reachy,) = [item for item in post.items if "Reachy" in item.title]
    assert reachy.title in await titles(db, "Reachy机器人")
    assert reachy.title in await titles(db, "機器人")
    assert post.items[0].title in await titles(db, "阿里巴巴开源")
