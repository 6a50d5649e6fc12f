"""What a new reader and a new operator still tripped on in their first week (issue 21),
each as it was observed, in both languages where texts are involved."""

from __future__ import annotations

import pytest

from tests import test_sources

feeds_over_http = test_sources.server  # the `server` fixture: feeds over local HTTP

USER = 2101


async def zh(env, user: int = USER) -> None:
    await env.say(user, "/lang zh")


# ---- 1. "Welcome back" only to a chat that was subscribed before ------------------------


@pytest.mark.parametrize("first", ["/lang zh", "/tz Beijing", "/lang en"])
async def test_a_setting_before_the_first_start_still_gets_the_welcome(env, first):
    await env.say(USER, first)
    (welcome,) = await env.say(USER, "/start")
    assert "👋" in welcome.text
    assert "Welcome back" not in welcome.text and "欢迎回来" not in welcome.text
    assert "Welcome to the AI digest" in welcome.text or "欢迎" in welcome.text


async def test_forget_then_a_setting_then_start_is_a_welcome_and_stop_start_is_back(env):
    await env.say(USER, "/start")
    (confirm,) = await env.say(USER, "/forget")
    await env.press(USER, confirm, "forget:yes")
    await zh(env)
    (welcome,) = await env.say(USER, "/start")
    assert "欢迎回来" not in welcome.text and "欢迎" in welcome.text
    await env.say(USER, "/stop")
    (back,) = await env.say(USER, "/start")
    assert "欢迎回来" in back.text


# ---- 2. a chat with no /tz runs on the zone its digests are published in ----------------


async def test_the_published_zone_is_the_most_frequent_offset_of_the_digests(db):
    from datetime import datetime, timedelta, timezone

    from bot.digest.models import Digest
    from storage.digests import published_zone, save_digest

    assert await published_zone(db) == ""
    for n, hours in enumerate((8, 8, -5)):
        when = datetime(2026, 12, 1, n, tzinfo=timezone(timedelta(hours=hours)))
        await save_digest(db, Digest(f"t/{n}", "t", f"digest {n}", when, (), ()))
    assert await published_zone(db) == "UTC+08:00"


async def test_a_chats_zone_is_that_of_the_sources_it_takes(db):
    from datetime import datetime, timedelta, timezone

    from bot.digest.models import Digest, Item
    from storage.digest_sources import choose
    from storage.digests import chat_zone, save_digest
    from storage.subscribers import subscribe

    for n, (source, hours) in enumerate((("asia", 8), ("asia", 8), ("asia", 8), ("us", -5))):
        when = datetime(2026, 12, 1, n, tzinfo=timezone(timedelta(hours=hours)))
        item = Item(1, f"headline {n}", None, f"https://e.com/{n}", "text")
        await save_digest(db, Digest(f"{source}/{n}", source, f"d {n}", when, (), (item,)))
    await subscribe(db, 7)
    await choose(db, 7, 0, "asia", False)
    await choose(db, 7, 0, "us", True)
    assert await chat_zone(db, 7, 0, "", "") == "UTC-05:00"
    assert await chat_zone(db, 8, 0, "", "") == "UTC+08:00"  # not stored: every digest
    assert await chat_zone(db, 7, 0, "", "Europe/London") == "Europe/London"
    assert await chat_zone(db, 7, 0, "Asia/Tokyo", "Europe/London") == "Asia/Tokyo"


async def test_roundups_and_quiet_hours_of_a_chat_without_a_zone_run_on_the_published_one(db):
    """Samples are published at UTC+8: a daily 08:00 roundup is due at 00:00 UTC, and
    quiet hours 23-7 hold a digest at 23:30 UTC+8 (15:30 UTC) until 07:00 UTC+8."""
    from datetime import UTC, datetime

    from bot.delivery.roundups import RoundupScheduler
    from bot.preferences import quiet_until
    from bot.timezones import effective_zone
    from storage import roundups
    from storage.digests import published_zone
    from storage.subscribers import subscribe, update_preferences
    from tests.bot_env import store_samples

    await store_samples(db.path)
    await subscribe(db, 7)
    await update_preferences(db, 7, schedule="daily", schedule_minute=8 * 60)
    now = datetime(2026, 12, 7, 12, 0, tzinfo=UTC).timestamp()
    scheduler = RoundupScheduler(db, clock=lambda: now)
    await scheduler.run_due()
    (due,) = await roundups.due(db, datetime(2026, 12, 9, tzinfo=UTC).timestamp())
    assert due.next_ts == datetime(2026, 12, 8, 0, 0, tzinfo=UTC).timestamp()
    zone = effective_zone("", "", await published_zone(db))
    evening = datetime(2026, 12, 7, 15, 30, tzinfo=UTC).timestamp()
    assert quiet_until(23, 7, zone, evening) == datetime(2026, 12, 7, 23, tzinfo=UTC).timestamp()
    assert effective_zone("", "Europe/London", "UTC+08:00") == "Europe/London"
    assert effective_zone("Asia/Tokyo", "Europe/London", "UTC+08:00") == "Asia/Tokyo"


