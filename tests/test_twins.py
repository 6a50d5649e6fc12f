"""One story in two languages: what survives translation (bot/digest/twins.py), the twin
steps of find_repeats, and their figures on the corpus's zh/en twins (floors under what
bench/repeats.py prints)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.digest.links import normalize_url
from bot.digest.models import Digest, Item, Link
from bot.digest.stories import find_repeats, specific_keys, told
from bot.digest.twins import alike, signature, weights
from bot.local_api import LocalBotApi
from storage.digests import save_digest


def test_numbers_fold_their_units_across_languages():
    en = signature("OpenAI raises $4 billion at a $730B valuation", "")
    zh = signature("OpenAI 获 40 亿美元融资，估值 7300 亿美元", "")
    assert {"openai", "#4e+09", "#7.3e+11", "~funding", "~valuation"} <= en & zh
    assert "#6.8e+07" in signature("卖出了超过6800万") & signature("sold over 68 million")
    assert "#1.2e+05" in signature("上下文 120k 断崖") & signature("a 120K context cliff")


def test_names_versions_and_common_words_survive_translation():
    en = signature("Kimi K3 open-sources a coding agent", "Moonshot released GPT-5.6 rival.")
    zh = signature("Kimi K3 开源编程智能体", "月之暗面发布对标 GPT-5.6 的模型。")
    assert {"kimi", "k3", "gpt-5.6", "~open source", "~coding", "~agent", "~release"} <= en & zh
    assert "the" not in en and not any(t.startswith("http") for t in en)


def test_alike_needs_names_in_common_not_only_concepts():
    idf = weights([signature(t) for t in ("模型 发布", "a model release", "x", "y")])
    assert alike(signature("新模型发布"), signature("a new model release"), idf) == 0
    # A headline alone says too little: "Claude Code" is in many stories.
    assert alike(signature("Claude Code Templates 工具发布"), signature("Claude Code"), idf) == 0


def _earlier(digest: str, rows: list[tuple[int, str | None, str, str]]):
    keys = specific_keys((normalize_url(url), title) for _, url, title, _ in rows)
    return [
        told(i, i, normalize_url(url), title, keys, summary=summary, digest=digest)
        for i, url, title, summary in rows
    ]


def test_a_translation_keeps_the_order_of_the_items_sharing_a_link():
    server = "https://discord.com/channels/1091220969173028894"
    own = [f"https://e.com/story/{n}" for n in range(4)]
    before = _earlier(
        "en",
        [
            (1, server, "Context Size Confounds", "Users are confused about the context."),
            (2, server, "E-book Ethics Examined", "Debate arose about flooding Amazon."),
            *[(3 + n, url, f"Story {n} in English", "Words.") for n, url in enumerate(own)],
        ],
    )
    items = [
        (1, server, "上下文大小令人困惑"),
        (2, server, "AI 电子书伦理探讨"),
        *[(3 + n, url, f"第 {n} 个故事") for n, url in enumerate(own)],
    ]
    matches = {m.position: m for m in find_repeats(items, before)}
    assert (matches[1].earlier, matches[1].how) == (1, "twin link")
    assert (matches[2].earlier, matches[2].how) == (2, "twin link")
    # Without the translation's own links the server alone says nothing.
    assert not find_repeats(items[:2], before[:2])


def test_a_story_retold_in_another_language_is_found_by_what_survives():
    filler = [
        (10 + n, f"https://e.com/{n}", f"Headline {n} about Nvidia and Google", "Chips.")
        for n in range(30)
    ]
    before = _earlier(
        "en",
        [
            (1, "https://tomshardware.com/euv", "China allegedly clones ASML's crown jewel",
             "A report claims China reverse-engineered EUV lithography tools in a covert lab"
             " and will release prototypes by 2028, built by former ASML engineers."),
            *filler,
        ],
    )  # fmt: skip
    items = [
        (1, "https://other.example/euv-copy", "据称中国克隆了 ASML 的“皇冠上的明珠”"),
        (2, None, "英伟达发布新芯片"),  # shares only common words: not a twin
    ]
    summaries = {
        1: "报告称，中国已在秘密实验室逆向工程了 EUV 光刻工具，预计在 2028 年推出原型，"
        "由 ASML 的前工程师建造。",
        2: "Nvidia 发布了新的芯片。",
    }
    (match,) = find_repeats(items, before, summaries=summaries)
    assert (match.position, match.earlier, match.how) == (1, 1, "twin")
    assert not find_repeats(items, before, summaries=summaries, twin_threshold=None)


def test_the_same_language_is_never_a_twin():
    before = _earlier("a", [(1, "https://e.com/a", "ASML EUV 2028 China report", "ASML EUV")])
    items = [(1, "https://e.com/b", "China EUV ASML 2028 prototypes")]
    assert [m.how for m in find_repeats(items, before, threshold=None)] == []


def test_the_corpus_twins_are_one_story_and_the_sample_keeps_no_false_match(shared_data):
    """At least 90% of the labelled twins are found as their twin's story, in every pair
    of sources, and seldom put in another story; the hand-checked sample of repeats keeps
    0 false matches and 0 wrong partners with the twin steps on."""
    from bench.repeats import ingest, load_labels, load_posts, load_twins, score, score_twins

    posts = load_posts()
    found, _ = ingest(posts)
    twins = load_twins({post.path: post for post in posts})
    order = {post.path: index for index, post in enumerate(posts)}
    per_source = score_twins(twins, found, order)
    assert set(per_source) == {"ainews", "hextra-ai-insight-daily", "peon"}
    for source, (count, hit, _, wrong) in per_source.items():
        assert hit >= 0.9 * count, source
        assert wrong <= 0.02 * count, source
    _, hit, _, false, wrong = score(load_labels(), found)
    assert (false, wrong) == (0, 0)
    assert hit >= 50  # of 58: the translations the headline steps missed are found


# --- a digest and its translation, pushed to chats through the real bot -----------------

SERVER = "https://discord.com/channels/1091220969173028894"
SUMMARY_EN = (
    "Users report **DeepSeek v3 0324** is locked to an 8k context on OpenRouter, and ask"
    " for temperature remapping."
)
SUMMARY_ZH = (
    "用户报告 **DeepSeek v3 0324** 在 OpenRouter 上被锁定在 8k 上下文，并请求重映射 temperature。"
)


def _story(n: int, title: str, url: str, summary: str) -> Item:
    return Item(n, title, None, url, summary, (Link(title, url),))


def _translated_pair(when: datetime) -> tuple[Digest, Digest]:
    """An English digest and, an hour later, its Chinese translation: two stories under
    one chat server link (found by their place), one under its own link, one whose
    translation links a mirror (found by what survives), and one only the Chinese has."""
    en = Digest("ainews/1", "ainews", "AINews", when, (), (
        _story(1, "DeepSeek Context Size Confounds", SERVER, SUMMARY_EN),
        _story(2, "AI E-book Ethics Examined", SERVER,
               "Debate about using AI to flood **Amazon** with low-quality e-books."),
        _story(3, "Kimi K3 tops the open leaderboard", "https://e.com/kimi-k3",
               "**Kimi K3** scores 71.2 on the board."),
        _story(4, "OpenAI raises $40 billion at a $300 billion valuation",
               "https://openai.com/index/march-funding-update",
               "**OpenAI** raised $40 billion led by SoftBank at a $300 billion valuation,"
               " the largest private round on record; Stargate gets 18 billion of it."),
    ))  # fmt: skip
    zh = Digest("ainews-zh/1", "ainews-zh", "AINews 中文", when + timedelta(hours=1), (), (
        _story(1, "DeepSeek 上下文大小令人困惑", SERVER, SUMMARY_ZH),
        _story(2, "AI 电子书伦理探讨", SERVER, "利用 AI 生成低质量电子书充斥 **Amazon** 的辩论。"),
        _story(3, "Kimi K3 登顶开源排行榜", "https://e.com/kimi-k3", "**Kimi K3** 得分 71.2。"),
        _story(4, "OpenAI 以 3000 亿美元估值融资 400 亿美元", "https://mirror.example.cn/openai-400",
               "**OpenAI** 完成由 SoftBank 领投的 400 亿美元融资，估值 3000 亿美元，"
               "是有史以来最大的私募融资；其中 180 亿美元用于 Stargate。"),
        _story(5, "只在中文版里的新闻", "https://e.com/only-zh", "一条只有中文的消息。"),
    ))  # fmt: skip
    return en, zh


async def test_a_twin_story_reaches_a_chat_once_and_in_full_where_repeats_show(db):
    """Chats taking both sources get each story once (the translation's twins folded, in
    either language's words); a chat showing repeats gets both in full; a chat taking only
    the translation gets it in full (it never had the original); a daily roundup shows
    each story once, in the chat's language."""
    from storage.digest_sources import choose
    from storage.subscribers import update_preferences
    from tests.delivery_runner import add_subscribers
    from tests.test_roundups import Clock, close, run, texts

    await add_subscribers(db, [3, 4, 5, 6, 8])
    await update_preferences(db, 3, format="headlines", lang="en")
    await update_preferences(db, 4, format="headlines", lang="zh")
    await update_preferences(db, 5, format="headlines", repeats="show")
    await update_preferences(db, 6, format="headlines", lang="zh", tz="UTC",
                             schedule="daily", schedule_minute=8 * 60)  # fmt: skip
    await update_preferences(db, 8, format="headlines", lang="zh")
    for chat_id in (3, 4, 5, 6, 8):
        await choose(db, chat_id, 0, "ainews", chat_id != 8)
        await choose(db, chat_id, 0, "ainews-zh", True)
    when = datetime(2026, 3, 10, 5, 0, tzinfo=UTC)
    en, zh = _translated_pair(when)
    for d in (en, zh):
        assert await save_digest(db, d) == "new"
    async with db.execute(
        "SELECT i.position, f.position FROM items i JOIN items f ON f.id = i.repeat_of"
        " WHERE i.digest_id = 'ainews-zh/1' ORDER BY i.position"
    ) as cursor:
        assert [tuple(r) for r in await cursor.fetchall()] == [(1, 1), (2, 2), (3, 3), (4, 4)]

    clock = Clock(when + timedelta(hours=1, minutes=1))
    async with LocalBotApi() as api:
        engine = await run(api, db, clock)
        try:
            for chat_id, folded in ((3, "↩️ +4 stories you already have"), (4, "↩️ 另有 4 条")):
                first, second = texts(api, chat_id)
                assert "Kimi K3 tops" in first and "DeepSeek Context" in first
                news, fold = second.split("↩️")
                assert "只在中文版里的新闻" in news and "Kimi" not in news
                assert folded in second and "Kimi K3 登顶" in fold
            first, second = texts(api, 5)  # repeats shown: the translation in full
            assert "Kimi K3 登顶开源排行榜" in second and "↩️" not in second
            assert "OpenAI 以 3000 亿美元估值融资 400 亿美元" in second
            (only,) = texts(api, 8)  # takes the translation alone: every story is new to it
            assert "Kimi K3 登顶开源排行榜" in only and "DeepSeek 上下文大小令人困惑" in only
            assert "↩️" not in only and "Kimi K3 tops" not in only

            assert texts(api, 6) == []  # a daily roundup, in the chat's language
            clock.set(datetime(2026, 3, 11, 8, 0, 30, tzinfo=UTC))
            await run(api, db, clock, engine)
            (roundup,) = texts(api, 6)
            assert "Kimi K3 登顶开源排行榜" in roundup and "DeepSeek 上下文大小令人困惑" in roundup
            assert "Kimi K3 tops" not in roundup and "Context Size" not in roundup
            assert roundup.count("Kimi") == 1 and roundup.count("OpenAI") == 1
        finally:
            await close(engine)


async def test_search_lists_a_twin_in_another_language_once(db):
    """A story and its translation under another link are one result, the newest
    telling first with "also in" the other; other stories stay apart."""
    from storage.search import search

    en, zh = _translated_pair(datetime(2026, 3, 10, 5, 0, tzinfo=UTC))
    for d in (en, zh):
        await save_digest(db, d)
    page = await search(db, "OpenAI")
    assert [(hit.digest_id, hit.item.position, hit.also_in) for hit in page.hits] == [
        ("ainews-zh/1", 4, 1)
    ]
    assert page.total == 1
    (hit,) = (await search(db, "Stargate")).hits  # words both tellings have: one result
    assert hit.digest_id == "ainews-zh/1"
    (hit,) = (await search(db, "SoftBank 领投")).hits  # only the Chinese has 领投
    assert hit.digest_id == "ainews-zh/1" and hit.also_in == 1
    (hit,) = (await search(db, "largest private round")).hits  # only the English has these
    assert hit.digest_id == "ainews/1" and hit.also_in == 1
    assert len((await search(db, "DeepSeek")).hits) == 1  # the hub twins too
