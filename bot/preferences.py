"""How a chat wants its digests: the preference profile. Pure; no I/O.

Not a digest model: the digest domain renders *for* a profile, storage keeps the
columns, the Telegram face changes them.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.timezones import resolve_timezone, zone_for

FORMATS = ("full", "brief", "headlines")
ALERTS_MODES = ("all", "topics")
REPEATS_MODES = ("fold", "hide", "show")  # stories the chat already has: one line, none, in full
SCHEDULES = ("instant", "daily", "weekly")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MIN_MESSAGES, MAX_MESSAGES, DEFAULT_MESSAGES = 1, 10, 3  # messages a push sends at once


@dataclass(frozen=True)
class Profile:
    """Everything that changes how a digest looks to a chat. Chats with equal
    profiles get the same rendered parts, so a digest is rendered once per profile."""

    format: str = "full"  # full | brief | headlines
    previews: bool = False
    tz: str = "UTC"  # IANA zone, or "" for each digest's own offset
    alerts_mode: str = "all"  # all: whole digest, matches marked; topics: matching items only
    topics: frozenset[str] = frozenset()  # built-in topic keys and "kw:<keyword>"
    lang: str = "en"  # the interface language of headers and labels ("en" | "zh")
    repeats: str = "fold"  # stories the chat already has in full: fold | hide | show
    max_messages: int = DEFAULT_MESSAGES  # messages sent at once; the rest behind a button
    mutes: frozenset[str] = frozenset()  # muted words: items containing one are left out
    # Of the sources of a digest's earlier tellings, those the chat takes (None: all):
    # a story told first in a source the chat does not take is new to it.
    had_from: frozenset[str] | None = None

    def key(self) -> str:
        """A short key naming this profile, unambiguous whatever the topics contain:
        a hash of a canonical JSON encoding (a join of the topics with "," let a
        keyword holding a comma collide with two others). The schedule is not in it:
        it changes when a chat gets its messages, not what they say."""
        fields = [self.format, self.previews, self.tz, self.alerts_mode, sorted(self.topics),
                  self.lang, self.repeats, self.max_messages]  # fmt: skip
        if self.mutes:  # only then: the keys of profiles without mutes stay as they were
            fields.append(sorted(self.mutes))
        if self.had_from is not None:
            fields.append(["had_from", *sorted(self.had_from)])
        canonical = json.dumps(
            fields,
            ensure_ascii=False,
            separators=(",", ":"),
        )  # fmt: skip
        return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def quiet_until(quiet_from: int | None, quiet_to: int | None, tz: str, now: float) -> float | None:
    """When quiet hours [quiet_from, quiet_to) in zone `tz` (UTC when none) end, if
    `now` is inside them; None otherwise. The window may wrap midnight (23-7)."""
    start, end = quiet_from, quiet_to
    if start is None or end is None or start == end:
        return None
    local = datetime.fromtimestamp(now, zone_for(tz) or UTC)
    hour = local.hour
    inside = start <= hour < end if start < end else (hour >= start or hour < end)
    if not inside:
        return None
    ends = local.replace(hour=end, minute=0, second=0, microsecond=0)
    if ends <= local:
        ends += timedelta(days=1)
    return ends.timestamp()


# --- typed and pressed settings -------------------------------------------------------

SETTINGS = (
    "format",
    "alerts",
    "previews",
    "tz",
    "quiet",
    "lang",
    "schedule",
    "repeats",
    "messages",
)
ON_OFF = ("on", "off")
LANGS = ("zh", "en")


class SettingError(ValueError):
    """A value a setting does not take. The Telegram face shows the setting's usage,
    its current value and the choices; `suggestions` are close matches, if any;
    `problem` names what was wrong when it is more than "not a choice": "hour",
    "minute", "day", "whole_hours", "same_hours", "messages", "tz_ambiguous"."""

    def __init__(
        self, setting: str, value: str, suggestions: tuple[str, ...] = (), problem: str = ""
    ) -> None:
        super().__init__(f"{setting}: {value[:40]!r}")
        self.setting = setting
        self.value = value
        self.suggestions = suggestions
        self.problem = problem


# Words typed for a value besides its key ("brief"); the Telegram face also takes the
# label of every button, in either language (bot/telegram/keyboards.py typed_choice).
VALUE_WORDS = {
    "format": {"完整": "full", "全文": "full", "简要": "brief", "简短": "brief",
               "仅标题": "headlines", "标题": "headlines"},
    "alerts": {"全部": "all", "每期": "all", "每一期": "all", "every": "all",
               "主题": "topics", "我的主题": "topics", "mine": "topics"},
    "previews": {"开": "on", "开启": "on", "打开": "on", "关": "off", "关闭": "off"},
    "lang": {"中文": "zh", "chinese": "zh", "英文": "en", "english": "en"},
    "repeats": {"折叠": "fold", "隐藏": "hide", "照发": "show", "显示": "show"},
}  # fmt: skip
# /tz back to "as published" (DEFAULT_TZ, else each digest's own offset).
TZ_OFF = ("off", "none", "default", "reset", "published", "as published",
          "默认", "关", "关闭", "按发布", "按发布时区", "发布时区")  # fmt: skip


def parse_setting(name: str, value: str) -> dict[str, Any]:
    """A typed or pressed value as subscriber columns; SettingError when it is not one."""
    value = " ".join(value.split())[:200]
    lowered = VALUE_WORDS.get(name, {}).get(value.lower(), value.lower())
    if name == "format" and lowered in FORMATS:
        return {"format": lowered}
    if name == "alerts" and lowered in ALERTS_MODES:
        return {"alerts_mode": lowered}
    if name == "previews" and lowered in ON_OFF:
        return {"previews": lowered == "on"}
    if name == "lang" and lowered in LANGS:
        return {"lang": lowered}
    if name == "tz":
        if lowered in TZ_OFF:
            return {"tz": ""}
        choice = resolve_timezone(value)
        if choice.tz is None:
            problem = "tz_ambiguous" if choice.ambiguous else ""
            raise SettingError(name, value, choice.suggestions, problem)
        return {"tz": choice.tz}
    if name == "quiet":
        if lowered in ("off", "none", "no", "关", "关闭", "不设"):
            return {"quiet_from": None, "quiet_to": None}
        hours = parse_quiet_hours(lowered)
        if isinstance(hours, str):
            raise SettingError(name, value, problem=hours)
        if hours is not None:
            return {"quiet_from": hours[0], "quiet_to": hours[1]}
    if name == "repeats" and lowered in REPEATS_MODES:
        return {"repeats": lowered}
    if name == "messages":
        # isascii: "²".isdigit() and "①".isdigit() are true, and int() refuses them.
        if lowered.isascii() and lowered.isdigit() and MIN_MESSAGES <= int(lowered) <= MAX_MESSAGES:
            return {"max_messages": int(lowered)}
        raise SettingError(name, value, problem="messages")
    if name == "schedule":
        schedule = parse_schedule(lowered)
        if schedule is not None:
            return {"schedule": schedule.kind, "schedule_day": schedule.day,
                    "schedule_minute": schedule.minute}  # fmt: skip
        raise SettingError(name, value, problem=schedule_problem(lowered))
    raise SettingError(name, value)


def parse_quiet_hours(text: str) -> tuple[int, int] | str | None:
    """ "23-7", "23:00-07:00", "23–7" -> (23, 7); what was wrong ("hour", "whole_hours",
    "same_hours") when it is two times but not two different whole hours; None when it
    is not two times at all. Minutes are refused, not dropped: 22:30 is not 22:00."""
    parts = text.replace("–", "-").replace("—", "-").replace("~", "-").replace(" ", "").split("-")
    if len(parts) != 2 or not all(parts):
        return None
    times = [_TIME.match(part.replace("：", ":")) for part in parts]
    if not all(times):
        return None
    hours = [int(match.group(1)) for match in times if match]
    minutes = [int(match.group(2) or 0) for match in times if match]
    if not all(0 <= hour <= 23 for hour in hours):
        return "hour"
    if any(minutes):
        return "whole_hours"
    if hours[0] == hours[1]:
        return "same_hours"
    return hours[0], hours[1]


# --- schedules: instant pushes, or a daily or weekly roundup ---------------------------

_DAY_NAMES = {
    **{day: n for n, day in enumerate(DAYS)},
    **{name: n for n, name in enumerate(("monday", "tuesday", "wednesday", "thursday",
                                          "friday", "saturday", "sunday"))},
    **{f"{prefix}{char}": n for n, char in enumerate("一二三四五六日")
       for prefix in ("周", "星期", "礼拜")},
    "周天": 6, "星期天": 6, "礼拜天": 6,
}  # fmt: skip
_TIME = re.compile(r"^(\d{1,2})(?:[:：.](\d{2}))?$")
_JOINER = re.compile(r"(?<=\w)[-_](?=\w)")


@dataclass(frozen=True)
class Schedule:
    """When a chat gets its digests: each as it is published ("instant"), or a roundup
    every day or every week at `minute` minutes after midnight (and on `day`, 0 =
    Monday, for "weekly") in the chat's time zone."""

    kind: str = "instant"
    minute: int | None = None
    day: int | None = None

    @property
    def scheduled(self) -> bool:
        return self.kind != "instant"

    def text(self) -> str:
        """The typed form: "instant", "daily 08:00", "weekly mon 08:00"."""
        if not self.scheduled or self.minute is None:
            return "instant"
        clock = f"{self.minute // 60:02d}:{self.minute % 60:02d}"
        if self.kind == "weekly" and self.day is not None:
            return f"weekly {DAYS[self.day]} {clock}"
        return f"daily {clock}"