@pytest.mark.parametrize(
    ("lang", "schedule_words", "quiet_words"),
    [("en", "Next roundup", "Quiet hours"), ("zh", "下一份汇总", "免打扰")],
)
async def test_replies_that_name_a_time_name_the_zone(env, lang, schedule_words, quiet_words):
    await env.say(USER, f"/lang {lang}")
    (schedule,) = await env.say(USER, "/schedule daily 08:00")
    assert schedule_words in schedule.text and "08:00 (UTC+8)" in schedule.text
    (quiet,) = await env.say(USER, "/quiet 23-7")
    assert quiet_words in quiet.text and "23:00–07:00 (UTC+8)" in quiet.text
    (panel,) = await env.say(USER, "/settings")
    assert "23:00–07:00 (UTC+8)" in panel.text and panel.text.count("(UTC+8)") == 2
    await env.say(USER, "/tz Europe/London")
    (quiet,) = await env.say(USER, "/quiet 22-6")
    assert "22:00–06:00 (UTC)" in quiet.text


# ---- 3. quiet hours keep what was typed, or say why not ---------------------------------


@pytest.mark.parametrize(("lang", "words"), [("en", "start and end on the hour"), ("zh", "整点")])
async def test_quiet_hours_with_minutes_are_refused_with_the_accepted_forms(env, lang, words):
    from storage.subscribers import get_subscriber

    await env.say(USER, f"/lang {lang}")
    (answer,) = await env.say(USER, "/quiet 22:30-07:00")
    assert words in answer.text and "23-7" in answer.text
    subscriber = await get_subscriber(env.application.bot_data["services"].db, USER)
    assert subscriber is not None and subscriber.quiet_from is None  # nothing half-saved
    (saved,) = await env.say(USER, "/quiet 22:00-07:00")
    assert "22:00–07:00" in saved.text


# ---- 4. a typed setting says what changed, with nothing to tap ---------------------------


@pytest.mark.parametrize(
    ("lang", "command", "line"),
    [
        ("en", "/format brief", "Format: <b>brief</b>"),
        ("en", "/repeats hide", "Stories you already have: <b>left out</b>"),
        ("zh", "/format brief", "格式：<b>简要</b>"),
        ("zh", "/repeats hide", "<b>"),
    ],
)
async def test_a_typed_setting_answers_with_what_changed_and_no_tap_to_change(
    env, lang, command, line
):
    await env.say(USER, f"/lang {lang}")
    (answer,) = await env.say(USER, command)
    assert line in answer.text and ("✅" in answer.text)
    assert "Tap" not in answer.text and "点按" not in answer.text and not answer.buttons
    assert "Settings" not in answer.text and "设置" not in answer.text


# ---- 5. every value a button shows is accepted typed, in both languages -----------------


@pytest.mark.parametrize(
    ("typed", "column", "value"),
    [
        ("/format 简要", "format", "brief"),
        ("/format 仅标题", "format", "headlines"),
        ("/repeats 折叠", "repeats", "fold"),
        ("/repeats 重复的隐藏", "repeats", "hide"),
        ("/repeats Show repeats", "repeats", "show"),
        ("/previews 开启预览", "previews", True),
        ("/alerts 只要我的主题", "alerts_mode", "topics"),
        ("/lang English", "lang", "en"),
        ("/messages 每次 5 条", "max_messages", 5),
        ("/messages 1 at once", "max_messages", 1),
        ("/quiet 免打扰 23:00–08:00", "quiet_from", 23),
        ("/schedule 每周一 08:00", "schedule_day", 0),
        ("/tz 按发布时区", "tz", ""),
    ],
)
async def test_a_buttons_label_typed_is_that_value(env, typed, column, value):
    from storage.subscribers import get_subscriber

    await env.say(USER, "/tz Asia/Tokyo")
    (answer,) = await env.say(USER, typed)
    assert "not a choice" not in answer.text and "不是可选" not in answer.text, answer.text
    subscriber = await get_subscriber(env.application.bot_data["services"].db, USER)
    stored = subscriber.schedule.day if column == "schedule_day" else getattr(subscriber, column)
    assert stored == value


