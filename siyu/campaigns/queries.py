"""Reads for the member centre, the console and the 360 page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Q, QuerySet, Sum

from siyu.campaigns.models import (
    BuyGroup,
    CampaignStatus,
    Coupon,
    GroupBuyDeal,
    GroupSeat,
    GroupStatus,
    HoldoutMember,
    IssuedCoupon,
    IssuedStatus,
    Redemption,
    SeatStatus,
)
from siyu.core.clock import local_date
from siyu.customers.models import Customer, Order


def coupons_of(person_id: int, limit: int = 100) -> list[IssuedCoupon]:
    rows = IssuedCoupon.objects.filter(customer_id=person_id).select_related("coupon")
    return list(rows.order_by("-created_at", "-pk")[:limit])


def claimable(now: datetime, limit: int = 50) -> list[Coupon]:
    rows = Coupon.objects.filter(
        Q(claim_from__isnull=True) | Q(claim_from__lte=now),
        Q(claim_until__isnull=True) | Q(claim_until__gt=now),
        status=CampaignStatus.PUBLISHED,
        public_code="",
    )
    return list(rows.order_by("-pk")[:limit])


@dataclass(frozen=True)
class CouponReport:
    issued: int
    used: int
    cost_fen: int
    gmv_fen: int
    holdout: int
    # Spend per person in the window after issue: issued people vs held-out people.
    issued_spend_fen: int | None
    holdout_spend_fen: int | None

    @property
    def lift(self) -> float | None:
        if not self.holdout_spend_fen or self.issued_spend_fen is None:
            return None
        return self.issued_spend_fen / self.holdout_spend_fen - 1


def _spend_per_person(person_ids: list[int], since: datetime) -> int | None:
    if not person_ids:
        return None
    paid = Order.objects.filter(customer_id__in=person_ids, paid_at__gte=since)
    total = paid.aggregate(s=Sum("paid_fen"))["s"] or 0
    return int(total) // len(person_ids)


def coupon_report(coupon: Coupon) -> CouponReport:
    used = Redemption.objects.filter(coupon=coupon).aggregate(
        n=Count("pk"), cost=Sum("discount_fen"), gmv=Sum("order_paid_fen")
    )
    holdout = list(
        HoldoutMember.objects.filter(coupon=coupon).values_list("customer_id", flat=True)
    )
    issued_people = list(
        IssuedCoupon.objects.filter(coupon=coupon).values_list("customer_id", flat=True).distinct()
    )
    return CouponReport(
        issued=int(Coupon.objects.filter(pk=coupon.pk).values_list("issued", flat=True)[0]),
        used=int(used["n"] or 0),
        cost_fen=int(used["cost"] or 0),
        gmv_fen=int(used["gmv"] or 0),
        holdout=len(holdout),
        issued_spend_fen=_spend_per_person(issued_people, coupon.created_at) if holdout else None,
        holdout_spend_fen=_spend_per_person(holdout, coupon.created_at),
    )


LIFT_DAYS = 30  # the measured window when the coupon names no validity of its own


@dataclass(frozen=True)
class LiftWindow:
    """One window for both groups: from the coupon's first day, as long as a coupon stays
    valid, and never past today, so issued and held-out people are measured alike."""

    start: date
    end: date  # first day not included
    treated: QuerySet[Customer]
    control: QuerySet[Customer]


def lift_window(coupon: Coupon, now: datetime) -> LiftWindow | None:
    """None when the coupon held no one out (there is nothing to compare against)."""
    held = HoldoutMember.objects.filter(coupon=coupon).values("customer_id")
    if not held.exists():
        return None
    issued = IssuedCoupon.objects.filter(coupon=coupon).values("customer_id")
    start = local_date(coupon.created_at)
    days = coupon.valid_days or LIFT_DAYS
    end = min(start + timedelta(days=days), local_date(now) + timedelta(days=1))
    return LiftWindow(
        start,
        max(end, start + timedelta(days=1)),
        Customer.objects.filter(pk__in=issued),
        Customer.objects.filter(pk__in=held),
    )


def usable_count(person_id: int, now: datetime) -> int:
    return IssuedCoupon.objects.filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now),
        customer_id=person_id,
        status=IssuedStatus.AVAILABLE,
    ).count()


@dataclass(frozen=True)
class GroupSummary:
    open: int
    succeeded: int
    failed: int
    seats_paid: int
    refunds_due: int


def group_summary(deal: GroupBuyDeal) -> GroupSummary:
    groups = BuyGroup.objects.filter(deal=deal)
    counts = dict(groups.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    seats = GroupSeat.objects.filter(group__deal=deal)
    return GroupSummary(
        open=counts.get(GroupStatus.OPEN, 0),
        succeeded=counts.get(GroupStatus.SUCCEEDED, 0),
        failed=counts.get(GroupStatus.FAILED, 0),
        seats_paid=int(groups.aggregate(s=Sum("seats_paid"))["s"] or 0),
        refunds_due=seats.filter(status=SeatStatus.REFUND_DUE).count(),
    )
