"""Inline keyboards and the panels that go with them, in the chat's language.

Callback data stays under Telegram's 64 bytes: `<kind>:<args>`; each kind has its
own CallbackQueryHandler and a pattern that admits only well-formed data (PATTERNS).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.delivery import more
from bot.digest.topics import KEYWORD_PREFIX, TOPIC_KEYS, topic_name
from bot.i18n import t, tp
from bot.preferences import Schedule
from bot.telegram import texts
from bot.timezones import localize, zone_for
from storage.subscribers import ChatStatus, Subscriber

SEARCH, TOPIC, KEYWORD, SETTING, FORGET = "s", "t", "k", "set", "forget"
MORE = more.PREFIX  # "Show N more" under a long push or /latest (bot/delivery/more.py)
CHANNEL = "ch"  # a channel's settings, changed from a private chat (/channels)
SOURCE = "src"  # /sources: take or drop a source (src:<token>:<page>), or a page (src:p:<page>)
DIGESTS = "dg"  # /digests: a page (dg:p:<page>) or open one (dg:o:<published ts>:<ref>)
MAX_CALLBACK_BYTES = 64

COMMON_ZONES = ("Asia/Shanghai", "UTC", "Europe/London", "America/New_York")
QUIET_CHOICES = ("22-7", "23-8")

# What each kind's data may look like; anything else is answered "out of date".
PATTERNS = {
    SEARCH: r"^s:[A-Za-z0-9_-]{8,24}:\d{1,5}$",
    TOPIC: r"^t:(" + "|".join(TOPIC_KEYS) + r")$",
    KEYWORD: r"^k:[0-9a-f]{12}$",
    SETTING: r"^set:(format|alerts|previews|lang|tz|quiet|schedule|repeats|messages)"
    r":[A-Za-z0-9_/+:-]{1,40}$",
    FORGET: r"^forget:(yes|no)$",
    CHANNEL: r"^ch:-100\d{1,13}:(format|alerts|previews|lang|tz|quiet|status|schedule|repeats"
    r"|messages|source)"
    r":[A-Za-z0-9_/+:-]{1,40}$",
    MORE: more.PATTERN,
    SOURCE: r"^src:([0-9a-f]{12}|p):\d{1,4}$",
    DIGESTS: r"^dg:(p:\d{1,6}|o:\d{1,12}:[0-9a-f]{8})$",
}


def button(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=data)


def rows_of(buttons: list[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + width] for i in range(0, len(buttons), width)]


def keyword_token(follow: str) -> str:
    """A keyword's (or a source's) button id: a hash, so any name has its button."""
    return hashlib.sha256(follow.encode("utf-8", "surrogatepass")).hexdigest()[:12]


def pager(kind: str, page: int, pages: int, lang: str) -> list[InlineKeyboardButton]:
    """◀ Previous / Next ▶ between pages 0..pages-1: data "<kind>:p:<page>"."""
    row = []
    if page > 0:
        row.append(button(tp(lang, texts.BUTTON_PREVIOUS), f"{kind}:p:{page - 1}"))
    if page + 1 < pages:
        row.append(button(tp(lang, texts.BUTTON_NEXT), f"{kind}:p:{page + 1}"))
    return row


# ---- topic names -------------------------------------------------------------------------


# ---- search ------------------------------------------------------------------------------


def search_pager(
    token: str, offset: int, size: int, has_more: bool, lang: str
) -> InlineKeyboardMarkup | None:
    row = []
    if offset > 0:
        row.append(
            button(tp(lang, texts.BUTTON_PREVIOUS), f"{SEARCH}:{token}:{max(0, offset - size)}")
        )
    if has_more:
        row.append(button(tp(lang, texts.BUTTON_NEXT), f"{SEARCH}:{token}:{offset + size}"))
    return InlineKeyboardMarkup([row]) if row else None


# ---- settings ----------------------------------------------------------------------------


def _chosen(lang: str, label: str, chosen: bool) -> str:
    return tp(lang, texts.BUTTON_CHOSEN, label=label) if chosen else label


def _quiet_value(subscriber: Subscriber) -> str:
    if subscriber.quiet_from is None or subscriber.quiet_to is None:
        return "off"
    return f"{subscriber.quiet_from}-{subscriber.quiet_to}"


def setting_value(name: str, subscriber: Subscriber, lang: str, zone: str = "") -> str:
    """A setting's current value as the user reads it (plain text); a time (quiet hours,
    a roundup's) names `zone` ("UTC+8", the chat's clock) when it is given."""
    named = f" ({zone})" if zone else ""
    if name == "format":
        names = {
            "full": texts.FORMAT_FULL,
            "brief": texts.FORMAT_BRIEF,
            "headlines": texts.FORMAT_HEADLINES,
        }
        return tp(lang, names.get(subscriber.format, texts.FORMAT_FULL))
    if name == "previews":
        return tp(lang, texts.ON if subscriber.previews else texts.OFF)
    if name == "alerts":
        return tp(
            lang, texts.ALERTS_TOPICS if subscriber.alerts_mode == "topics" else texts.ALERTS_ALL
        )
    if name == "lang":
        return tp(lang, texts.LANG_ZH if subscriber.language == "zh" else texts.LANG_EN)
    if name == "tz":
        return subscriber.tz or tp(lang, texts.TZ_NOT_CHOSEN)
    if name == "quiet":
        if subscriber.quiet_from is None or subscriber.quiet_to is None:
            return tp(lang, texts.OFF)
        quiet = tp(lang, texts.QUIET_RANGE, start=subscriber.quiet_from, end=subscriber.quiet_to)
        return quiet + named
    if name == "schedule":
        scheduled = subscriber.schedule.scheduled
        return schedule_text(subscriber.schedule, lang) + (named if scheduled else "")
    if name == "repeats":
        names = {"hide": texts.REPEATS_HIDE, "show": texts.REPEATS_SHOW}
        return tp(lang, names.get(subscriber.repeats, texts.REPEATS_FOLD))
    if name == "messages":
        return str(subscriber.max_messages)
    raise ValueError(name)


def schedule_text(schedule: Schedule, lang: str) -> str:
    """ "a roundup every Monday at 08:00" (plain text)."""
    if not schedule.scheduled or schedule.minute is None:
        return tp(lang, texts.SCHEDULE_INSTANT)
    clock = f"{schedule.minute // 60:02d}:{schedule.minute % 60:02d}"
    if schedule.kind == "weekly" and schedule.day is not None:
        day = tp(lang, texts.DAY_NAMES[schedule.day])
        return tp(lang, texts.SCHEDULE_WEEKLY, day=day, time=clock)
    return tp(lang, texts.SCHEDULE_DAILY, time=clock)


def setting_buttons(name: str, subscriber: Subscriber, lang: str) -> list[InlineKeyboardButton]:
    """The choices of one setting, the current one marked."""

    def choice(label: str, value: str, current: str) -> InlineKeyboardButton:
        return button(_chosen(lang, label, value == current), f"{SETTING}:{name}:{value}")

    if name == "format":
        return [
            choice(tp(lang, texts.BUTTON_FORMAT_FULL), "full", subscriber.format),
            choice(tp(lang, texts.BUTTON_FORMAT_BRIEF), "brief", subscriber.format),
            choice(tp(lang, texts.BUTTON_FORMAT_HEADLINES), "headlines", subscriber.format),
        ]
    if name == "previews":
        current = "on" if subscriber.previews else "off"
        return [
            choice(tp(lang, texts.BUTTON_PREVIEWS_ON), "on", current),
            choice(tp(lang, texts.BUTTON_PREVIEWS_OFF), "off", current),
        ]
    if name == "alerts":
        return [
            choice(tp(lang, texts.BUTTON_ALERTS_ALL), "all", subscriber.alerts_mode),
            choice(tp(lang, texts.BUTTON_ALERTS_TOPICS), "topics", subscriber.alerts_mode),
        ]
    if name == "lang":
        return [
            choice(tp(lang, texts.LANG_ZH), "zh", subscriber.language),
            choice(tp(lang, texts.LANG_EN), "en", subscriber.language),
        ]
    if name == "tz":
        current = subscriber.tz or "off"
        buttons = [choice(zone, zone, current) for zone in COMMON_ZONES]
        return [*buttons, choice(tp(lang, texts.BUTTON_TZ_PUBLISHED), "off", current)]
    if name == "schedule":
        current = subscriber.schedule.text().replace(" ", "-")
        return [
            choice(tp(lang, texts.BUTTON_SCHEDULE_INSTANT), "instant", current),
            choice(tp(lang, texts.BUTTON_SCHEDULE_DAILY, time="08:00"), "daily-08:00", current),
            choice(tp(lang, texts.BUTTON_SCHEDULE_WEEKLY, time="08:00"), "weekly-mon-08:00",
                   current),
        ]  # fmt: skip
    if name == "repeats":
        return [
            choice(tp(lang, texts.BUTTON_REPEATS_FOLD), "fold", subscriber.repeats),
            choice(tp(lang, texts.BUTTON_REPEATS_HIDE), "hide", subscriber.repeats),
            choice(tp(lang, texts.BUTTON_REPEATS_SHOW), "show", subscriber.repeats),
        ]
    if name == "messages":
        current = str(subscriber.max_messages)
        return [
            choice(tp(lang, texts.BUTTON_MESSAGES, count=n), n, current) for n in ("1", "3", "5")
        ]
    if name == "quiet":
        current = _quiet_value(subscriber)
        buttons = [choice(tp(lang, texts.BUTTON_QUIET_OFF), "off", current)]
        for value in QUIET_CHOICES:
            start, end = (int(hour) for hour in value.split("-"))
            quiet_range = tp(lang, texts.QUIET_RANGE, start=start, end=end)
            label = tp(lang, texts.BUTTON_QUIET, range=quiet_range)
            buttons.append(choice(label, value, current))
        return buttons
    raise ValueError(name)


def _label_key(label: str) -> str:
    return " ".join(label.replace("•", " ").replace("–", "-").casefold().split())


def typed_choice(name: str, typed: str, subscriber: Subscriber) -> str | None:
    """The value of the button whose label, in either language, is what was typed
    ("简要", "Hide repeats", "每周一 08:00"): every choice a button shows is accepted typed."""
    wanted = _label_key(typed)
    for lang in ("zh", "en"):
        for choice in setting_buttons(name, subscriber, lang):
            if _label_key(choice.text) == wanted:
                return str(choice.callback_data).split(":", 2)[2]
    return None


def setting_keyboard(name: str, subscriber: Subscriber, lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(rows_of(setting_buttons(name, subscriber, lang), 3))


SETTINGS_PANEL = (
    ("format", texts.SETTINGS_FORMAT),
    ("previews", texts.SETTINGS_PREVIEWS),
    ("alerts", texts.SETTINGS_ALERTS),
    ("lang", texts.SETTINGS_LANG),
    ("tz", texts.SETTINGS_TZ),
    ("quiet", texts.SETTINGS_QUIET),
    ("schedule", texts.SETTINGS_SCHEDULE),
    ("repeats", texts.SETTINGS_REPEATS),
    ("messages", texts.SETTINGS_MESSAGES),
)
_STATUS = {
    ChatStatus.ACTIVE: texts.STATUS_ACTIVE,
    ChatStatus.PAUSED: texts.STATUS_PAUSED,
    ChatStatus.BLOCKED: texts.STATUS_BLOCKED,
}


def setting_line(name: str, subscriber: Subscriber, lang: str, zone: str = "") -> str:
    """ "Format: <b>brief</b>": one setting's line of the panel."""
    line = dict(SETTINGS_PANEL)[name]
    return t(lang, line, value=setting_value(name, subscriber, lang, zone))