def test_every_button_label_of_every_setting_parses_back_to_its_value():
    from bot.preferences import SETTINGS, parse_setting
    from bot.telegram.keyboards import setting_buttons, typed_choice
    from storage.subscribers import Subscriber

    chat = Subscriber(chat_id=1)
    for name in SETTINGS:
        for lang in ("en", "zh"):
            for button in setting_buttons(name, chat, lang):
                value = str(button.callback_data).split(":", 2)[2]
                assert typed_choice(name, button.text, chat) == value, (name, button.text)
                assert parse_setting(name, value)  # a pressed value is one too


@pytest.mark.parametrize(
    ("lang", "typed", "why"),
    [
        ("en", "/schedule daily 25:00", "The hour must be 0–23."),
        ("zh", "/schedule daily 25:00", "小时必须在 0–23 之间。"),
        ("en", "/schedule daily 08:75", "The minutes must be 00–59."),
        ("en", "/schedule weekly someday 08:00", "The day is one of mon"),
        ("zh", "/schedule 每周 星期八 08:00", "周一 … 周日"),
        ("en", "/messages 40", "A number from 1 to 10."),
        ("zh", "/format huge", "不是可选的值"),
    ],
)
async def test_a_refusal_says_what_was_wrong_and_lists_the_choices(env, lang, typed, why):
    await env.say(USER, f"/lang {lang}")
    (answer,) = await env.say(USER, typed)
    assert why in answer.text
    assert answer.buttons  # the choices
    assert "。 " not in answer.text


# ---- 6. /tz: back to "as published", abbreviations, CST asked, garbage not guessed ------


@pytest.mark.parametrize(
    ("typed", "zone"),
    [("PST", "America/Los_Angeles"), ("pdt", "America/Los_Angeles"), ("EST", "America/New_York"),
     ("EDT", "America/New_York"), ("CET", "Europe/Berlin"), ("JST", "Asia/Tokyo"),
     ("IST", "Asia/Kolkata")],
)  # fmt: skip
def test_common_abbreviations_find_their_zone(typed, zone):
    from bot.timezones import resolve_timezone

    assert resolve_timezone(typed).tz == zone


def test_cst_is_asked_and_garbage_suggests_nothing():
    from bot.timezones import resolve_timezone

    cst = resolve_timezone("CST")
    assert cst.tz is None and cst.ambiguous
    assert set(cst.suggestions) == {"Asia/Shanghai", "America/Chicago"}
    assert resolve_timezone("garbage").suggestions == ()
    assert "Asia/Tokyo" in resolve_timezone("Tokio").suggestions  # a near miss still is


@pytest.mark.parametrize(
    ("lang", "off", "words"),
    [("en", "/tz off", "as each digest was published"), ("zh", "/tz 默认", "按每期发布时的时区")],
)
async def test_tz_off_returns_to_as_published(env, lang, off, words):
    from storage.subscribers import get_subscriber

    await env.say(USER, f"/lang {lang}")
    await env.say(USER, "/tz PST")
    (answer,) = await env.say(USER, off)
    assert words in answer.text and "UTC+8" in answer.text
    db = env.application.bot_data["services"].db
    assert (await get_subscriber(db, USER)).tz == ""
    await env.say(USER, "/tz Asia/Tokyo")
    (panel,) = await env.say(USER, "/settings")
    data = [data for row in panel.buttons for _, data in row]
    assert "set:tz:off" in data
    await env.press(USER, panel, "set:tz:off")
    assert (await get_subscriber(db, USER)).tz == ""


@pytest.mark.parametrize(("lang", "words"), [("en", "Which one?"), ("zh", "是哪一个")])
async def test_tz_cst_asks_which_with_a_button_each(env, lang, words):
    from storage.subscribers import get_subscriber

    await env.say(USER, f"/lang {lang}")
    (question,) = await env.say(USER, "/tz CST")
    assert words in question.text
    data = [data for row in question.buttons for _, data in row]
    assert data == ["set:tz:Asia/Shanghai", "set:tz:America/Chicago"]
    await env.press(USER, question, "set:tz:America/Chicago")
    db = env.application.bot_data["services"].db
    assert (await get_subscriber(db, USER)).tz == "America/Chicago"
    (garbage,) = await env.say(USER, "/tz garbage")
    assert "Did you mean" not in garbage.text and "你是不是想说" not in garbage.text


