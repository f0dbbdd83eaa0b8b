"""The brand clock: days, weeks and months begin at the brand's local midnight."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from siyu.core.clock import day_of, fixed_window, local_date, month_of, week_of


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, s: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, s, tzinfo=UTC)


def test_a_shanghai_day_starts_at_16_utc_the_evening_before() -> None:
    day = day_of(utc(2026, 1, 1, 15, 59, 59))
    assert (day.start, day.end) == (utc(2025, 12, 31, 16), utc(2026, 1, 1, 16))
    assert day_of(utc(2026, 1, 1, 16)).start == utc(2026, 1, 1, 16)
    assert local_date(utc(2026, 1, 1, 16)).isoformat() == "2026-01-02"
    assert utc(2026, 1, 1, 16) not in day


def test_weeks_start_on_monday_and_months_wrap_the_year() -> None:
    # Shanghai Sunday 2026-03-08 23:30 is still the week of Monday 2026-03-02.
    week = week_of(utc(2026, 3, 8, 15, 30))
    assert (week.start, week.end) == (utc(2026, 3, 1, 16), utc(2026, 3, 8, 16))
    month = month_of(utc(2026, 12, 31, 17))  # already 1 January in Shanghai
    assert (month.start, month.end) == (utc(2026, 12, 31, 16), utc(2027, 1, 31, 16))
    feb = month_of(utc(2028, 2, 10))
    assert (feb.end - feb.start).days == 29


def test_a_daylight_saving_day_is_23_hours_long(settings: Any) -> None:
    settings.TIME_ZONE = "America/New_York"
    day = day_of(utc(2026, 3, 8, 12))  # clocks spring forward at 02:00 local
    assert (day.start, day.end) == (utc(2026, 3, 8, 5), utc(2026, 3, 9, 4))
    assert (day.end - day.start).total_seconds() == 23 * 3600


def test_a_missing_midnight_starts_the_day_when_the_clock_jumps(settings: Any) -> None:
    settings.TIME_ZONE = "America/Santiago"  # 2022-09-11 00:00 did not exist (→ 01:00)
    day = day_of(utc(2022, 9, 11, 12))
    assert day.start == utc(2022, 9, 11, 4)
    assert local_date(day.start).isoformat() == "2022-09-11"


def test_fixed_windows_align_to_the_epoch_and_refuse_naive_times() -> None:
    window = fixed_window(utc(2026, 1, 1, 10, 30, 15), 60)
    assert (window.start, window.end) == (utc(2026, 1, 1, 10, 30), utc(2026, 1, 1, 10, 31))
    with pytest.raises(ValueError, match="aware"):
        local_date(datetime(2026, 1, 1))  # noqa: DTZ001 - the naive time is the point
