"""Client-side limiter: stay under WeCom's per-corp, per-API quotas.

WeCom allows 10,000 calls/min and 150,000/h per corp and API; going over blocks the API for
the rest of the minute or hour (45009). Every process counts in the same database rows:
fixed windows in siyu.core.counters, one counter per corp × API × window length, taken
with a conditional UPDATE so the check and the increment are one atomic statement. We aim
5 % under WeCom's numbers to leave room for other tools on the same corp.

When the quota is used up we raise ``LocalRateLimited(retry_after)`` instead of sleeping:
callers are tasks, which retry later, and a web request should not hang for a minute.
At very high call rates a Redis counter (INCR + EXPIRE) would cost less than a row
update; the interface (``acquire``) stays the same.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.utils import timezone

from siyu.core.clock import fixed_window
from siyu.core.counters import take
from siyu.integrations.wecom.client.errors import LocalRateLimited

WECOM_LIMITS = ((60, 10_000), (3600, 150_000))
HEADROOM = 0.95
DEFAULT_LIMITS = tuple((span, int(limit * HEADROOM)) for span, limit in WECOM_LIMITS)


def counter_key(corp_id: str, api: str, span: int) -> str:
    return f"wecom:{corp_id}:{span}:{api}"


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
            window = fixed_window(at, span)
            if not take(counter_key(corp_id, api, span), window, limit):
                raise LocalRateLimited(corp_id, api, (window.end - at).total_seconds())
