"""Time zones a person can type (bot/timezones.py) and how times are shown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.timezones import localize, offset_label, resolve_timezone, zone_for


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("Beijing", "Asia/Shanghai"),
        ("北京", "Asia/Shanghai"),
        ("shanghai", "Asia/Shanghai"),
        ("北京时间", "Asia/Shanghai"),
        ("UTC+8", "UTC+08:00"),
        ("+08:00", "UTC+08:00"),
        ("utc +8", "UTC+08:00"),
        ("GMT-5", "UTC-05:00"),
        ("+5:30", "UTC+05:30"),
        ("asia/tokyo", "Asia/Tokyo"),
        ("ASIA/TOKYO", "Asia/Tokyo"),
        ("america/new york", "America/New_York"),
        ("new york", "America/New_York"),
        ("San Francisco", "America/Los_Angeles"),
        ("旧金山", "America/Los_Angeles"),
        ("ｔｏｋｙｏ", "Asia/Tokyo"),  # full-width, as some keyboards type it
        ("utc", "UTC"),
        ("Europe/Berlin", "Europe/Berlin"),
        ("kolkata", "Asia/Kolkata"),
    ],
)
def test_zones_people_type(typed: str, zone: str):
    assert resolve_timezone(typed).tz == zone


@pytest.mark.parametrize(
    ("typed", "suggested"),
    [("Pekin", "Asia/Shanghai"), ("Tokio", "Asia/Tokyo"), ("Londn", "Europe/London")],
)
def test_a_near_miss_gets_suggestions(typed: str, suggested: str):
    choice = resolve_timezone(typed)
    assert choice.tz is None and suggested in choice.suggestions


@pytest.mark.parametrize("typed", ["", "Mars/Olympus", "UTC+15", "+08:75", "x" * 5000, "\ud800"])
def test_nonsense_is_refused_without_an_error(typed: str):
    assert resolve_timezone(typed).tz is None


def test_stored_zones_and_labels():
    when = datetime(2025, 12, 20, 4, 0, tzinfo=UTC)
    assert zone_for("") is None and zone_for("Not/AZone") is None
    assert localize(when, "UTC+08:00").hour == 12
    assert localize(when, "Asia/Shanghai").hour == 12
    assert localize(when.astimezone(timezone(timedelta(hours=8))), "").hour == 12
    assert offset_label(localize(when, "Asia/Kolkata")) == "UTC+5:30"
    assert offset_label(localize(when, "America/New_York")) == "UTC-5"
    assert offset_label(when) == "UTC"