# ---- 7. /follow with no letters, /alerts topics with nothing followed, before /start -----


@pytest.mark.parametrize(("lang", "words"), [("en", "at least one letter"), ("zh", "至少")])
async def test_follow_an_emoji_says_what_was_wrong(env, lang, words):
    await env.say(USER, f"/lang {lang}")
    (answer,) = await env.say(USER, "/follow 🤖")
    assert words in answer.text
    (usage,) = await env.say(USER, "/follow")
    assert words not in usage.text


@pytest.mark.parametrize(("lang", "words"), [("en", "nothing will arrive"), ("zh", "不会收到")])
async def test_alerts_topics_with_nothing_followed_says_so_with_the_topics(env, lang, words):
    await env.say(USER, "/start")
    await env.say(USER, f"/lang {lang}")
    (answer,) = await env.say(USER, "/alerts topics")
    assert words in answer.text
    data = [data for row in answer.buttons for _, data in row]
    assert "t:chips" in data
    await env.say(USER, "/follow chips")
    await env.say(USER, "/alerts all")
    (followed,) = await env.say(USER, "/alerts topics")
    assert words not in followed.text and not followed.buttons


@pytest.mark.parametrize(("lang", "words"), [("en", "not subscribed"), ("zh", "还没有订阅")])
async def test_follow_before_start_says_nothing_is_subscribed_yet(env, lang, words):
    await env.say(USER, f"/lang {lang}")
    (answer,) = await env.say(USER, "/follow chips")
    assert words in answer.text and "/start" in answer.text
    await env.say(USER, "/start")
    (after,) = await env.say(USER, "/follow agents")
    assert words not in after.text


# ---- 8. search: possessives and plurals, one story told thrice, the hint once ------------


def test_english_possessives_and_plurals_fold_in_a_query():
    from storage.search_query import query_terms

    assert query_terms("OpenAI's") == ["openai"]
    assert query_terms("Nvidia’s chips") == ["nvidia", "chip"]
    assert query_terms("agents' GPUs") == ["agent", "gpu"]
    assert query_terms("news analysis class") == ["news", "analysis", "class"]  # not plurals


async def test_a_possessive_finds_what_the_word_finds(env):
    from storage.search import search

    db = env.application.bot_data["services"].db
    for word in ("OpenAI", "Nvidia"):
        plain = await search(db, word)
        assert plain.total > 0
        possessive = await search(db, f"{word}'s")
        assert possessive.total == plain.total


async def test_near_identical_headlines_of_one_story_in_one_digest_are_one_result(db):
    from datetime import UTC, datetime

    from bot.digest.models import Digest, Item
    from storage.digests import save_digest
    from storage.search import search

    url = "https://www.scmp.com/tech/article/3336925/manus-hits-us100-million-revenue"
    hub = "https://discord.com/channels/1348819876348825620"
    items = (
        Item(1, "Manus hits $100M running agents", None, url, "Manus revenue."),
        Item(2, "Account still suspended?", None, hub, "A Manus user asks."),
        Item(3, "Manus Rockets Past $100M Revenue", None, url, "Manus revenue."),
        Item(4, "Presentation errors frustrate a user", None, hub, "A Manus deck."),
        Item(5, "Manus Marvels: Rockets to $100M Revenue!", None, url, "Manus revenue."),
    )
    when = datetime(2026, 12, 1, tzinfo=UTC)
    await save_digest(db, Digest("t/1", "t", "issue", when, (), items))
    page = await search(db, "Manus 100M")
    assert [hit.item.position for hit in page.hits] == [1]  # the first telling
    page = await search(db, "Manus", limit=10)
    assert sorted(hit.item.position for hit in page.hits) == [1, 2, 4]  # the hub's two stay
    assert page.total == 3


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_the_plain_text_search_hint_comes_once_per_chat(env, lang):
    from bot.i18n import t
    from bot.telegram import texts

    hint = t(lang, texts.SEARCH_HINT)
    await env.say(USER, f"/lang {lang}")
    (first,) = await env.say(USER, "OpenAI")
    assert hint in first.text
    for query in ("Nvidia", "模型", "OpenAI"):
        (again,) = await env.say(USER, query)
        assert hint not in again.text
    (other,) = await env.say(USER + 1, "OpenAI")
    assert t("en", texts.SEARCH_HINT) in other.text


