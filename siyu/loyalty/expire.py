"""The jobs that move buckets along: pending → active when the pending period ends,
active → expired when its validity ends. Both are idempotent and chunked: a conditional
UPDATE per chunk on the buckets' current status (a second run, or a second worker, finds
nothing to do), an entry key per bucket and kind, a chunk per transaction so SQLite's
write lock is never held for long."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from siyu.loyalty.models import BucketStatus, EntryKind, LedgerEntry, PointsBucket

CHUNK = 500


def _entries(buckets: list[PointsBucket], kind: EntryKind) -> None:
    rows = [
        LedgerEntry(
            customer_id=b.customer_id,
            kind=kind,
            points=-b.remaining if kind == EntryKind.EXPIRE else 0,
            bucket=b,
            key=f"{kind}:{b.pk}",
        )
        for b in buckets
    ]
    LedgerEntry.objects.bulk_create(rows, ignore_conflicts=True)


def _move(now: datetime, before: BucketStatus, after: BucketStatus, due_field: str) -> int:
    done = 0
    while True:
        with transaction.atomic():
            rows = list(
                PointsBucket.objects.select_for_update(skip_locked=True)
                .filter(status=before, **{f"{due_field}__lte": now})
                .order_by("pk")[:CHUNK]
            )
            if not rows:
                return done
            changes: dict[str, object] = {"status": after}
            if after == BucketStatus.EXPIRED:
                changes["remaining"] = 0
            PointsBucket.objects.filter(pk__in=[b.pk for b in rows], status=before).update(
                **changes
            )
            _entries(
                rows, EntryKind.EXPIRE if after == BucketStatus.EXPIRED else EntryKind.ACTIVATE
            )
            done += len(rows)


def activate_points(now: datetime | None = None) -> int:
    """Make usable every pending bucket whose pending period has ended; returns how many."""
    return _move(now or timezone.now(), BucketStatus.PENDING, BucketStatus.ACTIVE, "activates_at")


def expire_points(now: datetime | None = None) -> int:
    """Expire every active bucket whose validity has ended: its remaining points leave
    the balance with an entry each. Returns how many buckets expired."""
    return _move(now or timezone.now(), BucketStatus.ACTIVE, BucketStatus.EXPIRED, "expires_at")
