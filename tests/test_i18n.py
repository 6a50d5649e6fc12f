"""The interface exists in both languages: every text marked in the code has its
Chinese translation, with the same placeholders and the same tags, valid HTML."""

from __future__ import annotations

import logging
import re
import string
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from bot import i18n
from bot.i18n import Html, language_for, t, tp
from bot.local_api import EntityParseError, parse_html

ROOT = Path(__file__).resolve().parents[1]
TAG = re.compile(r"</?([a-z]+)[^>]*>")


def code_texts() -> set[str | tuple[str, str]]:
    """Every text marked in bot/ (what `make messages` extracts)."""
    found: set = set()
    for _, _, message, _, _ in extract_from_dir(
        str(ROOT / "bot"), method_map=[("**.py", "python")]
    ):
        found.add(message if isinstance(message, str) else tuple(message))
    return found


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def sample_values(text: str) -> dict[str, object]:
    """A value for each placeholder: a number where the format wants one ({n:02d})."""
    values: dict[str, object] = {}
    for _, name, spec, _ in string.Formatter().parse(text):
        if name is not None:
            values[name] = 1 if spec and spec[-1] in "dxf" else "x"
    return values


def tags(text: str) -> Counter:
    return Counter(TAG.findall(text))


def test_every_text_in_the_code_has_a_chinese_translation_and_nothing_is_stale():
    catalog = i18n._catalog("zh")
    texts = code_texts()
    assert len(texts) > 100
    missing = sorted(str(text) for text in texts if text not in catalog)
    assert missing == [], "texts with no Chinese translation (run `make messages`, translate)"
    stale = sorted(str(text) for text in catalog if text not in texts)
    assert stale == [], "translations of texts the code no longer has"


def test_placeholders_and_tags_are_the_same_in_both_languages():
    for english, chinese in i18n._catalog("zh").items():
        pairs = (
            zip(english, chinese, strict=False)
            if isinstance(english, tuple)
            else [(english, chinese)]
        )
        for source, translation in pairs:
            assert placeholders(source) == placeholders(translation), (source, translation)
            assert tags(source) == tags(translation), (source, translation)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_text_is_html_telegram_accepts_in_both_languages(lang):
    for text in code_texts():
        msgid = text if isinstance(text, str) else text[0]
        filled = i18n.gettext(lang, msgid)
        values = sample_values(msgid)
        try:
            parse_html(filled.format(**values))
        except EntityParseError as error:
            pytest.fail(f"{lang}: {msgid!r}: {error}")


def test_language_follows_telegram_language_codes():
    assert [language_for(code) for code in ("zh", "zh-hans", "zh-TW", "ZH", "en", "ru", None)] == [
        "zh",
        "zh",
        "zh",
        "zh",
        "en",
        "en",
        "en",
    ]


def test_values_are_escaped_unless_already_html():
    text = "🔔 Following <b>{label}</b>."
    assert t("en", text, label="<script>") == "🔔 Following <b>&lt;script&gt;</b>."
    assert t("en", text, label=Html("<i>x</i>")) == "🔔 Following <b><i>x</i></b>."
    assert tp("en", "Following {label}", label="a&b") == "Following a&b"
    assert t("zh", text, label="R&D") == "🔔 已关注 <b>R&amp;D</b>。"


def test_a_text_missing_from_the_catalog_falls_back_to_english_logged_once(caplog):
    caplog.set_level(logging.WARNING, logger="bot.i18n")
    for _ in range(3):
        assert t("zh", "A text nobody translated, {name}", name="x") == (
            "A text nobody translated, x"
        )
    assert len([r for r in caplog.records if "no zh translation" in r.getMessage()]) == 1