# ---- 9. /trends: nine colours told apart, followed ones bold, labels inside ---------------


@pytest.mark.parametrize(("lang", "followed"), [("en", {"chips", "agents"}), ("zh", set())])
def test_trends_lines_are_nine_colours_followed_bold_and_every_label_inside(lang, followed):
    from datetime import date

    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from bot.digest.topics import TOPIC_KEYS
    from bot.digest.trends import DAYS, TrendData, trends_figure

    counts = {topic: [(n + i) % 7 for n in range(DAYS)] for i, topic in enumerate(TOPIC_KEYS)}
    figure = trends_figure(TrendData(date(2026, 11, 8), counts), frozenset(followed), lang)
    (axes,) = figure.axes
    lines = axes.get_lines()
    assert len({line.get_color().lower() for line in lines}) == len(TOPIC_KEYS) == 9
    for line, topic in zip(lines, TOPIC_KEYS, strict=True):
        assert (line.get_linewidth() > 2.5) == (topic in followed)
    canvas = FigureCanvasAgg(figure)
    canvas.draw()  # lays the legend out
    renderer = canvas.get_renderer()
    box = figure.bbox
    texts = [*axes.get_legend().get_texts(), axes.title, *axes.get_xticklabels()]
    for text in texts:
        extent = text.get_window_extent(renderer)
        assert box.x0 <= extent.x0 and extent.x1 <= box.x1, text.get_text()
        assert box.y0 <= extent.y0 and extent.y1 <= box.y1, text.get_text()
    bold = [bool(text.get_path_effects()) for text in axes.get_legend().get_texts()]
    assert bold == [topic in followed for topic in TOPIC_KEYS]


def test_the_nine_colours_stay_apart_for_colour_blind_eyes():
    """Each pair of the palette differs under simulated deuteranopia and protanopia
    (Machado et al. 2009, severity 1), in linear RGB, by a visible margin."""
    from matplotlib.colors import to_rgb

    from bot.digest.trends import PALETTE

    machado = {
        "protan": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216),
                   (-0.003882, -0.048116, 1.051998)),
        "deutan": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413),
                   (-0.011820, 0.042940, 0.968881)),
    }  # fmt: skip
    for matrix in machado.values():
        seen = [
            tuple(sum(m * c for m, c in zip(row, to_rgb(colour), strict=True)) for row in matrix)
            for colour in PALETTE
        ]
        for i, first in enumerate(seen):
            for second in seen[i + 1 :]:
                assert max(abs(a - b) for a, b in zip(first, second, strict=True)) > 0.08


# ---- 10. Chinese wording: no space after "。", "、" between items, one word for digest ----

CJK = "\u4e00-\u9fff"


def zh_catalog() -> list[tuple[str, str]]:
    from babel.messages.pofile import read_po

    from tests.test_i18n import ROOT

    with (ROOT / "bot/i18n/locales/zh/LC_MESSAGES/messages.po").open("rb") as file:
        return [
            (m.id, m.string)
            for m in read_po(file)
            if isinstance(m.id, str) and m.id and isinstance(m.string, str)
        ]


def test_the_chinese_catalog_has_no_space_after_a_full_stop_nor_ascii_list_commas():
    import re

    for msgid, text in zh_catalog():
        assert not re.search(r"[。！？；：，] ", text), (msgid, text)
        assert not re.search(f"[{CJK}]\\s?, ?[{CJK}]", text), (msgid, text)


def test_digest_is_one_word_in_chinese():
    """简报 is "digest" (摘要 is a summary: an item's short text)."""
    for msgid, text in zh_catalog():
        if "digest" in msgid.lower():
            assert "摘要" not in text or "summary" in msgid.lower(), (msgid, text)
        if "摘要" in text:
            assert "summar" in msgid.lower(), (msgid, text)


