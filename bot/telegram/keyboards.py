"""Inline keyboards and the texts that go with them. Callback data stays under
Telegram's 64 bytes: `<kind>:<args>` with short kinds."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.digest.topics import BUILTIN_TOPICS, follow_label
from storage.subscribers import Subscriber

SEARCH, TOPIC, SETTING, FORGET = "s", "t", "set", "forget"
MAX_CALLBACK_BYTES = 64

COMMON_ZONES = ("UTC", "Asia/Shanghai", "Europe/London", "America/New_York")
QUIET_CHOICES = (("off", "Off"), ("22-7", "22–07"), ("23-8", "23–08"))


def escape(text: str) -> str:
    return html.escape(text, quote=False)


def button(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=data)


def fits(data: str) -> bool:
    return len(data.encode()) <= MAX_CALLBACK_BYTES


def search_pager(
    query_id: int, offset: int, size: int, has_more: bool
) -> InlineKeyboardMarkup | None:
    row = []
    if offset > 0:
        row.append(button("◀ Previous", f"{SEARCH}:{query_id}:{max(0, offset - size)}"))
    if has_more:
        row.append(button("Next ▶", f"{SEARCH}:{query_id}:{offset + size}"))
    return InlineKeyboardMarkup([row]) if row else None


def _choice(label: str, chosen: bool) -> str:
    return f"• {label} •" if chosen else label


def settings_text(subscriber: Subscriber) -> str:
    quiet = (
        f"{subscriber.quiet_from:02d}:00–{subscriber.quiet_to:02d}:00"
        if subscriber.quiet_from is not None and subscriber.quiet_to is not None
        else "off"
    )
    alerts = "only items of my topics" if subscriber.alerts_mode == "topics" else "every digest"
    status = {"active": "subscribed", "paused": "not subscribed (/start)", "blocked": "blocked"}
    return "\n".join(
        [
            "<b>⚙️ Settings</b>",
            f"Status: {status.get(subscriber.status, subscriber.status)}",
            f"Format: <b>{subscriber.format}</b>",
            f"Link previews: <b>{'on' if subscriber.previews else 'off'}</b>",
            f"Alerts: <b>{alerts}</b>",
            f"Time zone: <b>{escape(subscriber.tz)}</b>",
            f"Quiet hours: <b>{quiet}</b>",
            "",
            "Tap to change, or type /format, /previews, /alerts, /tz, /quiet.",
        ]
    )


def settings_keyboard(subscriber: Subscriber) -> InlineKeyboardMarkup:
    quiet_now = (
        f"{subscriber.quiet_from}-{subscriber.quiet_to}"
        if subscriber.quiet_from is not None
        else "off"
    )
    rows = [
        [
            button(
                _choice(name.capitalize(), subscriber.format == name), f"{SETTING}:format:{name}"
            )
            for name in ("full", "brief", "headlines")
        ],
        [
            button(_choice("Previews on", subscriber.previews), f"{SETTING}:previews:on"),
            button(_choice("Previews off", not subscriber.previews), f"{SETTING}:previews:off"),
        ],
        [
            button(
                _choice("All digests", subscriber.alerts_mode == "all"), f"{SETTING}:alerts:all"
            ),
            button(
                _choice("Only my topics", subscriber.alerts_mode == "topics"),
                f"{SETTING}:alerts:topics",
            ),
        ],
        [
            button(_choice(zone, subscriber.tz == zone), f"{SETTING}:tz:{zone}")
            for zone in COMMON_ZONES[:2]
        ],
        [
            button(_choice(zone, subscriber.tz == zone), f"{SETTING}:tz:{zone}")
            for zone in COMMON_ZONES[2:]
        ],
        [
            button(_choice(f"Quiet {label}", quiet_now == value), f"{SETTING}:quiet:{value}")
            for value, label in QUIET_CHOICES
        ],
    ]
    return InlineKeyboardMarkup(rows)


def topics_text(subscriber: Subscriber) -> str:
    lines = ["<b>🔔 Topics</b>", "Tap to follow or unfollow. ✅ = following.", ""]
    for topic in BUILTIN_TOPICS.values():
        mark = "✅" if topic.key in subscriber.topics else "▫️"
        sample = ", ".join(topic.keywords[:4])
        lines.append(f"{mark} <b>{escape(topic.label)}</b> ({escape(sample)}, …)")
    own = sorted(t for t in subscriber.topics if t.startswith("kw:"))
    if own:
        lines += ["", "Your keywords: " + ", ".join(escape(follow_label(t)) for t in own)]
    mode = (
        "only matching items"
        if subscriber.alerts_mode == "topics"
        else "every digest, matches marked"
    )
    lines += ["", f"Alerts: {mode}. Add your own with /follow &lt;keyword&gt;."]
    return "\n".join(lines)


def topics_keyboard(subscriber: Subscriber) -> InlineKeyboardMarkup:
    buttons = [
        button(
            ("✅ " if topic.key in subscriber.topics else "") + topic.label, f"{TOPIC}:{topic.key}"
        )
        for topic in BUILTIN_TOPICS.values()
    ]
    buttons += [
        button(f"✖ {follow_label(t)}", f"{TOPIC}:{t}")
        for t in sorted(subscriber.topics)
        if t.startswith("kw:") and fits(f"{TOPIC}:{t}")
    ]
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def forget_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[button("Yes, delete everything", f"{FORGET}:yes"), button("No, keep", f"{FORGET}:no")]]
    )
