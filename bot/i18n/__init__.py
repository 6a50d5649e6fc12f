"""The interface in two languages: Simplified Chinese and English.

Texts are written in English in the code, marked for extraction, and translated in a
gettext catalog (`locales/zh/LC_MESSAGES/messages.po`) kept with Babel (`make messages`
extracts and updates it). Digest content is never translated.

- `N_("...")` marks a text where it is defined (bot/telegram/texts.py and a few in
  rendering); `t(lang, text, **values)` translates it and fills `{placeholders}`;
  `tp()` gives its plain text (buttons, toasts, the command menu).
- Texts are Telegram HTML. `t()` escapes every value it fills in, unless the value is
  `Html` (already HTML, e.g. a rendered link), so user input can never become markup.
- A text missing from the catalog at run time falls back to English, logged once.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import Literal

from babel.messages.pofile import read_po

log = logging.getLogger(__name__)

Lang = Literal["en", "zh"]
LANGUAGES: tuple[Lang, ...] = ("en", "zh")
CATALOG_DOMAIN = "messages"


def language_for(code: str | None) -> Lang:
    """A Telegram `language_code` to the interface language: any zh* is Chinese."""
    return "zh" if code and code.lower().startswith("zh") else "en"


def N_(text: str) -> str:
    """Marks a text for extraction; returns it unchanged."""
    return text


class Html(str):
    """A value that is already Telegram HTML: t() fills it in without escaping."""

    __slots__ = ()


def escape(text: str) -> str:
    return html.escape(text, quote=False)


def _fill(value: object) -> object:
    if isinstance(value, Html) or not isinstance(value, str):
        return value
    return escape(value)


def catalog_path(lang: str) -> str:
    return f"locales/{lang}/LC_MESSAGES/{CATALOG_DOMAIN}.po"


@cache
def _catalog(lang: str) -> dict[str, str]:
    """msgid -> translation, from the .po file; {} for English."""
    if lang == "en":
        return {}
    with resources.files("bot.i18n").joinpath(catalog_path(lang)).open("rb") as file:
        catalog = read_po(file, locale=lang)
    return {
        message.id: message.string
        for message in catalog
        if isinstance(message.id, str)
        and isinstance(message.string, str)
        and message.id
        and message.string
        and not message.fuzzy
    }


_reported: set[tuple[str, str]] = set()


def _missing(lang: str, msgid: str) -> None:
    if (lang, msgid) not in _reported:
        _reported.add((lang, msgid))
        log.warning("no %s translation for %r: English shown", lang, msgid[:80])


def gettext(lang: str, msgid: str) -> str:
    if lang == "en":
        return msgid
    found = _catalog(lang).get(msgid)
    if not isinstance(found, str):
        _missing(lang, msgid)
        return msgid
    return found


def t(lang: str, msgid: str, /, **values: object) -> str:
    """The text in `lang`, with `{placeholders}` filled (escaped unless Html)."""
    text = gettext(lang, msgid)
    return text.format(**{k: _fill(v) for k, v in values.items()}) if values else text


def sentences(lang: str, *parts: str) -> str:
    """Sentences run on: after a space in English, none in Chinese ("。" ends one)."""
    return ("" if lang == "zh" else " ").join(parts)


def listing(lang: str, items: Iterable[str]) -> str:
    """Items of a list run on: "a, b" in English, "甲、乙" in Chinese."""
    return ("、" if lang == "zh" else ", ").join(items)


_TAG = re.compile(r"<[^>]*>")


def tp(lang: str, msgid: str, /, **values: object) -> str:
    """The plain text of a text (buttons, toasts, the command menu): tags dropped,
    entities unescaped, values filled as they are."""
    text = html.unescape(_TAG.sub("", gettext(lang, msgid)))
    return text.format(**values) if values else text