def test_settings_rows_are_named_apart_in_both_languages():
    from bot.telegram.keyboards import settings_lines
    from storage.subscribers import Subscriber

    for lang, colon in (("zh", "："), ("en", ":")):
        rows = settings_lines(Subscriber(chat_id=1), lang).splitlines()
        names = [row.split(colon, 1)[0] for row in rows]
        assert len(set(names)) == len(names)
        firsts = [name[:2] if lang == "zh" else name.split()[0] for name in names]
        assert len(set(firsts)) == len(firsts), names  # "推送…" twice read as one setting


async def test_chinese_replies_join_sentences_and_lists_the_chinese_way(env):
    import re

    await zh(env)
    replies = []
    commands = ["/start", "/follow chips", "/follow 英伟达", "/follow OpenAI", "/topics"]
    commands += ["/tz CST", "/tz Pekin", "/format huge", "/alerts topics", "/trends"]
    for command in commands:
        replies += await env.say(USER, command)
    for message in replies:
        text = message.plain_text or message.text
        assert "。 " not in text, text
        assert not re.search(f"[{CJK}”]\\s?, ?[“{CJK}]", text), text
    assert any("、" in (message.plain_text or "") for message in replies)


# ---- 11. the console's samples are dated relative to today --------------------------------


def test_the_samples_are_moved_to_the_last_days_before_now():
    from datetime import UTC, datetime, timedelta

    from bot.console import dated_samples

    for now in (datetime(2027, 3, 1, 7, 0, tzinfo=UTC), datetime(2027, 3, 1, 9, 0, tzinfo=UTC)):
        digests = dated_samples(now.timestamp())
        newest = max(digest.published_at for digest in digests)
        assert now - timedelta(days=1) < newest <= now
        for digest in digests:
            assert digest.published_at.strftime("%Y.%m.%d") in digest.title
        spans = sorted(d.published_at for d in digests)
        assert spans[-1] - spans[0] == timedelta(hours=8)  # their spacing kept


async def console_session(tmp_path, script: str, *, lang: str = "", now: float | None = None):
    import io

    from bot.config import Settings
    from bot.console import run_console

    out = io.StringIO()
    settings = Settings(_env_file=None, database_path=tmp_path / "bot.db")
    code = await run_console(settings, tmp_path / "console.db", io.StringIO(script), out,
                             lang=lang, now=now)  # fmt: skip
    assert code == 0
    return out.getvalue()


async def test_the_console_shows_this_weeks_items_and_todays_digest(tmp_path):
    import re
    import time

    from bot.console import dated_samples

    now = time.time()
    out = await console_session(tmp_path, "/topics\n/latest\n", now=now)
    weekly = [int(n) for n in re.findall(r"· (\d+) items? this week", out)]
    assert len(weekly) == 9 and sum(weekly) > 0
    newest = max(dated_samples(now), key=lambda digest: digest.published_at)
    assert newest.title in out and now - newest.published_at.timestamp() < 86_400


# ---- 12. the console: its language, pictures in files, links printed, Ctrl-C ------------


@pytest.mark.parametrize(
    ("lang", "welcome", "no_button"),
    [
        ("zh", "欢迎订阅", "（没有按钮 99；请选择 1-"),
        ("en", "Welcome to", "(no button 99; choose 1-"),
    ],
)
async def test_console_piped_in_the_users_language_with_links_and_pictures(
    tmp_path, lang, welcome, no_button
):
    import re
    from pathlib import Path

    out = await console_session(tmp_path, "/start\n/latest\n/settings\n99\n/trends\n", lang=lang)
    assert welcome in out and no_button in out
    assert "🔗 https://example.com/" in out  # the digest's links, after its text
    (saved,) = re.findall(r"\[[^\]]*?(/\S+\.png)\]", out)
    assert Path(saved).read_bytes().startswith(b"\x89PNG")
    assert Path(saved).parent.parent == tmp_path  # next to the console's database


async def test_console_button_hint_follows_the_chats_lang_command(tmp_path):
    out = await console_session(tmp_path, "/lang zh\n/settings\n99\n")
    assert "（没有按钮 99" in out


