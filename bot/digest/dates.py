"""When a post was published, from whatever it offers.

A bare date (no time) means midnight UTC of that day: posts that give only a day
give no zone either, and UTC keeps the same file giving the same instant anywhere.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

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
