"""Client-side limiter: stay under WeCom's per-corp, per-API quotas.

WeCom allows 10,000 calls/min and 150,000/h per corp and API; going over blocks the API for
the rest of the minute or hour (45009). Every process counts in the same database rows
(fixed windows, one row per corp × API × window, incremented with a conditional UPDATE so
the check and the increment are one atomic statement). We aim 5 % under WeCom's numbers to
leave room for other tools on the same corp.

When the quota is used up we raise ``LocalRateLimited(retry_after)`` instead of sleeping:
callers are tasks, which retry later, and a web request should not hang for a minute.
At very high call rates a Redis counter (INCR + EXPIRE) would cost less than a row
update; the interface (``acquire``) stays the same.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from siyu.integrations.wecom.client.errors import LocalRateLimited
from siyu.integrations.wecom.client.models import RateWindow

WECOM_LIMITS = ((60, 10_000), (3600, 150_000))
HEADROOM = 0.95
DEFAULT_LIMITS = tuple((span, int(limit * HEADROOM)) for span, limit in WECOM_LIMITS)


def _window_start(now: datetime, span: int) -> datetime:
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % span, tz=now.tzinfo)


class RateLimiter:
    def __init__(
        self,
        limits: tuple[tuple[int, int], ...] = DEFAULT_LIMITS,
        now: Callable[[], datetime] = timezone.now,
    ) -> None:
        self.limits = limits
        self.now = now

    def acquire(self, corp_id: str, api: str) -> None:
        at = self.now()
        for span, limit in self.limits:
            start = _window_start(at, span)
            if not self._take(corp_id, api, span, start, limit):
                retry_after = (start + timedelta(seconds=span) - at).total_seconds()
                raise LocalRateLimited(corp_id, api, retry_after)

    def _take(self, corp_id: str, api: str, span: int, start: datetime, limit: int) -> bool:
        key = {"corp_id": corp_id, "api": api, "span_seconds": span, "window_start": start}
        with transaction.atomic():
            window = RateWindow.objects.filter(**key, count__lt=limit)
            if window.update(count=F("count") + 1):
                return True
            if RateWindow.objects.filter(**key).exists():
                # Full — or opened by another process after our UPDATE looked: look again.
                return bool(window.update(count=F("count") + 1))
            try:
                with transaction.atomic():
                    RateWindow.objects.create(**key, count=1)
            except IntegrityError:
                # Another process opened the window first; count against its row.
                return bool(window.update(count=F("count") + 1))
            self._forget_old(start)
            return True

    @staticmethod
    def _forget_old(start: datetime) -> None:
        # Opening a window is rare (once a minute per API); sweep windows over 2 h old then.
        RateWindow.objects.filter(window_start__lt=start - timedelta(hours=2)).delete()
