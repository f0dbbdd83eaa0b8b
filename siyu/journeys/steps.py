"""What the non-action steps decide: when a wait ends (in the customer's zone), which way
a condition branch goes, which path of a random split an enrollment takes."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, Q
from django.utils import timezone

from siyu.core.clock import brand_zone
from siyu.customers.models import Customer, CustomerTag, Event, Order
from siyu.messaging.models import RecipientZone
from siyu.segments.models import Membership

MAX_WAIT = timedelta(days=400)


def zones_of(customer_ids: Iterable[int]) -> dict[int, ZoneInfo]:
    out = {}
    for cid, name in RecipientZone.objects.filter(customer_id__in=list(customer_ids)).values_list(
        "customer_id", "zone"
    ):
        try:
            out[cid] = ZoneInfo(name)
        except (ValueError, KeyError):  # an unknown zone name: the brand's zone
            continue
    return out


def next_time_of_day(now: datetime, zone: ZoneInfo, step: dict[str, Any]) -> datetime:
    """The first moment after ``now`` at ``hour:minute`` in ``zone`` on one of
    ``weekdays`` (0 = Monday; all days when empty)."""
    at = time(int(step.get("hour", 9)) % 24, int(step.get("minute", 0)) % 60)
    days = {int(d) % 7 for d in step.get("weekdays") or range(7)}
    local = now.astimezone(zone)
    for ahead in range(8):
        day = local.date() + timedelta(days=ahead)
        # Built from the wall clock, so a DST change keeps "9:00" at 9:00.
        candidate = datetime.combine(day, at, tzinfo=zone)
        if candidate > local and day.weekday() in days:
            return candidate.astimezone(ZoneInfo("UTC"))
    return now + timedelta(days=7)


def wait_due(step: dict[str, Any], now: datetime, zone: ZoneInfo | None) -> datetime | None:
    kind = step["type"]
    if kind == "wait":
        seconds = max(0, int(step.get("seconds", 0)))
        return now + min(timedelta(seconds=seconds), MAX_WAIT)
    if kind == "wait_until":
        return next_time_of_day(now, zone or brand_zone(), step)
    timeout = int(step.get("timeout", 0))  # wait_event
    return now + min(timedelta(seconds=timeout), MAX_WAIT) if timeout > 0 else None


def matching(cond: dict[str, Any], customer_ids: set[int], now: datetime) -> set[int]:
    """The customers among ``customer_ids`` for whom ``cond`` holds (one query)."""
    ids = sorted(customer_ids)
    if "all" in cond:
        out = set(customer_ids)
        for part in cond["all"][:20]:
            out &= matching(part, out, now)
        return out
    if "tag" in cond:
        tags = CustomerTag.objects.filter(tag_id=int(cond["tag"]), customer_id__in=ids)
        return set(tags.values_list("customer_id", flat=True))
    if "segment" in cond:
        stints = Membership.objects.filter(
            segment_id=int(cond["segment"]), left_at__isnull=True, customer_id__in=ids
        )
        return set(stints.values_list("customer_id", flat=True))
    if "event" in cond:
        since = now - timedelta(days=int(cond.get("days", 30)))
        events = Event.objects.filter(type=str(cond["event"]), occurred_at__gte=since)
        return set(events.filter(customer_id__in=ids).values_list("customer_id", flat=True))
    if "orders" in cond:
        counts = (
            Order.objects.filter(customer_id__in=ids).values("customer_id").annotate(n=Count("pk"))
        )
        want = int(cond["orders"])
        hit = {r["customer_id"] for r in counts if r["n"] >= want}
        return hit if want > 0 else set(customer_ids)
    if "field" in cond:
        q = Q(**{str(cond["field"]): cond.get("value", "")})
        return set(Customer.objects.filter(q, pk__in=ids).values_list("pk", flat=True))
    return set()


def bucket(*parts: object) -> int:
    """A stable number 0-9999 for these parts (the same enrollment always splits the same way)."""
    digest = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % 10_000


def split_path(step: dict[str, Any], enrollment_id: int, key: str, winner: int | None) -> int:
    paths = step.get("paths") or []
    if winner is not None and 0 <= winner < len(paths):
        return winner
    weights = [max(0, int(p.get("weight", 1))) for p in paths]
    total = sum(weights) or 1
    point = bucket("split", enrollment_id, key) * total / 10_000
    for i, w in enumerate(weights):
        point -= w
        if point < 0:
            return i
    return len(paths) - 1


def now_utc() -> datetime:
    return timezone.now()
