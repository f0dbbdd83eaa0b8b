"""Limited counters per window, enforced by the database: one implementation for WeCom's
API quotas, send caps per day, budgets per month and loyalty limits.

A counter is a row per (key, window). Taking from it is one conditional UPDATE
(``count = count + n WHERE count + n <= limit``), so the check and the increment are one
atomic statement: any number of processes and threads share it, and PostgreSQL re-checks
the condition on the row it waited for, so a limit is never exceeded. The first take of a
window inserts the row; two processes opening it at once meet at the unique index and the
loser counts against the winner's row.

Windows come from siyu.core.clock: ``fixed_window`` for platform quotas, ``day_of`` /
``week_of`` / ``month_of`` for the brand's calendar.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest

from siyu.core.clock import Period
from siyu.core.models import CounterWindow

# Windows of a key are swept this long after they end, when the key opens a new one.
KEEP_AFTER_END = timedelta(days=2)


def take(key: str, window: Period, limit: int, amount: int = 1) -> bool:
    """Use ``amount`` of ``limit`` in ``window``; False (and nothing used) if it would
    go over."""
    if amount <= 0:
        raise ValueError("take a positive amount")
    if amount > limit:
        return False
    with transaction.atomic():
        room = CounterWindow.objects.filter(
            key=key, window_start=window.start, count__lte=limit - amount
        )
        if room.update(count=F("count") + amount):
            return True
        if CounterWindow.objects.filter(key=key, window_start=window.start).exists():
            # Full — or opened by another process after our UPDATE looked: look again.
            return bool(room.update(count=F("count") + amount))
        try:
            with transaction.atomic():
                CounterWindow.objects.create(
                    key=key, window_start=window.start, window_end=window.end, count=amount
                )
        except IntegrityError:
            # Another process opened the window first; count against its row.
            return bool(room.update(count=F("count") + amount))
        # Opening a window is rare (once per key and window): sweep the key's old ones now.
        CounterWindow.objects.filter(key=key, window_end__lt=window.start - KEEP_AFTER_END).delete()
        return True


def give_back(key: str, window: Period, amount: int = 1) -> None:
    """Return what a take used (the send it paid for did not happen); never below 0."""
    rows = CounterWindow.objects.filter(key=key, window_start=window.start)
    rows.update(count=Greatest(F("count") - amount, Value(0)))


def used(key: str, window: Period) -> int:
    found = CounterWindow.objects.filter(key=key, window_start=window.start)
    return int(found.values_list("count", flat=True).first() or 0)