def settings_lines(subscriber: Subscriber, lang: str, zone: str = "") -> str:
    """The status and one line per setting; times name `zone` (the chat's clock)."""
    lines = [t(lang, texts.SETTINGS_STATUS, status=t(lang, _STATUS[subscriber.status]))]
    lines += [setting_line(name, subscriber, lang, zone) for name, _ in SETTINGS_PANEL]
    return "\n".join(lines)


def settings_text(subscriber: Subscriber, lang: str, zone: str = "") -> str:
    return "\n".join(
        [
            t(lang, texts.SETTINGS_TITLE),
            settings_lines(subscriber, lang, zone),
            "",
            t(lang, texts.SETTINGS_FOOTER),
        ]
    )


def settings_keyboard(subscriber: Subscriber, lang: str) -> InlineKeyboardMarkup:
    rows = []
    for name, _ in SETTINGS_PANEL:
        rows += rows_of(setting_buttons(name, subscriber, lang), 3 if name != "tz" else 2)
    return InlineKeyboardMarkup(rows)


def channel_keyboard(
    chat_id: int,
    subscriber: Subscriber,
    lang: str,
    sources: Sequence[tuple[str, bool]] = (),
) -> InlineKeyboardMarkup:
    """A channel's settings panel for a private chat: sending on or off, then the same
    choices as /settings, then a toggle per source ((name, taken)), each button naming
    the channel."""
    active = subscriber.status == ChatStatus.ACTIVE
    status = button(
        tp(lang, texts.BUTTON_CHANNEL_STOP if active else texts.BUTTON_CHANNEL_START),
        f"{CHANNEL}:{chat_id}:status:{'paused' if active else 'active'}",
    )
    rows = [[status]]
    for row in settings_keyboard(subscriber, lang).inline_keyboard:
        rows.append(
            [
                button(b.text, f"{CHANNEL}:{chat_id}:" + str(b.callback_data).split(":", 1)[1])
                for b in row
            ]
        )
    toggles = [
        button(f"{'✅' if taken else '▫️'} {name[:40]}",
               f"{CHANNEL}:{chat_id}:source:{keyword_token(name)}")
        for name, taken in sources
    ]  # fmt: skip
    return InlineKeyboardMarkup(rows + rows_of(toggles, 2))


