"""GMV (net of refunds) and its four factors, by period and by channel or org unit.

GMV = users × conversion × AOV × frequency, where users are the customers in the pool by the
end of the period (acquired, ``first_seen_at``, before it ended), conversion = buyers /
users, frequency = orders / buyers and AOV = GMV / orders. The identity is exact whenever
the period has users, so a change in GMV splits into the four factors with nothing
unexplained (see decomposition.py); a period with orders but no users (e.g. a scope whose
customers were all acquired later) cannot be split, and the change says so.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Literal

from django.db.models import Count, F, QuerySet, Sum

from siyu.analytics.decomposition import CannotExplain, FactorChange, decompose_change
from siyu.analytics.dimensions import (
    NO_CHANNEL,
    child_units,
    first_channel,
    rollup_unit,
    with_channel,
)
from siyu.analytics.periods import Period
from siyu.core.models import OrgUnit
from siyu.customers.models import Customer, Order

FACTOR_NAMES = ("users", "conversion", "aov", "frequency")
Dimension = Literal["channel", "org_unit"]


@dataclass(frozen=True)
class GmvFactors:
    users: int
    buyers: int
    orders: int
    gmv_fen: int

    @property
    def conversion(self) -> float:
        return self.buyers / self.users if self.users else 0.0

    @property
    def frequency(self) -> float:
        return self.orders / self.buyers if self.buyers else 0.0

    @property
    def aov_fen(self) -> float:
        return self.gmv_fen / self.orders if self.orders else 0.0

    def factors(self) -> list[float]:
        return [float(self.users), self.conversion, self.aov_fen, self.frequency]

    def __add__(self, other: GmvFactors) -> GmvFactors:
        return GmvFactors(
            self.users + other.users,
            self.buyers + other.buyers,
            self.orders + other.orders,
            self.gmv_fen + other.gmv_fen,
        )


EMPTY = GmvFactors(0, 0, 0, 0)


@dataclass(frozen=True)
class GmvChange:
    before: GmvFactors
    after: GmvFactors
    parts: list[FactorChange]  # shares are 0 and meaningless when not ``explained``
    explained: bool = True

    @property
    def change_fen(self) -> int:
        return self.after.gmv_fen - self.before.gmv_fen

    @property
    def periods_without_users(self) -> list[str]:
        """Which period ("before", "after") has orders but no users: why it cannot split."""
        return [
            name
            for name, f in (("before", self.before), ("after", self.after))
            if f.users == 0 and f.orders
        ]


def period_orders(customers: QuerySet[Customer], period: Period) -> QuerySet[Order]:
    return Order.objects.filter(
        customer__in=customers, paid_at__gte=period.start_at, paid_at__lt=period.end_at
    )


ORDER_AGGREGATES: dict[str, Any] = {
    "gmv": Sum(F("paid_fen") - F("refunded_fen")),
    "n_orders": Count("id"),
    "n_buyers": Count("customer_id", distinct=True),
}


def gmv_factors(customers: QuerySet[Customer], period: Period) -> GmvFactors:
    users = customers.filter(first_seen_at__lt=period.end_at).count()
    row = period_orders(customers, period).aggregate(**ORDER_AGGREGATES)
    return GmvFactors(users, row["n_buyers"], row["n_orders"], row["gmv"] or 0)


def gmv_factors_by(
    customers: QuerySet[Customer],
    period: Period,
    dimension: Dimension,
    unit: OrgUnit | None = None,
) -> dict[str, GmvFactors]:
    """Factors per channel name, or per child org unit name of ``unit``. Buyers add up
    across keys because each customer has exactly one channel and one org unit."""
    if dimension == "channel":
        users_rows = (
            with_channel(customers.filter(first_seen_at__lt=period.end_at))
            .values("channel")
            .annotate(n=Count("id"))
        )
        order_rows = (
            period_orders(customers, period)
            .annotate(channel=first_channel("customer_id"))
            .values("channel")
            .annotate(**ORDER_AGGREGATES)
        )
        return _combine(users_rows, order_rows, "channel", lambda key: key or NO_CHANNEL)
    units = child_units(unit)

    def unit_name(path: str | None) -> str:
        found = rollup_unit(path, units)
        return found.name if found else NO_CHANNEL

    unit_users = (
        customers.filter(first_seen_at__lt=period.end_at)
        .values(key=F("org_unit__path"))
        .annotate(n=Count("id"))
    )
    unit_orders = (
        period_orders(customers, period)
        .values(key=F("customer__org_unit__path"))
        .annotate(**ORDER_AGGREGATES)
    )
    return _combine(unit_users, unit_orders, "key", unit_name)


def _combine(users_rows: Any, order_rows: Any, field: str, name_of: Any) -> dict[str, GmvFactors]:
    out: dict[str, GmvFactors] = defaultdict(lambda: EMPTY)
    for row in users_rows:
        out[name_of(row[field])] += GmvFactors(row["n"], 0, 0, 0)
    for row in order_rows:
        add = GmvFactors(0, row["n_buyers"], row["n_orders"], row["gmv"] or 0)
        out[name_of(row[field])] += add
    return dict(sorted(out.items()))


def explain_change(before: GmvFactors, after: GmvFactors) -> GmvChange:
    b, a = before.factors(), after.factors()
    try:
        parts = decompose_change(list(FACTOR_NAMES), b, a, before.gmv_fen, after.gmv_fen)
    except CannotExplain:
        unsplit = [
            FactorChange(n, x, y, 0.0, 0) for n, x, y in zip(FACTOR_NAMES, b, a, strict=True)
        ]
        return GmvChange(before, after, unsplit, explained=False)
    return GmvChange(before, after, parts)


def gmv_change(
    customers: QuerySet[Customer], period: Period, base: Period | None = None
) -> GmvChange:
    """GMV in ``period`` against ``base`` (default: the period just before), explained."""
    before = gmv_factors(customers, base or period.previous())
    return explain_change(before, gmv_factors(customers, period))