INSTANT = Schedule()


def parse_schedule(text: str) -> Schedule | None:
    """ "instant", "daily 8:00", "daily 08:30", "weekly mon 08:00", "weekly 周一 8:00",
    "每天 08:00", "每周 周五 18:00" -> Schedule; None when it is not one. The button
    data spells them daily-08:00 and weekly-mon-08:00."""
    # A dash between two words (button data) is a space; "-1:00" stays a bad time.
    words = _JOINER.sub(" ", text.lower()).split()
    if not words:
        return None
    kind, rest = words[0], words[1:]
    kind = {"每天": "daily", "每日": "daily", "每周": "weekly", "即时": "instant"}.get(kind, kind)
    if kind in ("instant", "now", "off") and not rest:
        return Schedule()
    if kind == "daily" and len(rest) == 1:
        minute = _parse_time(rest[0])
        return None if minute is None else Schedule("daily", minute)
    if kind == "weekly" and len(rest) == 2:
        day = _DAY_NAMES.get(rest[0])
        minute = _parse_time(rest[1])
        if day is None or minute is None:
            return None
        return Schedule("weekly", minute, day)
    return None


def schedule_problem(text: str) -> str:
    """Why `text` is not a schedule, when it can be told: "hour", "minute" or "day"."""
    words = text.lower().replace("-", " ").replace("_", " ").split()
    for word in words:
        match = _TIME.match(word)
        if match and int(match.group(1)) > 23:
            return "hour"
        if match and int(match.group(2) or 0) > 59:
            return "minute"
    if len(words) == 3 and words[0] in ("weekly", "每周") and words[1] not in _DAY_NAMES:
        return "day"
    return ""


