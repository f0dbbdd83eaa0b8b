"""The brand clock: calendar days, weeks and months in the brand's zone (``TIME_ZONE``,
default Asia/Shanghai), as aware UTC instants.

Caps per day, quiet hours, monthly budgets and loyalty limits all reset at the brand's
local midnight, not at UTC midnight and not 24 h after something happened. Boundaries are
computed from local calendar dates, so a day with a daylight-saving change is 23 or 25 h
long, and a midnight that does not exist (a zone that springs forward at 00:00) starts
the day at the first local instant that does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings


@dataclass(frozen=True)
class Period:
    """A half-open span of time [start, end), both aware UTC."""

    start: datetime
    end: datetime

    def __contains__(self, at: datetime) -> bool:
        return self.start <= at < self.end


def brand_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_date(at: datetime) -> date:
    """The brand's calendar date at the instant ``at``."""
    if at.tzinfo is None:
        raise ValueError("the brand clock needs an aware datetime")
    return at.astimezone(brand_zone()).date()


def start_of(day: date) -> datetime:
    """The first instant of a brand calendar date, in UTC."""
    # fold=0 in a gap reads the wall time with the offset before the change, which lands
    # on the instant the gap ends: the first local time that exists that day.
    return datetime.combine(day, time.min, tzinfo=brand_zone()).astimezone(UTC)


def day_of(at: datetime) -> Period:
    today = local_date(at)
    return Period(start_of(today), start_of(today + timedelta(days=1)))


def week_of(at: datetime) -> Period:
    """Weeks start on Monday (China's and ISO's convention)."""
    monday = local_date(at) - timedelta(days=local_date(at).weekday())
    return Period(start_of(monday), start_of(monday + timedelta(days=7)))


def month_of(at: datetime) -> Period:
    first = local_date(at).replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return Period(start_of(first), start_of(following))


def fixed_window(at: datetime, seconds: int) -> Period:
    """A window of ``seconds`` aligned to the Unix epoch (API quotas per minute or hour,
    which platforms count in UTC, not in the brand's calendar)."""
    if seconds <= 0:
        raise ValueError("a window needs a positive length")
    epoch = int(at.timestamp())
    start = datetime.fromtimestamp(epoch - epoch % seconds, tz=UTC)
    return Period(start, start + timedelta(seconds=seconds))
