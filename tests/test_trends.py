"""/trends: a PNG of items per topic per day, in both languages, and a sentence when
there is nothing to draw."""

from __future__ import annotations

import struct
from datetime import UTC, date, datetime, timedelta

import pytest
from babel.messages.pofile import read_po
from fontTools.ttLib import TTFont

from bot.digest.models import Digest, Item
from bot.digest.topics import TOPIC_NAMES
from bot.digest.trends import DAYS, TrendData, _font_path, movers, render_trends_png
from storage.db import connect
from storage.digests import save_digest
from tests.bot_env import running_bot
from tests.test_i18n import ROOT

USER = 909
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(png: bytes) -> tuple[int, int]:
    assert png.startswith(PNG_SIGNATURE)
    return struct.unpack(">II", png[16:24])


def flat(first_day: date, **per_topic: list[int]) -> TrendData:
    return TrendData(first_day, {t: v + [0] * (DAYS - len(v)) for t, v in per_topic.items()})


def test_movers_compare_this_week_with_last_week():
    chips = [0] * 16 + [1] * 7 + [3] * 7  # last week 7, this week 21: +14
    agents = [0] * 16 + [2] * 7 + [1] * 7  # 14 -> 7: -7
    robots = [0] * 16 + [1] * 14  # no change
    data = flat(
        date(2026, 11, 1), chips=chips, agents=agents, robotics=robots, policy=[0] * 29 + [1]
    )
    assert movers(data) == [("chips", 14), ("agents", -7), ("policy", 1)]
    assert movers(flat(date(2026, 11, 1), robotics=robots)) == []


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_picture_is_a_png_of_plausible_size_in_both_languages(lang):
    data = flat(date(2026, 11, 1), chips=[n % 5 for n in range(DAYS)], agents=[2] * DAYS)
    png = render_trends_png(data, frozenset({"chips"}), lang)
    assert png_size(png) == (1000, 560)
    assert 20_000 < len(png) < 600_000


def is_cjk(ch: str) -> bool:
    """Han characters, CJK punctuation and full-width forms (emoji are Telegram's to draw)."""
    code = ord(ch)
    return 0x3000 <= code <= 0x303F or 0x3400 <= code <= 0x9FFF or 0xFF00 <= code <= 0xFFEF


def test_the_bundled_font_draws_every_chinese_character_of_the_interface():
    """A Chinese text with a character the subset lacks would draw as boxes."""
    cmap = TTFont(_font_path())["cmap"].getBestCmap()
    needed = set()
    with (ROOT / "bot/i18n/locales/zh/LC_MESSAGES/messages.po").open("rb") as file:
        for message in read_po(file):
            texts = message.string if isinstance(message.string, tuple) else (message.string,)
            for text in texts:
                needed |= {ch for ch in text or "" if is_cjk(ch)}
    for names in TOPIC_NAMES.values():
        needed |= set(names["zh"])
    missing = sorted(ch for ch in needed if ord(ch) not in cmap)
    assert missing == [], "run tools/make_cjk_font_subset.py"


def digest_on(day: datetime, n: int) -> Digest:
    items = tuple(
        Item(
            k,
            f"NVIDIA launches a new data center GPU {k}",
            None,
            f"https://e.com/{n}/{k}",
            "英伟达发布了新的数据中心GPU芯片。",
        )
        for k in range(1, 3)
    )
    return Digest(f"test/{n}", "test", f"Digest {n}", day, (), items)


@pytest.fixture
async def env(tmp_path):
    async with running_bot(tmp_path, samples=False) as running:
        yield running


async def test_trends_on_an_empty_database_is_a_sentence(env):
    (answer,) = await env.say(USER, "/trends")
    assert "nothing to draw" in answer.text and not env.api.photos_for(USER)


@pytest.mark.parametrize(("lang", "words"), [("en", "Biggest movers"), ("zh", "本周变化最大")])
async def test_trends_sends_a_photo_with_the_weeks_movers(env, lang, words):
    db = await connect(env.settings.database_path)
    try:
        now = datetime.now(UTC)
        for n in range(3):
            await save_digest(db, digest_on(now - timedelta(days=n), n))
    finally:
        await db.close()
    await env.say(USER, "/follow chips", language_code=lang)
    (sent,) = await env.say(USER, "/trends", language_code=lang)
    (photo,) = env.api.photos_for(USER)
    assert sent.method == "sendPhoto" and photo.photo == sent.photo
    assert png_size(photo.photo)[0] == 1000
    assert words in photo.text and "+6" in photo.text  # 3 digests x 2 chips items this week
    assert "&amp;" not in photo.plain_text  # a topic name's & escaped once, not twice
