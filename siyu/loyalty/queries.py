"""Reads for the member centre, the console and the 360 page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate

from siyu.customers.models import Customer
from siyu.loyalty.ledger import usable
from siyu.loyalty.models import (
    BucketStatus,
    EntryKind,
    LedgerEntry,
    MallItem,
    MembershipStatus,
    PaidMembership,
    PointsBucket,
    Redemption,
    Status,
)

LEDGER_PAGE = 50


def survivor_id(customer_id: int) -> int | None:
    """The profile a person's rows live on now (a merged profile's survivor), or None."""
    seen: set[int] = set()
    current: int | None = customer_id
    while current is not None and current not in seen:
        seen.add(current)
        row = Customer.objects.filter(pk=current).values_list("merged_into_id", flat=True).first()
        if row is None:
            return current if Customer.objects.filter(pk=current).exists() else None
        current = row
    return None


@dataclass(frozen=True)
class Expiring:
    day: str
    points: int


@dataclass(frozen=True)
class PointsSummary:
    balance: int
    pending: int
    expiring: list[Expiring]


def points_summary(customer_id: int, at: datetime) -> PointsSummary:
    """Balance, pending, and the usable points by the brand day they expire."""
    by_day = (
        usable(customer_id, at)
        .annotate(day=TruncDate("expires_at"))
        .values("day")
        .annotate(n=Sum("remaining"))
        .order_by("day")[:12]
    )
    # Balance and pending in one query (the 360 page counts its queries).
    live = PointsBucket.objects.filter(customer_id=customer_id).aggregate(
        active=Sum("remaining", filter=Q(status=BucketStatus.ACTIVE, expires_at__gt=at)),
        pending=Sum("remaining", filter=Q(status=BucketStatus.PENDING)),
    )
    return PointsSummary(
        balance=int(live["active"] or 0),
        pending=int(live["pending"] or 0),
        expiring=[Expiring(str(row["day"]), int(row["n"])) for row in by_day],
    )


def ledger_page(
    customer_id: int, *, before: int | None = None, limit: int = LEDGER_PAGE
) -> list[LedgerEntry]:
    """Newest first; ``before`` is the id of the last entry of the previous page."""
    rows = LedgerEntry.objects.filter(customer_id=customer_id).exclude(kind=EntryKind.ACTIVATE)
    if before is not None:
        rows = rows.filter(pk__lt=before)
    return list(rows.order_by("-pk")[:limit])


def mall_items() -> QuerySet[MallItem]:
    return MallItem.objects.filter(status=Status.ACTIVE).order_by("points_cost", "pk")


def redemptions_of(customer_id: int) -> QuerySet[Redemption]:
    return Redemption.objects.filter(customer_id=customer_id).select_related("item").order_by("-pk")


def memberships_of(customer_id: int) -> QuerySet[PaidMembership]:
    return (
        PaidMembership.objects.filter(customer_id=customer_id)
        .select_related("plan")
        .order_by("-ends_at")
    )


@dataclass(frozen=True)
class ProgramReport:
    """Points issued, used and expired, and the liability: what is still live."""

    issued: int
    used: int
    expired: int
    reversed: int
    liability: int
    pending: int
    members: int
    redemptions: int


def program_report() -> ProgramReport:
    entries = dict(
        LedgerEntry.objects.values_list("kind").annotate(n=Sum("points")).values_list("kind", "n")
    )
    live = dict(
        PointsBucket.objects.filter(status__in=[BucketStatus.ACTIVE, BucketStatus.PENDING])
        .values_list("status")
        .annotate(n=Sum("remaining"))
        .values_list("status", "n")
    )
    active_members = PaidMembership.objects.filter(status=MembershipStatus.ACTIVE)
    return ProgramReport(
        issued=int(entries.get(EntryKind.EARN, 0) or 0),
        used=-int(entries.get(EntryKind.SPEND, 0) or 0)
        - int(entries.get(EntryKind.RESTORE, 0) or 0),
        expired=-int(entries.get(EntryKind.EXPIRE, 0) or 0),
        reversed=-int(entries.get(EntryKind.REVERSE, 0) or 0),
        liability=int(live.get(BucketStatus.ACTIVE, 0) or 0),
        pending=int(live.get(BucketStatus.PENDING, 0) or 0),
        members=active_members.values("customer").aggregate(n=Count("customer", distinct=True))[
            "n"
        ],
        redemptions=Redemption.objects.count(),
    )