def test_console_in_a_terminal_quits_at_once_on_ctrl_c(tmp_path):
    """Terminal mode, through a pseudo-terminal: the prompt, an answer, then Ctrl-C (the
    terminal's interrupt character) ends it without an Enter."""
    import os
    import pty
    import select
    import time

    from tests.test_operations import clean_env, digest_bot

    def read_until(fd: int, needle: bytes, seconds: float) -> bytes:
        seen, deadline = b"", time.monotonic() + seconds
        while needle not in seen and time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.2)
            if ready:
                try:
                    seen += os.read(fd, 65536)
                except OSError:
                    break
        return seen

    pid, fd = pty.fork()
    if pid == 0:  # the child: the console on the pty as its controlling terminal
        env = clean_env(tmp_path)
        command = [*digest_bot(), "console", "--lang", "zh", "--database", str(tmp_path / "c.db")]
        os.chdir(tmp_path)
        os.execve(command[0], command, env)
    try:
        assert b"> " in read_until(fd, b"\n> ", 60)
        os.write(fd, b"/help\n")
        assert "命令".encode() in read_until(fd, "本列表".encode(), 30)
        read_until(fd, b"\n> ", 10)
        os.write(fd, b"\x03")  # Ctrl-C, no Enter after it
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            read_until(fd, b"\x00", 0.2)
        else:
            raise AssertionError("the console did not quit on Ctrl-C")
        assert os.waitstatus_to_exitcode(status) == 0
    finally:
        os.close(fd)
        try:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass


# ---- 16. Docker: the restart policy does not retry a missing token forever ---------------


def test_every_documented_restart_policy_is_bounded():
    import re

    import yaml

    from tests.test_packaging import REPO

    compose = yaml.safe_load((REPO / "compose.yaml").read_text(encoding="utf-8"))
    (service,) = compose["services"].values()
    policies = [service["restart"]]
    for name in ("README.md", "Dockerfile"):
        policies += re.findall(r"--restart[ =](\S+)", (REPO / name).read_text(encoding="utf-8"))
    assert len(policies) == 3
    for policy in policies:
        kind, _, limit = policy.partition(":")
        assert kind == "on-failure" and limit.isdigit() and int(limit) <= 10, policy
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "unless-stopped" not in readme.replace("as `unless-stopped`", "")
    assert "status 2" in readme and "on-failure:5" in readme


def test_run_without_a_token_exits_with_a_failure_status_the_policy_limits(tmp_path):
    from tests.test_operations import clean_env, run_cli

    result = run_cli(tmp_path, "run", env=clean_env(tmp_path), stdin="")
    assert result.returncode == 2  # non-zero: on-failure counts it, and gives up
    (line,) = result.stderr.strip().splitlines()
    assert "BOT_TOKEN" in line


# ---- 13. /ingest of a name that does not resolve says so --------------------------------


async def no_such_host(host: str, port: int) -> list:
    import socket

    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")


async def test_a_name_that_does_not_resolve_is_unresolvable_not_refused(monkeypatch):
    import socket

    from bot.sources import allowed

    monkeypatch.setattr(allowed, "RESOLVER", no_such_host)
    with pytest.raises(allowed.Unresolvable) as caught:
        await allowed.check_public_url("https://example.com/feed.xml")
    assert caught.value.host == "example.com"

    async def private(host: str, port: int) -> list:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", port))]

    monkeypatch.setattr(allowed, "RESOLVER", private)
    with pytest.raises(allowed.NotAllowed) as refused:
        await allowed.check_public_url("https://example.com/feed.xml")
    assert not isinstance(refused.value, allowed.Unresolvable)


@pytest.mark.parametrize(("lang", "words"), [("en", "cannot resolve"), ("zh", "无法解析")])
async def test_ingest_of_an_unresolvable_url_says_cannot_resolve(env, monkeypatch, lang, words):
    from bot.sources import allowed
    from tests.bot_env import ADMIN_ID

    monkeypatch.setattr(allowed, "RESOLVER", no_such_host)  # no network here: the DNS's answer
    await env.say(ADMIN_ID, f"/lang {lang}")
    (answer,) = await env.say(ADMIN_ID, "/ingest https://example.com/feed.xml")
    assert words in answer.text and "example.com" in answer.text
    assert "not allowed" not in answer.text and "不允许" not in answer.text


# ---- 14. a failing source says why, at WARNING, once per change; folders at start-up ----


async def test_a_missing_folder_is_told_at_start_up_once_with_why_and_its_recovery(
    db, tmp_path, caplog
):
    import logging

    import httpx

    from bot.sources.poller import SourcePoller

    folder = tmp_path / "posts"
    async with httpx.AsyncClient() as http:
        poller = SourcePoller(db, http, [(None, str(folder))], 300, lambda: None)
        with caplog.at_level(logging.INFO, logger="bot.sources"):
            poller.check_folders()
            for _ in range(3):
                await poller.poll_once(str(folder))
            warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
            assert len(warnings) == 1 and "no such folder" in warnings[0].getMessage()
            assert not any("polled" in r.getMessage() for r in caplog.records)
            folder.mkdir()
            await poller.poll_once(str(folder))
            await poller.poll_once(str(folder))
    back = [r for r in caplog.records if "works again" in r.getMessage()]
    assert len(back) == 1 and back[0].levelno == logging.INFO
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 1


