"""Calendars of the policy: the recipient's own days and weeks, quiet hours in its zone,
and WeCom's budget windows (WeCom counts in China time, whatever the customer's zone).

Caps count calendar days in the recipient's zone (Braze's semantics), not 24 h since the
last send: a day with a daylight-saving change is 23 or 25 h long.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from siyu.messaging.models import BudgetRule

WECOM_ZONE = ZoneInfo("Asia/Shanghai")


@lru_cache(maxsize=256)
def zone_named(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def local_start(day: date, zone: ZoneInfo) -> datetime:
    """The first instant of a local date (a midnight in a DST gap: the gap's end)."""
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)


def _in_quiet(local: time, start: time, end: time) -> bool:
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end  # the window crosses midnight (22:00–08:00)


def after_quiet_hours(at: datetime, zone: ZoneInfo, start: time, end: time) -> datetime | None:
    """The end of the quiet window ``at`` falls in, in UTC; None outside quiet hours."""
    local = at.astimezone(zone)
    if not _in_quiet(local.time(), start, end):
        return None
    day = local.date()
    if start > end and local.time() >= start:
        day += timedelta(days=1)
    wall = datetime.combine(day, end, tzinfo=zone)
    # A wall time in a DST gap reads with the earlier offset: normalise through UTC.
    return wall.astimezone(UTC)


def budget_window(at: datetime, rule: str) -> tuple[datetime, int]:
    """(start of WeCom's window that ``at`` falls in, how many messages it allows)."""
    day = at.astimezone(WECOM_ZONE).date()
    if rule == BudgetRule.DAY_1:
        return local_start(day, WECOM_ZONE), 1
    if rule == BudgetRule.WEEK_7:
        return local_start(monday(day), WECOM_ZONE), 7
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return local_start(first, WECOM_ZONE), (following - first).days


def budget_window_end(start: datetime, rule: str) -> datetime:
    day = start.astimezone(WECOM_ZONE).date()
    if rule == BudgetRule.DAY_1:
        return local_start(day + timedelta(days=1), WECOM_ZONE)
    if rule == BudgetRule.WEEK_7:
        return local_start(day + timedelta(days=7), WECOM_ZONE)
    return local_start((day + timedelta(days=32)).replace(day=1), WECOM_ZONE)


def window_days(start: datetime, rule: str) -> tuple[date, date]:
    """The recipients' local days a send counted in the window starting at ``start`` can
    carry: its ``local_day`` is the day of its ``due_at`` (inside the window, in China
    time) in the recipient's zone, at most a day before the window's first China day
    (UTC-12) and never after its end's (UTC+14). The budget reads bound themselves so,
    which lets the (recipient, local_day) index serve them."""
    first = start.astimezone(WECOM_ZONE).date()
    end = budget_window_end(start, rule).astimezone(WECOM_ZONE).date()
    return first - timedelta(days=1), end
