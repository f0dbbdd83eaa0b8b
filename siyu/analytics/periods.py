"""Reporting periods: whole days in the brand's time zone, end exclusive."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

from django.utils import timezone

MAX_DAYS = 3660  # ten years: longer ranges are typing mistakes, not questions

# What a period is compared with: the same number of days just before, the same dates one
# calendar month / quarter earlier, or the same dates a year earlier.
Compare = Literal["previous", "month", "quarter", "year"]
COMPARES: tuple[Compare, ...] = ("previous", "month", "quarter", "year")
_COMPARE_MONTHS = {"month": 1, "quarter": 3, "year": 12}


@dataclass(frozen=True)
class Period:
    start: date  # first day included
    end: date  # first day not included

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError("the period must end after it starts")
        if (self.end - self.start).days > MAX_DAYS:
            raise ValueError("the period may span at most ten years")

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def last(self) -> date:
        """The last day included (what a date picker shows as "to")."""
        return self.end - timedelta(days=1)

    @property
    def start_at(self) -> datetime:
        return local_midnight(self.start)

    @property
    def end_at(self) -> datetime:
        return local_midnight(self.end)

    def previous(self) -> Period:
        """The period of the same length just before this one (the comparison base)."""
        return Period(self.start - timedelta(days=self.days), self.start)

    def months_earlier(self, months: int) -> Period:
        """The same dates ``months`` calendar months earlier. A period of whole months
        stays whole months (March → February, Q2 → Q1); other periods keep their start day
        (clipped to the month's last day) and their length."""
        start = months_before(self.start, months)
        if self.start.day == 1 and self.end.day == 1:
            return Period(start, months_before(self.end, months))
        return Period(start, start + timedelta(days=self.days))

    def compared(self, how: Compare) -> Period:
        """The comparison base chosen on the page."""
        return self.previous() if how == "previous" else self.months_earlier(_COMPARE_MONTHS[how])

    def label(self) -> str:
        return f"{self.start.isoformat()} – {(self.end - timedelta(days=1)).isoformat()}"


def months_before(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def today_local() -> date:
    return timezone.localdate()


def last_days(days: int, *, today: date | None = None) -> Period:
    """The ``days`` whole days up to and including today."""
    end = (today or today_local()) + timedelta(days=1)
    return Period(end - timedelta(days=days), end)


def parse_period(start: str | None, end: str | None, *, default_days: int = 30) -> Period:
    """Period from ISO dates (``end`` inclusive, as people write ranges). Raises ValueError
    with a message fit to show."""
    if not start and not end:
        return last_days(default_days)
    try:
        first = date.fromisoformat(start) if start else None
        last = date.fromisoformat(end) if end else today_local()
    except ValueError as exc:
        raise ValueError(f"dates must be written YYYY-MM-DD ({exc})") from exc
    if first is None:
        first = last - timedelta(days=default_days - 1)
    return Period(first, last + timedelta(days=1))
