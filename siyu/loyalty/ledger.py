"""Write paths of the points ledger: award, spend, return a spend, reverse for a refund.

Each verb is one transaction and carries an idempotency key with a unique constraint
(design rule 4): an award is keyed by (rule, source, source id), a spend by its caller's
key. Spends lock the customer's usable buckets in (expires_at, id) order — the order they
are consumed in, the same for every writer, so two spends never deadlock — and the
database's CHECK on ``remaining`` stands behind the code: a bucket can never go below 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from siyu.loyalty.models import Allocation, BucketStatus, EntryKind, LedgerEntry, PointsBucket


class InsufficientPoints(ValueError):
    def __init__(self, wanted: int, available: int) -> None:
        self.wanted, self.available = wanted, available
        super().__init__(
            _("Not enough points: %(wanted)d needed, %(available)d available")
            % {"wanted": wanted, "available": available}
        )


@dataclass(frozen=True)
class Award:
    rule: str
    source: str
    source_id: str
    points: int
    pending_days: int = 0
    valid_days: int = 365
    basis_fen: int = 0
    reason: str = ""


def usable(customer_id: int, at: datetime) -> QuerySet[PointsBucket]:
    """The buckets a spend may take from, in the order it takes them."""
    return PointsBucket.objects.filter(
        customer_id=customer_id, status=BucketStatus.ACTIVE, expires_at__gt=at, remaining__gt=0
    ).order_by("expires_at", "pk")


def balance(customer_id: int, at: datetime | None = None) -> int:
    """The sum of the active buckets' remaining points."""
    found = usable(customer_id, at or timezone.now()).aggregate(n=Sum("remaining"))["n"]
    return int(found or 0)


def pending(customer_id: int) -> int:
    rows = PointsBucket.objects.filter(customer_id=customer_id, status=BucketStatus.PENDING)
    return int(rows.aggregate(n=Sum("remaining"))["n"] or 0)


def award_points(customer_id: int, award: Award, *, at: datetime | None = None) -> PointsBucket:
    """Give ``award.points`` as one bucket; a second award with the same (rule, source,
    source id) returns the first bucket and changes nothing."""
    if award.points <= 0:
        raise ValueError("award a positive number of points")
    now = at or timezone.now()
    found = _bucket_of(award)
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return _insert_award(customer_id, award, now)
    except IntegrityError:
        # A concurrent delivery of the same award committed first.
        bucket = _bucket_of(award)
        if bucket is None:
            raise
        return bucket


def award_exists(award: Award) -> bool:
    return _bucket_of(award) is not None


def _bucket_of(award: Award) -> PointsBucket | None:
    key = {"rule": award.rule, "source": award.source, "source_id": award.source_id}
    return PointsBucket.objects.filter(**key).first()


def _insert_award(customer_id: int, award: Award, now: datetime) -> PointsBucket:
    activates = now + timedelta(days=award.pending_days)
    bucket = PointsBucket.objects.create(
        customer_id=customer_id,
        rule=award.rule,
        source=award.source,
        source_id=award.source_id,
        points=award.points,
        remaining=award.points,
        status=BucketStatus.PENDING if award.pending_days else BucketStatus.ACTIVE,
        activates_at=activates,
        # Validity starts when the points become usable.
        expires_at=activates + timedelta(days=award.valid_days),
        basis_fen=award.basis_fen,
    )
    LedgerEntry.objects.create(
        customer_id=customer_id,
        kind=EntryKind.EARN,
        points=award.points,
        bucket=bucket,
        key=f"earn:{bucket.pk}",
        reason=award.reason[:200],
    )
    return bucket


def spend_points(
    customer_id: int, points: int, *, key: str, reason: str = "", at: datetime | None = None
) -> LedgerEntry:
    """Take ``points`` from the earliest-expiring buckets; ``InsufficientPoints`` (and
    nothing taken) when the balance is short. A second call with ``key`` returns the
    first spend. Call inside the caller's transaction to spend as part of a larger write."""
    if points <= 0:
        raise ValueError("spend a positive number of points")
    now = at or timezone.now()
    with transaction.atomic():
        try:
            with transaction.atomic():
                entry = LedgerEntry.objects.create(
                    customer_id=customer_id, kind=EntryKind.SPEND, points=-points, key=key,
                    reason=reason[:200],
                )  # fmt: skip
        except IntegrityError:
            return LedgerEntry.objects.get(key=key)
        _take(entry, list(usable(customer_id, now).select_for_update()), points)
        return entry


def _take(entry: LedgerEntry, buckets: list[PointsBucket], points: int) -> int:
    """Allocate up to ``points`` from locked ``buckets`` to ``entry``; raises when short
    unless the entry is a reversal (which takes what it can). Returns what it took."""
    available = sum(b.remaining for b in buckets)
    if available < points and entry.kind == EntryKind.SPEND:
        raise InsufficientPoints(points, available)
    left, allocations = points, []
    for bucket in buckets:
        if left == 0:
            break
        part = min(left, bucket.remaining)
        PointsBucket.objects.filter(pk=bucket.pk).update(remaining=F("remaining") - part)
        allocations.append(Allocation(entry=entry, bucket=bucket, points=part))
        left -= part
    Allocation.objects.bulk_create(allocations)
    return points - left


def restore_spend(key: str, *, restore_key: str, reason: str = "") -> LedgerEntry | None:
    """Give back what the spend ``key`` took (a cancelled redemption), to the buckets it
    came from; points whose bucket has expired meanwhile stay expired. Once per
    ``restore_key``; None when there is no such spend."""
    with transaction.atomic():
        spend = LedgerEntry.objects.filter(key=key, kind=EntryKind.SPEND).first()
        if spend is None:
            return None
        try:
            with transaction.atomic():
                entry = LedgerEntry.objects.create(
                    customer_id=spend.customer_id, kind=EntryKind.RESTORE, points=0,
                    key=restore_key, reason=reason[:200],
                )  # fmt: skip
        except IntegrityError:
            return LedgerEntry.objects.get(key=restore_key)
        allocations = list(spend.allocations.order_by("bucket_id"))
        ids = [a.bucket_id for a in allocations]
        live = {
            b.pk: b
            for b in PointsBucket.objects.select_for_update()
            .filter(pk__in=ids, status=BucketStatus.ACTIVE)
            .order_by("pk")
        }
        back, rows = 0, []
        for alloc in allocations:
            bucket = live.get(alloc.bucket_id)
            if bucket is None:
                continue
            room = bucket.points - bucket.reversed - bucket.remaining
            part = min(alloc.points, room)
            if part > 0:
                PointsBucket.objects.filter(pk=bucket.pk).update(remaining=F("remaining") + part)
                bucket.remaining += part
                rows.append(Allocation(entry=entry, bucket=bucket, points=part))
                back += part
        Allocation.objects.bulk_create(rows)
        LedgerEntry.objects.filter(pk=entry.pk).update(points=back)
        entry.points = back
        return entry
