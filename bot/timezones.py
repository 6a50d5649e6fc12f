"""Time zones a person can type: IANA names in any case, common cities in English and
Chinese, fixed offsets (UTC+8, +08:00, GMT-5). Pure; no I/O.

A chat's zone is stored as text: an IANA name ("Asia/Shanghai"), a fixed offset in
the form "UTC+08:00", or "" (not chosen: DEFAULT_TZ, else each digest's own offset).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

MAX_INPUT = 64  # nobody types a longer zone; longer input is refused before any look-up

# City (English, lower case; Chinese) -> IANA zone. The cities people in this bot's
# audience most likely live in or follow the news from; anything else by IANA name.
_CITIES: dict[str, str] = {}
for _zone, _names in {
    "Asia/Shanghai": "beijing shanghai shenzhen guangzhou hangzhou chengdu wuhan nanjing "
    "xian tianjin chongqing suzhou china prc peking 北京 上海 深圳 广州 杭州 成都 武汉 南京 西安 "
    "天津 重庆 苏州 中国 北京时间 中国时间",
    "Asia/Hong_Kong": "hong kong hongkong 香港",
    "Asia/Macau": "macau macao 澳门",
    "Asia/Taipei": "taipei taiwan 台北 台湾",
    "Asia/Tokyo": "tokyo osaka japan 东京 大阪 日本",
    "Asia/Seoul": "seoul korea 首尔 韩国",
    "Asia/Singapore": "singapore 新加坡",
    "Asia/Kuala_Lumpur": "kuala lumpur malaysia 吉隆坡 马来西亚",
    "Asia/Bangkok": "bangkok thailand 曼谷 泰国",
    "Asia/Ho_Chi_Minh": "ho chi minh city saigon vietnam 胡志明市 越南",
    "Asia/Jakarta": "jakarta indonesia 雅加达",
    "Asia/Manila": "manila philippines 马尼拉",
    "Asia/Kolkata": "india mumbai delhi new delhi bangalore bengaluru kolkata "
    "印度 孟买 新德里 班加罗尔",
    "Asia/Dubai": "dubai abu dhabi uae 迪拜 阿布扎比",
    "Asia/Jerusalem": "tel aviv jerusalem israel 特拉维夫 以色列",
    "Europe/London": "london uk britain england 伦敦 英国",
    "Europe/Dublin": "dublin ireland 都柏林 爱尔兰",
    "Europe/Paris": "paris france 巴黎 法国",
    "Europe/Berlin": "berlin munich germany 柏林 慕尼黑 德国",
    "Europe/Amsterdam": "amsterdam netherlands 阿姆斯特丹 荷兰",
    "Europe/Zurich": "zurich geneva switzerland 苏黎世 日内瓦 瑞士",
    "Europe/Madrid": "madrid barcelona spain 马德里 巴塞罗那 西班牙",
    "Europe/Rome": "rome milan italy 罗马 米兰 意大利",
    "Europe/Stockholm": "stockholm sweden 斯德哥尔摩 瑞典",
    "Europe/Moscow": "moscow russia 莫斯科 俄罗斯",
    "Europe/Istanbul": "istanbul turkey 伊斯坦布尔 土耳其",
    "America/New_York": "new york nyc boston washington miami toronto 纽约 波士顿 华盛顿 "
    "迈阿密 多伦多",
    "America/Chicago": "chicago austin dallas houston 芝加哥 奥斯汀 达拉斯 休斯顿",
    "America/Denver": "denver 丹佛",
    "America/Los_Angeles": "los angeles la san francisco sf seattle silicon valley "
    "vancouver san jose 洛杉矶 旧金山 西雅图 硅谷 温哥华",
    "America/Sao_Paulo": "sao paulo são paulo brazil 圣保罗 巴西",
    "America/Mexico_City": "mexico city 墨西哥城",
    "Australia/Sydney": "sydney melbourne australia 悉尼 墨尔本 澳大利亚",
    "Pacific/Auckland": "auckland new zealand 奥克兰 新西兰",
    "UTC": "utc gmt z zulu 协调世界时 世界时",
}.items():
    _words = _names.split()
    # Multi-word English names are listed as consecutive words; keep each
    # word and each run of 2-3 Latin words as a name.
    for _i, _word in enumerate(_words):
        _CITIES[_word] = _zone
        for _n in (2, 3):
            _run = _words[_i : _i + _n]
            if len(_run) == _n and all(w.isascii() for w in _run):
                _CITIES[" ".join(_run)] = _zone

# Abbreviations people type for a zone (before IANA's own "EST", a fixed offset with no
# daylight saving). "CST" is China's and the US Central's: asked, not guessed.
_ABBREVIATIONS = {
    **dict.fromkeys(("pst", "pdt", "pt"), "America/Los_Angeles"),
    **dict.fromkeys(("mst", "mdt"), "America/Denver"),
    **dict.fromkeys(("cdt",), "America/Chicago"),
    **dict.fromkeys(("est", "edt", "et"), "America/New_York"),
    **dict.fromkeys(("bst",), "Europe/London"),
    **dict.fromkeys(("cet", "cest"), "Europe/Berlin"),
    **dict.fromkeys(("jst",), "Asia/Tokyo"),
    **dict.fromkeys(("kst",), "Asia/Seoul"),
    **dict.fromkeys(("hkt",), "Asia/Hong_Kong"),
    **dict.fromkeys(("sgt",), "Asia/Singapore"),
    **dict.fromkeys(("ist",), "Asia/Kolkata"),
    **dict.fromkeys(("aest", "aedt"), "Australia/Sydney"),
}
_AMBIGUOUS = {"cst": ("Asia/Shanghai", "America/Chicago")}
SUGGESTION_CUTOFF = 0.75  # lower, and "garbage" suggested Aruba, Anchorage and Prague

_OFFSET = re.compile(
    r"^(?:utc|gmt|z)?\s*(?P<sign>[+-])\s*(?P<hours>\d{1,2})(?::?(?P<minutes>\d{2}))?$"
)


@dataclass(frozen=True)
class ZoneChoice:
    """What a typed zone resolved to: `tz` to store, or suggestions when it did not."""

    tz: str | None
    suggestions: tuple[str, ...] = ()
    ambiguous: bool = False  # it names several zones (CST): the suggestions are the choice


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).strip().lower()
    return " ".join(text.replace("_", " ").split())


@cache
def _iana_by_folded() -> dict[str, str]:
    """Every IANA name, folded ("asia/tokyo", "tokyo" for its last part when unique)."""
    names: dict[str, str] = {}
    last_parts: dict[str, list[str]] = {}
    for name in available_timezones():
        names[_fold(name)] = name
        last_parts.setdefault(_fold(name.rsplit("/", 1)[-1]), []).append(name)
    for part, zones in last_parts.items():
        if len(zones) == 1:
            names.setdefault(part, zones[0])
    return names


def fixed_offset_name(minutes: int) -> str:
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{rest:02d}"


def resolve_timezone(text: str) -> ZoneChoice:
    """A zone for what a person typed, or suggestions (never raises)."""
    folded = _fold(text[: MAX_INPUT * 2])[:MAX_INPUT]
    if not folded:
        return ZoneChoice(None, ("Asia/Shanghai", "UTC", "Europe/London"))
    offset = _OFFSET.match(folded.replace(" ", ""))
    if offset:
        minutes = int(offset["hours"]) * 60 + int(offset["minutes"] or 0)
        if minutes <= 14 * 60 and int(offset["minutes"] or 0) < 60:
            return ZoneChoice(fixed_offset_name(-minutes if offset["sign"] == "-" else minutes))
        return ZoneChoice(None, ("UTC+8", "UTC-5", "UTC+05:30"))
    if folded in _AMBIGUOUS:
        return ZoneChoice(None, _AMBIGUOUS[folded], ambiguous=True)
    if folded in _ABBREVIATIONS:
        return ZoneChoice(_ABBREVIATIONS[folded])
    if folded in _CITIES:
        return ZoneChoice(_CITIES[folded])
    iana = _iana_by_folded()
    if folded in iana:
        return ZoneChoice(iana[folded])
    candidates = [*_CITIES, *iana]
    close = difflib.get_close_matches(folded, candidates, n=3, cutoff=SUGGESTION_CUTOFF)
    suggestions = []
    for match in close:
        zone = _CITIES.get(match) or iana[match]
        if zone not in suggestions:
            suggestions.append(zone)
    return ZoneChoice(None, tuple(suggestions))


def effective_zone(chosen: str, default_tz: str = "", published: str = "") -> str:
    """The zone a chat's own times run in (roundups, quiet hours, the times replies
    name): its /tz, else DEFAULT_TZ, else the zone its digests are published in
    (storage/digests.py published_zone), else UTC."""
    return chosen or default_tz or published or "UTC"


def zone_label(tz: str, at: datetime) -> str:
    """ "UTC+8": the offset of zone `tz` at the aware datetime `at`."""
    return offset_label(localize(at, tz))


def zone_for(tz: str) -> tzinfo | None:
    """The tzinfo for a stored zone; None for "" (not chosen) or an unknown name."""
    if not tz:
        return None
    if tz.startswith("UTC") and len(tz) == 9 and tz[3] in "+-":
        minutes = int(tz[4:6]) * 60 + int(tz[7:9])
        return timezone(timedelta(minutes=-minutes if tz[3] == "-" else minutes))
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def offset_label(when: datetime) -> str:
    """ "UTC+8", "UTC-5", "UTC+5:30", "UTC" for an aware datetime's offset."""
    offset = when.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def localize(when: datetime, tz: str) -> datetime:
    """`when` in the zone `tz`; in its own offset when tz is "" or unknown."""
    zone = zone_for(tz)
    return when.astimezone(zone) if zone is not None else when
