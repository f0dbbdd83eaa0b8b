"""Cohort curves by acquisition month: retention (share of the cohort buying in month k
after acquisition) and repurchase (share that has made a second order by month k)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import TruncMonth

from siyu.analytics.dimensions import with_channel
from siyu.customers.models import Customer, Order


@dataclass(frozen=True)
class Cohort:
    month: date
    size: int
    retention: list[float]  # index k = k months after the acquisition month
    repurchase: list[float]  # cumulative share with a second order by month k


def month_offset(first: date, later: date) -> int:
    return (later.year - first.year) * 12 + later.month - first.month


def cohort_curves(
    customers: QuerySet[Customer], *, channel: str | None = None, until: date
) -> list[Cohort]:
    """One row per acquisition month up to ``until``; curves stop at ``until``'s month."""
    if channel is not None:
        customers = with_channel(customers).filter(channel=channel)
    sizes = {
        row["m"].date(): row["n"]
        for row in customers.values(m=TruncMonth("created_at")).annotate(n=Count("id"))
    }
    active: dict[date, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    rows = (
        Order.objects.filter(customer__in=customers)
        .values(acq=TruncMonth("customer__created_at"), paid=TruncMonth("paid_at"))
        .annotate(n=Count("customer_id", distinct=True))
    )
    for row in rows:
        acq = row["acq"].date()
        active[acq][month_offset(acq, row["paid"].date())] += row["n"]
    second = Order.objects.filter(customer_id=OuterRef("pk")).order_by("paid_at", "id")
    repeats: dict[date, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    second_rows = (
        customers.annotate(second=Subquery(second.values("paid_at")[1:2]))
        .filter(second__isnull=False)
        .values(acq=TruncMonth("created_at"), again=TruncMonth("second"))
        .annotate(n=Count("id"))
    )
    for row in second_rows:
        acq = row["acq"].date()
        repeats[acq][month_offset(acq, row["again"].date())] += row["n"]
    return [
        _cohort(month, size, active[month], repeats[month], month_offset(month, until))
        for month, size in sorted(sizes.items())
        if month <= until
    ]


def _cohort(
    month: date, size: int, active: dict[int, int], repeats: dict[int, int], last: int
) -> Cohort:
    retention = [active.get(k, 0) / size for k in range(last + 1)]
    running, curve = 0, []
    for k in range(last + 1):
        running += repeats.get(k, 0)
        curve.append(running / size)
    return Cohort(month, size, retention, curve)
