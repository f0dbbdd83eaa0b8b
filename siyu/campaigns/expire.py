"""The coupon expiry sweep: issued coupons past their validity become ``expired``.

An available coupon expires at its ``expires_at``. A reserved one is held for the checkout
that reserved it until that reservation's TTL runs out (the order may still be paid with
it); after both, it expires instead of going back to available, and its reservation is
released with it. Each batch is one conditional UPDATE on rows picked by the
``issued_expiry_due`` index, so the sweep can run twice, or beside the reservation timer,
without moving a coupon twice or expiring one that was used meanwhile.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from siyu.campaigns.models import IssuedCoupon, IssuedStatus

BATCH = 500


def _due(now: datetime) -> Q:
    lapsed = Q(reserved_until__isnull=True) | Q(reserved_until__lte=now)
    return Q(status=IssuedStatus.AVAILABLE, expires_at__lte=now) | Q(
        lapsed, status=IssuedStatus.RESERVED, expires_at__lte=now
    )


def expire_coupons(now: datetime | None = None, limit: int = BATCH) -> int:
    now = now or timezone.now()
    ids = list(
        IssuedCoupon.objects.filter(_due(now))
        .order_by("expires_at")
        .values_list("pk", flat=True)[:limit]
    )
    if not ids:
        return 0
    return IssuedCoupon.objects.filter(_due(now), pk__in=ids).update(
        status=IssuedStatus.EXPIRED,
        reserved_until=None,
        reserved_platform="",
        reserved_order_no="",
    )
