"""When a post was published, from whatever it offers.

A bare date (no time) is a day in the source's own zone: the zone the post names
elsewhere (`生成时间：2026-05-12 09:03（Asia/Shanghai）`, a timestamp's offset), else the
caller's default zone, else UTC (the same file giving the same instant anywhere). It
stands for the start of that day there.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# briefing_20251205T002438+0000.md, ...T001843Z
_COMPACT = re.compile(r"(20\d{2})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(Z|[+-]\d{4})?")
# 2025-12-11T00:18:43Z, 2025-12-05T00:24:38.545703Z, 2026-03-05T07:30:00+08:00
_ISO = re.compile(
    r"(20\d{2}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(Z|[+-]\d{2}:?\d{2})?"
)
# 2025-12-14, 2025/12/14, 2025.12.20, 2025年12月14日
_DAY = re.compile(r"(?<!\d)(20\d{2})[-/.年](\d{1,2})[-/.月](\d{1,2})(?!\d)")
# 25-12-19-not-much.md (AINews slugs: two-digit year first)
_SHORT_DAY = re.compile(r"^(\d{2})-(\d{2})-(\d{2})(?!\d)")
# 2026-W09 (an ISO week), 2026-02 (a month): a weekly or monthly post's period.
_WEEK = re.compile(r"(?<!\d)(20\d{2})-?W(\d{2})(?!\d)")
_MONTH = re.compile(r"(?<![\d-])(20\d{2})-(\d{2})(?![\d-])")


# 2026-05-12 09:03（Asia/Shanghai）: a local time and the zone it is in, by name.
_NAMED_ZONE_STAMP = re.compile(
    r"(20\d{2}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2})?)\s*[（(]([A-Za-z]+/[A-Za-z_+-]+)[)）]"
)
_NAMED_ZONE = re.compile(r"[（(]([A-Za-z]+/[A-Za-z_+-]+)[)）]")


def named_zone_stamp_in(text: str) -> datetime | None:
    """`2026-05-12 09:03（Asia/Shanghai）`: that local time in that zone."""
    match = _NAMED_ZONE_STAMP.search(text)
    if match is None:
        return None
    zone = _named_zone(match.group(3))
    try:
        moment = datetime.fromisoformat(f"{match.group(1)}T{match.group(2)}")
    except ValueError:
        return None
    return moment.replace(tzinfo=zone) if zone is not None else None


def zone_in(text: str) -> tzinfo | None:
    """The zone a text names: `(Asia/Shanghai)`, or a timestamp's offset (`+08:00`)."""
    for match in _NAMED_ZONE.finditer(text):
        zone = _named_zone(match.group(1))
        if zone is not None:
            return zone
    for match in _ISO.finditer(text):
        if match.group(3) not in (None, "Z"):  # an offset that was written, not assumed
            stamp = timestamp_in(match.group(0))
            return stamp.tzinfo if stamp is not None else None
    return None


def on_day_in(day: datetime, zone: tzinfo) -> datetime:
    """A bare day (midnight UTC as read) as the start of that day in `zone`."""
    return day.replace(tzinfo=zone)


def _named_zone(name: str) -> tzinfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def from_value(value: object) -> datetime | None:
    """A front-matter `date` as YAML gives it: datetime, date or string."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, str):
        return from_text(value.strip())
    return None


def from_text(text: str) -> datetime | None:
    """The first full timestamp in a text, else its first day."""
    return timestamp_in(text) or day_in(text)


def timestamp_in(text: str) -> datetime | None:
    match = _ISO.search(text)
    if match:
        day, clock, zone = match.groups()
        zone = {"Z": "+00:00", None: "+00:00"}.get(zone, zone)
        if len(zone) == 5:  # +0800
            zone = zone[:3] + ":" + zone[3:]
        try:
            return datetime.fromisoformat(f"{day}T{clock}{zone}")
        except ValueError:
            return None
    match = _COMPACT.search(text)
    if match:
        year, month, day, hour, minute, second, zone = match.groups()
        try:
            moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second))
        except ValueError:
            return None
        return moment.replace(tzinfo=_zone(zone) or UTC)
    return None


def day_in(text: str) -> datetime | None:
    match = _DAY.search(text)
    if match:
        return _midnight(*match.groups())
    return None


def day_in_name(name: str) -> datetime | None:
    """A day in a file name, also the two-digit-year AINews slugs."""
    found = day_in(name)
    if found:
        return found
    match = _SHORT_DAY.match(name)
    if match:
        year, month, day = match.groups()
        return _midnight(f"20{year}", month, day)
    return None


def period_end_in(text: str) -> datetime | None:
    """The last day of an ISO week (`2026-W09`: Sunday 2026-03-01) or of a month
    (`2026-02`: 2026-02-28) named in a text: a weekly or monthly post comes out when
    its period ends."""
    match = _WEEK.search(text)
    if match:
        try:
            sunday = date.fromisocalendar(int(match.group(1)), int(match.group(2)), 7)
        except ValueError:
            return None
        return datetime(sunday.year, sunday.month, sunday.day, tzinfo=UTC)
    match = _MONTH.search(text)
    if match:
        year, month = int(match.group(1)), int(match.group(2))
        if not 1 <= month <= 12:
            return None
        first_of_next = date(year + month // 12, month % 12 + 1, 1)
        last = first_of_next - timedelta(days=1)
        return datetime(last.year, last.month, last.day, tzinfo=UTC)
    return None


def _midnight(year: str, month: str, day: str) -> datetime | None:
    try:
        return datetime(int(year), int(month), int(day), tzinfo=UTC)
    except ValueError:
        return None


def _zone(text: str | None) -> timezone | None:
    """`Z`, `+0800`: a fixed offset; None for an impossible one (`+9900`)."""
    if not text or text == "Z":
        return UTC
    sign = 1 if text[0] == "+" else -1
    try:
        return timezone(sign * timedelta(hours=int(text[1:3]), minutes=int(text[3:5])))
    except ValueError:
        return None
