"""Cohort curves: retention (share of the cohort buying in month k after its start month)
and repurchase (share that has made a second order by month k).

A cohort starts either in the customer's acquisition month (``Customer.first_seen_at``,
which imports of older history move back) or in the month of their first purchase; the
page offers both. Months are calendar months in the brand's zone."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from django.db.models import Count, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import TruncMonth

from siyu.analytics.dimensions import with_channel
from siyu.customers.models import Customer, Order

CohortBasis = Literal["acquired", "first_purchase"]
BASES: tuple[CohortBasis, ...] = ("acquired", "first_purchase")


@dataclass(frozen=True)
class Cohort:
    month: date
    size: int
    retention: list[float]  # index k = k months after the cohort's month
    repurchase: list[float]  # cumulative share with a second order by month k


def month_offset(first: date, later: date) -> int:
    return (later.year - first.year) * 12 + later.month - first.month


def _nth_order(customer_ref: str, n: int) -> Subquery:
    paid = Order.objects.filter(customer_id=OuterRef(customer_ref)).order_by("paid_at", "id")
    return Subquery(paid.values("paid_at")[n : n + 1])


def _start(basis: CohortBasis, customer_ref: str, field: str) -> Any:
    """The moment a customer's cohort starts, for a query on customers or on orders."""
    return _nth_order(customer_ref, 0) if basis == "first_purchase" else F(field)


def cohort_curves(
    customers: QuerySet[Customer],
    *,
    channel: str | None = None,
    until: date,
    basis: CohortBasis = "acquired",
) -> list[Cohort]:
    """One row per cohort month up to ``until``; curves stop at ``until``'s month."""
    if channel is not None:
        customers = with_channel(customers).filter(channel=channel)
    started = customers.annotate(start=_start(basis, "pk", "first_seen_at")).filter(
        start__isnull=False
    )
    sizes = {
        row["m"].date(): row["n"]
        for row in started.values(m=TruncMonth("start")).annotate(n=Count("id"))
    }
    active: dict[date, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    rows = (
        Order.objects.filter(customer__in=customers)
        .annotate(start=_start(basis, "customer_id", "customer__first_seen_at"))
        .values(acq=TruncMonth("start"), paid=TruncMonth("paid_at"))
        .annotate(n=Count("customer_id", distinct=True))
    )
    for row in rows:
        acq = row["acq"].date()
        active[acq][month_offset(acq, row["paid"].date())] += row["n"]
    repeats: dict[date, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    second_rows = (
        started.annotate(second=_nth_order("pk", 1))
        .filter(second__isnull=False)
        .values(acq=TruncMonth("start"), again=TruncMonth("second"))
        .annotate(n=Count("id"))
    )
    for row in second_rows:
        acq = row["acq"].date()
        repeats[acq][month_offset(acq, row["again"].date())] += row["n"]
    return [
        cohort_from_counts(month, size, active[month], repeats[month], month_offset(month, until))
        for month, size in sorted(sizes.items())
        if month <= until
    ]


def cohort_from_counts(
    month: date, size: int, active: dict[int, int], repeats: dict[int, int], last: int
) -> Cohort:
    retention = [active.get(k, 0) / size for k in range(last + 1)]
    running, curve = 0, []
    for k in range(last + 1):
        running += repeats.get(k, 0)
        curve.append(running / size)
    return Cohort(month, size, retention, curve)