def local_time_now(tz: str, now: datetime) -> str:
    """ "14:05" in the zone `tz` at the aware datetime `now`."""
    local = localize(now, tz) if zone_for(tz) is not None else now
    return local.strftime("%H:%M")


# ---- topics ------------------------------------------------------------------------------


def topics_keyboard(subscriber: Subscriber, lang: str) -> InlineKeyboardMarkup:
    buttons = [
        button(
            ("✅ " if key in subscriber.topics else "") + topic_name(key, lang), f"{TOPIC}:{key}"
        )
        for key in TOPIC_KEYS
    ]
    buttons += [
        button(
            tp(lang, texts.BUTTON_REMOVE_KEYWORD, keyword=topic_name(follow, lang)[:40]),
            f"{KEYWORD}:{keyword_token(follow)}",
        )
        for follow in sorted(subscriber.topics)
        if follow.startswith(KEYWORD_PREFIX)
    ]
    return InlineKeyboardMarkup(rows_of(buttons, 2))


def forget_keyboard(lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                button(tp(lang, texts.BUTTON_FORGET_YES), f"{FORGET}:yes"),
                button(tp(lang, texts.BUTTON_FORGET_NO), f"{FORGET}:no"),
            ]
        ]
    )


def sources_keyboard(
    names: list[str], taken: frozenset[str], page: int, pages: int, lang: str
) -> InlineKeyboardMarkup:
    """A toggle per source of the page, then the pager."""
    buttons = [
        button(
            f"{'✅' if name in taken else '▫️'} {name[:40]}",
            f"{SOURCE}:{keyword_token(name)}:{page}",
        )
        for name in names
    ]
    rows = rows_of(buttons, 2)
    nav = pager(SOURCE, page, pages, lang)
    return InlineKeyboardMarkup([*rows, nav] if nav else rows)


def digests_keyboard(
    opens: list[tuple[int, str]], page: int, pages: int, lang: str
) -> InlineKeyboardMarkup:
    """A numbered button per digest listed ((number, data)), then the pager."""
    rows = rows_of([button(str(number), data) for number, data in opens], 5)
    nav = pager(DIGESTS, page, pages, lang)
    return InlineKeyboardMarkup([*rows, nav] if nav else rows)