async def test_a_feed_that_answers_404_is_a_warning_that_says_so(db, feeds_over_http, caplog):
    import logging

    import httpx

    from bot.sources.poller import SourcePoller
    from storage.sources import load_source_state, save_source_state

    base, _, _ = feeds_over_http
    url = f"{base}/feeds/missing.xml"
    async with httpx.AsyncClient() as http:
        poller = SourcePoller(db, http, [(None, url)], 300, lambda: None)
        with caplog.at_level(logging.INFO, logger="bot.sources"):
            for _ in range(2):
                state = await load_source_state(db, url)
                state.next_poll_ts = 0  # due again now, back-off or not
                await save_source_state(db, state)
                await poller.poll_once(url)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "HTTP 404" in warnings[0]


# ---- 15. the command line: a saved feed, file:// URLs, unchanged feeds, --help, /stats ---


async def test_a_saved_feed_file_ingests_as_over_http_and_again_is_unchanged(
    db, feeds_over_http, shared_data
):
    import httpx

    from bot.sources.ingest import ingest_targets

    feed = shared_data / "feeds/olshansk-rss-feeds/feed_cursor.xml"
    base, _, _ = feeds_over_http
    async with httpx.AsyncClient() as http:
        first = await ingest_targets(db, [str(feed)], http)
        assert len(first.new) == 1 and not first.failed
        again = await ingest_targets(db, [feed.as_uri()], http)  # a file:// URL
        assert again.unchanged and not again.new and not again.failed
        over_http = await ingest_targets(db, [f"{base}/feeds/{feed.parent.name}/{feed.name}"], http)
        assert len(over_http.new) == 1
    from storage.digests import get_digest

    from_file = await get_digest(db, first.new[0])
    from_http = await get_digest(db, over_http.new[0])
    assert from_file is not None and from_http is not None
    assert [i.title for i in from_file.items] == [i.title for i in from_http.items]


async def test_reingesting_unchanged_feeds_counts_them(db, feeds_over_http):
    import httpx

    from bot.sources.ingest import ingest_targets

    base, _, _ = feeds_over_http
    feeds = [
        f"{base}/feeds/olshansk-rss-feeds/{name}.xml" for name in ("feed_cursor", "feed_meta_ai")
    ]
    async with httpx.AsyncClient() as http:
        first = await ingest_targets(db, feeds, http)
        assert len(first.new) == 2
        again = await ingest_targets(db, feeds, http)
    assert again.summary() == "0 new, 0 updated, 2 unchanged, 0 failed"


@pytest.mark.parametrize(
    ("command", "described"),
    [("search", ["WORD", "--limit", "results per page", "--offset", "Exit status"]),
     ("parse", ["FILE", "a post", "--json", "title, published_at"]),
     ("ingest", ["PATH_OR_URL", "rss.xml", "file://"])],
)  # fmt: skip
def test_command_line_help_describes_every_argument(command, described, capsys):
    from bot.cli import build_parser

    with pytest.raises(SystemExit):
        build_parser().parse_args([command, "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for words in described:
        assert words in text, (words, text)


@pytest.mark.parametrize(("lang", "words"), [("en", "Last fan-out"), ("zh", "")])
async def test_stats_names_the_last_fan_out_by_its_title(env, lang, words):
    from tests.bot_env import ADMIN_ID, wait_until
    from tests.chat_env import new_digest, push, services

    await env.say(USER, "/start")
    digest = new_digest()
    await push(env, digest)
    await wait_until(lambda: env.api.messages_for(USER), what="the push")
    db = services(env).db
    from storage import deliveries

    async def done() -> bool:
        figures = await deliveries.delivery_stats(db)
        return figures.last_fanout is not None and figures.pending == 0

    await wait_until(done, what="the fan-out recorded")
    await env.say(ADMIN_ID, f"/lang {lang}")
    (stats,) = await env.say(ADMIN_ID, "/stats")
    assert digest.title in stats.text and digest.id not in stats.text
    assert words in stats.text