def _parse_time(text: str) -> int | None:
    """ "8", "8:00", "08:30", "20.15" (24-hour) -> minutes after midnight."""
    match = _TIME.match(text)
    if match is None:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if hour > 23 or minute > 59:
        return None
    return hour * 60 + minute


def next_roundup(schedule: Schedule, tz: str, after: float) -> float | None:
    """The first time strictly after `after` (unix seconds) when `schedule` is due, in
    zone `tz` (UTC when none); None for instant. Wall-clock times: 08:00 stays 08:00
    across a daylight-saving change; a time a change skips comes an hour later."""
    if not schedule.scheduled or schedule.minute is None:
        return None
    zone = zone_for(tz) or UTC
    local = datetime.fromtimestamp(after, zone)
    hour, minute = divmod(schedule.minute, 60)
    for days in range(0, 9):
        date = (local + timedelta(days=days)).date()
        if schedule.kind == "weekly" and date.weekday() != schedule.day:
            continue
        due = datetime(date.year, date.month, date.day, hour, minute, tzinfo=zone)
        due = datetime.fromtimestamp(due.timestamp(), zone)  # a skipped time moves on
        if due.timestamp() > after:
            return due.timestamp()
    raise AssertionError("a weekly schedule is due within 8 days")


def last_roundup(schedule: Schedule, tz: str, now: float) -> float | None:
    """The latest time at or before `now` when `schedule` was due (None for instant)."""
    if not schedule.scheduled:
        return None
    span = 8 * 86400 if schedule.kind == "weekly" else 2 * 86400
    due = next_roundup(schedule, tz, now - span)
    while due is not None:
        following = next_roundup(schedule, tz, due)
        if following is None or following > now:
            return due
        due = following
    return None
