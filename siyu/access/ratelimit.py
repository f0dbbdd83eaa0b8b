"""Per-key request budget: a fixed one-minute window counted in the key's row.

Every step is one conditional UPDATE, so the database serialises concurrent requests on the
row and the count can neither exceed the limit nor lose an increment (tested in parallel on
PostgreSQL). No row lock is held across statements and no transaction is opened.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from django.db.models import F, Q

from siyu.access.models import ApiKey

WINDOW = timedelta(minutes=1)


def window_of(now: datetime) -> datetime:
    return now.replace(second=0, microsecond=0)


def take_request(key: ApiKey, now: datetime) -> int | None:
    """Count one request of ``key``; None if allowed, else the seconds until it may retry.

    Also records ``last_used_at`` in the same UPDATE, so an allowed request costs one write.
    """
    window = window_of(now)
    rows = ApiKey.objects.filter(pk=key.pk)
    # Count into the current window, or a newer one another process (with a clock a little
    # ahead) already opened: never roll a window back.
    within = rows.filter(window_start__gte=window, window_count__lt=F("rate_per_minute"))
    stale = rows.filter(Q(window_start__lt=window) | Q(window_start__isnull=True))

    def count_in() -> int:
        return within.update(window_count=F("window_count") + 1, last_used_at=now)

    def open_window() -> int:
        return stale.update(window_start=window, window_count=1, last_used_at=now)

    # The row as authentication read it says which statement will most likely apply, so
    # the common case is one UPDATE. The last retry covers another request opening the
    # window between our two statements.
    fresh = key.window_start is None or key.window_start < window
    steps = (open_window, count_in, count_in) if fresh else (count_in, open_window, count_in)
    if any(step() for step in steps):
        return None
    return max(1, math.ceil((window + WINDOW - now).total_seconds()))
