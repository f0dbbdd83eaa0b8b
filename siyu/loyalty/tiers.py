"""Tier qualification: points earned (or fen spent) within the program's rolling window.

Upgrades happen at once (after an award or order); downgrades only at the review date,
and only after a grace period: a review that finds the customer below their tier starts
the grace period, and the next review at its end moves them to the tier they qualify for
then, if they have not earned their way back. Every change is kept in ``TierChange``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from siyu.customers.models import Order
from siyu.loyalty.models import (
    BucketStatus,
    PointsBucket,
    Program,
    Status,
    Tier,
    TierBasis,
    TierChange,
    TierStatus,
)

CHUNK = 500


def program() -> Program:
    found, _ = Program.objects.get_or_create(pk=1)
    return found


def qualifying_amount(customer_id: int, at: datetime, prog: Program) -> int:
    since = at - timedelta(days=prog.window_days)
    if prog.basis == TierBasis.SPEND:
        orders = Order.objects.filter(customer_id=customer_id, paid_at__gt=since, paid_at__lte=at)
        spent = orders.aggregate(n=Sum(F("paid_fen") - F("refunded_fen")))["n"]
        return int(spent or 0)
    # Pending points do not count yet (they may still be refunded); reversed ones never.
    earned = PointsBucket.objects.filter(
        customer_id=customer_id,
        status__in=[BucketStatus.ACTIVE, BucketStatus.EXPIRED],
        activates_at__gt=since,
        activates_at__lte=at,
    ).aggregate(n=Sum(F("points") - F("reversed")))["n"]
    return int(earned or 0)


def qualifying_tier(customer_id: int, at: datetime, prog: Program | None = None) -> Tier | None:
    prog = prog or program()
    amount = qualifying_amount(customer_id, at, prog)
    tiers = Tier.objects.filter(status=Status.ACTIVE, threshold__lte=amount)
    return tiers.order_by("-rank").first()


def _rank(tier: Tier | None) -> int:
    return tier.rank if tier is not None else -1


def _change(status: TierStatus, tier: Tier | None, reason: str, at: datetime) -> None:
    TierChange.objects.create(
        customer_id=status.customer_id, before=status.tier, after=tier, reason=reason
    )
    status.tier, status.since, status.grace_until = tier, at, None


@transaction.atomic
def evaluate_tier(customer_id: int, *, at: datetime | None = None) -> TierStatus:
    """Upgrade at once when the customer qualifies for a higher tier; never downgrade
    here. A customer back at their tier's level leaves the grace period."""
    now = at or timezone.now()
    prog = program()
    status, _created = TierStatus.objects.select_for_update().get_or_create(
        customer_id=customer_id,
        defaults={"since": now, "review_at": now + timedelta(days=prog.review_every_days)},
    )
    best = qualifying_tier(customer_id, now, prog)
    if _rank(best) > _rank(status.tier):
        _change(status, best, "upgrade", now)
        status.review_at = now + timedelta(days=prog.review_every_days)
    elif _rank(best) == _rank(status.tier):
        status.grace_until = None
    status.save()
    return status


def review_tiers(at: datetime | None = None) -> int:
    """The review job: every status whose review date has come. Returns how many
    customers moved down."""
    now = at or timezone.now()
    prog = program()
    moved, after = 0, 0
    while True:
        with transaction.atomic():
            rows = list(
                TierStatus.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(review_at__lte=now, pk__gt=after)
                .select_related("tier")
                .order_by("pk")[:CHUNK]
            )
            if not rows:
                return moved
            for status in rows:
                moved += _review(status, now, prog)
                status.save()
            after = rows[-1].pk


def _review(status: TierStatus, now: datetime, prog: Program) -> int:
    best = qualifying_tier(status.customer_id, now, prog)
    next_review = now + timedelta(days=prog.review_every_days)
    if _rank(best) >= _rank(status.tier):
        if _rank(best) > _rank(status.tier):
            _change(status, best, "upgrade", now)
        status.grace_until, status.review_at = None, next_review
        return 0
    if status.grace_until is None and prog.grace_days:
        status.grace_until = now + timedelta(days=prog.grace_days)
        status.review_at = status.grace_until
        return 0
    _change(status, best, "downgrade", now)
    status.review_at = next_review
    return 1
