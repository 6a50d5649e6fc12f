"""Telegram HTML building blocks shared by the renderers; pure functions.

Everything that comes from a digest is escaped; the only markup is ours: <b>, <i>
and <a href="...">. Digest parts are measured as Telegram measures them: the visible
text after parsing, in UTF-16 code units (`visible_len`); the plain-text fallback
(`html_to_plain`) drops the link addresses it would add when they would not fit.
"""

from __future__ import annotations

import re
from datetime import datetime
from html import escape, unescape
from html.parser import HTMLParser

from bot.i18n import N_, t
from bot.timezones import localize, offset_label

MAX_MESSAGE = 4096  # UTF-16 code units per message
MAX_ENTITIES = 100  # formatting entities per message
MAX_AUTHOR = 64


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji outside the BMP is 2)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


_TAG = re.compile(r"<[^>]*>")


def visible_len(html: str) -> int:
    """The length Telegram counts against MAX_MESSAGE: the text after its HTML is parsed
    (tags and link addresses gone, entities unescaped), in UTF-16 code units."""
    return utf16_len(unescape(_TAG.sub("", html)))


def entity_count(html: str) -> int:
    """Formatting entities in our HTML: every entity is a tag pair, and text is escaped."""
    return html.count("</")


def text_html(text: str) -> str:
    return escape(text, quote=False)


def safe_url(url: str | None) -> str | None:
    """Only links Telegram accepts and that cannot run anything."""
    if not url:
        return None
    url = url.strip()
    if re.match(r"(?i)(https?|tg)://\S+$", url) or re.match(r"(?i)mailto:\S+$", url):
        return url
    return None


def link(url: str, inner_html: str) -> str:
    return f'<a href="{escape(url, quote=True)}">{inner_html}</a>'


def clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip() + "…"


UNTITLED = N_("(untitled)")
DATE_TIME = N_("{year}-{month:02d}-{day:02d} {hour:02d}:{minute:02d}")


DATE = N_("{year}-{month:02d}-{day:02d}")


def format_published(when: datetime, tz: str, lang: str = "en") -> str:
    """When a digest was published. A post that gave only its day is parsed as the
    start of that day in its own zone (bot/digest/dates.py): it is shown as that day,
    not as a made-up midnight moved into the chat's zone."""
    if (when.hour, when.minute, when.second, when.microsecond) == (0, 0, 0, 0):
        return t(lang, DATE, year=when.year, month=when.month, day=when.day)
    return format_time(when, tz, lang)


def format_time(when: datetime, tz: str, lang: str = "en", *, with_zone: bool = True) -> str:
    """ "2025-12-20 12:00 (UTC+8)" in the chat's zone; tz "" keeps the time's own offset
    (as the digest was published). The zone is named by its offset."""
    local = localize(when, tz)
    text = t(lang, DATE_TIME, year=local.year, month=local.month, day=local.day,
             hour=local.hour, minute=local.minute)  # fmt: skip
    return f"{text} ({offset_label(local)})" if with_zone else text


# ---- plain-text fallback --------------------------------------------------------------


class _PlainText(HTMLParser):
    def __init__(self, urls: bool = True) -> None:
        super().__init__(convert_charrefs=True)
        self.urls = urls
        self.out: list[str] = []
        self.links: list[tuple[str | None, int]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.links.append((dict(attrs).get("href"), len(self.out)))
        elif tag == "br":
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self.links:
            href, start = self.links.pop()
            text = "".join(self.out[start:]).strip()
            if self.urls and href and href.strip() != text:
                self.out.append(f" ({href})")

    def handle_data(self, data: str) -> None:
        self.out.append(data)


def html_to_plain(html: str, limit: int = MAX_MESSAGE) -> str:
    """Telegram HTML as plain text (for the "can't parse entities" fallback): tags
    stripped, entities unescaped, each link's URL in parentheses after its text, unless
    that makes it longer than `limit` UTF-16 units (parts are packed to the limit of
    their visible text): then without the URLs."""
    for urls in (True, False):
        parser = _PlainText(urls)
        parser.feed(html)
        parser.close()
        text = "".join(parser.out)
        if not urls or utf16_len(text) <= limit:
            return text
    return text
