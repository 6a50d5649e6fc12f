"""How a chat wants its digests: the preference profile. Pure; no I/O.

Not a digest model: the digest domain renders *for* a profile, storage keeps the
columns, the Telegram face changes them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.timezones import resolve_timezone, zone_for

FORMATS = ("full", "brief", "headlines")
ALERTS_MODES = ("all", "topics")


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

    def key(self) -> str:
        """A short key naming this profile, unambiguous whatever the topics contain:
        a hash of a canonical JSON encoding (a join of the topics with "," let a
        keyword holding a comma collide with two others)."""
        canonical = json.dumps(
            [self.format, self.previews, self.tz, self.alerts_mode, sorted(self.topics), self.lang],
            ensure_ascii=False,
            separators=(",", ":"),
        )
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

SETTINGS = ("format", "alerts", "previews", "tz", "quiet", "lang")
ON_OFF = ("on", "off")
LANGS = ("zh", "en")


class SettingError(ValueError):
    """A value a setting does not take. The Telegram face shows the setting's usage,
    its current value and the choices; `suggestions` are close matches, if any."""

    def __init__(self, setting: str, value: str, suggestions: tuple[str, ...] = ()) -> None:
        super().__init__(f"{setting}: {value[:40]!r}")
        self.setting = setting
        self.value = value
        self.suggestions = suggestions


def parse_setting(name: str, value: str) -> dict[str, object]:
    """A typed or pressed value as subscriber columns; SettingError when it is not one."""
    value = " ".join(value.split())[:200]
    lowered = value.lower()
    if name == "format" and lowered in FORMATS:
        return {"format": lowered}
    if name == "alerts" and lowered in ALERTS_MODES:
        return {"alerts_mode": lowered}
    if name == "previews" and lowered in ON_OFF:
        return {"previews": lowered == "on"}
    if name == "lang" and lowered in LANGS:
        return {"lang": lowered}
    if name == "tz":
        choice = resolve_timezone(value)
        if choice.tz is None:
            raise SettingError(name, value, choice.suggestions)
        return {"tz": choice.tz}
    if name == "quiet":
        if lowered in ("off", "none", "no", "关", "关闭"):
            return {"quiet_from": None, "quiet_to": None}
        hours = parse_quiet_hours(lowered)
        if hours is not None:
            return {"quiet_from": hours[0], "quiet_to": hours[1]}
    raise SettingError(name, value)


def parse_quiet_hours(text: str) -> tuple[int, int] | None:
    """ "23-7", "23:00-07:00", "23–7" -> (23, 7); None when it is not two different hours."""
    parts = text.replace("–", "-").replace("—", "-").replace("~", "-").replace(" ", "").split("-")
    if len(parts) != 2 or not all(parts):
        return None
    try:
        start_hour, end_hour = (int(part.split(":")[0][:2]) for part in parts)
    except ValueError:
        return None
    if not (0 <= start_hour <= 23 and 0 <= end_hour <= 23) or start_hour == end_hour:
        return None
    return start_hour, end_hour
