"""Refunds take back the points of what was refunded, in proportion to the money.

The points an order keeps after refunds are ``floor(points × (paid − refunded) / paid)``,
computed from the cumulative refunded amount each time, so partial refunds never drift
from the total and a full refund takes back everything. Points still in their bucket
(pending, or active and unspent) come back from it; points already spent are taken from
the customer's other usable buckets, earliest-expiring first, and what the balance cannot
cover is recorded on the entry as unrecovered (the balance never goes negative).
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from siyu.loyalty.ledger import _take, usable
from siyu.loyalty.models import BucketStatus, EntryKind, LedgerEntry, PointsBucket

LIVE = (BucketStatus.PENDING, BucketStatus.ACTIVE)


def kept_points(points: int, paid_fen: int, refunded_fen: int) -> int:
    if paid_fen <= 0:
        return 0 if refunded_fen > 0 else points
    return points * max(paid_fen - refunded_fen, 0) // paid_fen


def reverse_for_refund(
    source: str, source_id: str, refunded_fen: int, *, at: datetime | None = None
) -> int:
    """Bring every award of (source, source id) to what the cumulative ``refunded_fen``
    leaves; idempotent (a second call with the same amount takes nothing). Returns the
    points taken back."""
    now = at or timezone.now()
    total = 0
    with transaction.atomic():
        buckets = PointsBucket.objects.select_for_update().filter(
            source=source, source_id=source_id
        )
        for bucket in buckets.order_by("pk"):
            target = bucket.points - kept_points(bucket.points, bucket.basis_fen, refunded_fen)
            if target > bucket.reversed:
                total += _reverse(bucket, target - bucket.reversed, target, now)
    return total


def _reverse(bucket: PointsBucket, delta: int, target: int, now: datetime) -> int:
    entry = LedgerEntry.objects.create(
        customer_id=bucket.customer_id,
        kind=EntryKind.REVERSE,
        points=0,
        bucket=bucket,
        key=f"reverse:{bucket.pk}:{target}",
        reason="refund",
    )
    own = min(delta, bucket.remaining) if bucket.status in LIVE else 0
    status = bucket.status
    if bucket.status in LIVE and bucket.remaining - own == 0 and target == bucket.points:
        status = BucketStatus.CANCELLED
    PointsBucket.objects.filter(pk=bucket.pk).update(
        remaining=F("remaining") - own, reversed=target, status=status
    )
    taken = own
    if delta > own:
        others = usable(bucket.customer_id, now).exclude(pk=bucket.pk).select_for_update()
        taken += _take(entry, list(others), delta - own)
    LedgerEntry.objects.filter(pk=entry.pk).update(points=-taken, unrecovered=delta - taken)
    return taken
