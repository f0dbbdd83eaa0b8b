"""Channel economics: CAC, ROI, payback and first-order conversion of the customers a
channel brought in during a period, and a budget suggestion that shows its reasoning.

A channel's cohort is the customers acquired in the period whose first channel tag is the
channel. Revenue is the cohort's net GMV from acquisition to now (gross revenue, not
margin: the brand has no cost data in Siyu). Spend rows that straddle the period count
pro rata by days.

Spend is recorded per channel, and a channel belongs to an org unit (none: the brand).
A cohort is charged only with spend recorded at a scope it covers whole: the brand view
with all spend, a unit's view with its own channels' spend, a sales member's view (their
own customers, a slice of any audience a channel bought) with none. Where no spend is
recorded at the scope, spend, CAC, ROI and payback are left empty, never brand spend set
against a scoped cohort.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from siyu.analytics.dimensions import NO_CHANNEL, first_channel, with_channel
from siyu.analytics.periods import Period
from siyu.channels.models import Channel, ChannelSpend
from siyu.core.models import OrgUnit, Role
from siyu.core.roles import HQ_ROLES, User, current_staff
from siyu.customers.models import Customer, Order

ALL_SPEND = Q()  # the cohort is the whole brand: every channel's spend applies


@dataclass(frozen=True)
class ChannelRow:
    channel: str
    spend_fen: int | None  # None: no spend recorded at the viewed scope
    new_customers: int
    first_order_customers: int
    revenue_fen: int
    payback_months: int | None  # months after acquisition when revenue first covered spend

    @property
    def cac_fen(self) -> float | None:
        if self.spend_fen is None or not self.new_customers:
            return None
        return self.spend_fen / self.new_customers

    @property
    def conversion(self) -> float:
        return self.first_order_customers / self.new_customers if self.new_customers else 0.0

    @property
    def roi(self) -> float | None:
        if not self.spend_fen:
            return None
        return (self.revenue_fen - self.spend_fen) / self.spend_fen


def spend_scope(user: User | None, unit: OrgUnit | None) -> Q | None:
    """The channels whose spend a cohort seen by ``user`` (narrowed to ``unit``) may be
    charged with, as a condition on ``Channel``; None when no spend is recorded at that
    scope."""
    staff = current_staff(user)
    if staff is None:
        return None
    if staff.role not in HQ_ROLES:
        if staff.role != Role.STORE_MANAGER:
            return None
        inside = unit is not None and unit.path.startswith(staff.org_unit.path)
        unit = unit if inside else staff.org_unit
    if unit is None:
        return ALL_SPEND
    here = Q(org_unit__path__startswith=unit.path)
    # A channel without a unit is the brand's: its spend belongs to the top of the tree.
    return here | Q(org_unit__isnull=True) if unit.parent_id is None else here


def spend_by_channel(period: Period, spend: Q = ALL_SPEND) -> dict[str, int]:
    """Spend overlapping the period, pro rata by days (rows are inclusive of their end)."""
    rows = ChannelSpend.objects.filter(
        channel__in=Channel.objects.filter(spend),
        period_start__lt=period.end,
        period_end__gte=period.start,
    ).values_list("channel__name", "period_start", "period_end", "amount_fen")
    out: dict[str, float] = defaultdict(float)
    for channel, start, end, amount in rows:
        span = (end - start).days + 1
        overlap = (min(end + timedelta(days=1), period.end) - max(start, period.start)).days
        out[channel] += amount * overlap / span
    return {k: round(v) for k, v in out.items()}


def _months_between(first: date, later: date) -> int:
    return (later.year - first.year) * 12 + later.month - first.month


def channel_rows(
    customers: QuerySet[Customer], period: Period, spend: Q | None = ALL_SPEND
) -> list[ChannelRow]:
    """``spend`` is what ``spend_scope`` gives for the viewer; the default is only right
    for a cohort of the whole brand."""
    cohort = customers.filter(first_seen_at__gte=period.start_at, first_seen_at__lt=period.end_at)
    sizes = dict(
        with_channel(cohort).values("channel").annotate(n=Count("id")).values_list("channel", "n")
    )
    orders = (
        Order.objects.filter(customer__in=cohort)
        .annotate(channel=first_channel("customer_id"))
        .values(
            "channel",
            acq=TruncMonth("customer__first_seen_at"),
            paid=TruncMonth("paid_at"),
        )
        .annotate(net=Sum(F("paid_fen") - F("refunded_fen")))
    )
    by_offset: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for row in orders:
        offset = _months_between(row["acq"].date(), row["paid"].date())
        by_offset[row["channel"] or NO_CHANNEL][offset] += row["net"] or 0
    buyers = dict(
        with_channel(cohort.filter(Exists(Order.objects.filter(customer_id=OuterRef("pk")))))
        .values("channel")
        .annotate(n=Count("id"))
        .values_list("channel", "n")
    )
    return rows_from_counts(sizes, buyers, by_offset, period, spend)


def rows_from_counts(
    sizes: dict[str | None, int],
    buyers: dict[str | None, int],
    by_offset: dict[str, dict[int, int]],
    period: Period,
    spend: Q | None,
) -> list[ChannelRow]:
    """Channel rows from the cohort's counts per channel (the ORM's or the read model's)
    and the spend recorded at the viewer's scope."""
    spent = spend_by_channel(period, spend) if spend is not None else {}
    owned = _owned_channels(spend)
    names = sorted({*(k or NO_CHANNEL for k in sizes), *spent})
    return [
        _row(
            name,
            spent.get(name, 0) if owned is None or name in owned else None,
            sizes,
            buyers,
            by_offset.get(name, {}),
        )
        for name in names
    ]


def _owned_channels(spend: Q | None) -> set[str] | None:
    """Channels whose spend the scope carries (None: all of them, the brand view). A
    channel outside it shows no spend rather than zero: it may well have cost something."""
    if spend is None:
        return set()
    if not spend:
        return None
    return set(Channel.objects.filter(spend).values_list("name", flat=True))


def _row(
    name: str,
    spend: int | None,
    sizes: dict[str | None, int],
    buyers: dict[str | None, int],
    offsets: dict[int, int],
) -> ChannelRow:
    key = name or None
    payback = None
    running = 0
    for month in sorted(offsets):
        running += offsets[month]
        if spend and running >= spend:
            payback = month + 1
            break
    return ChannelRow(
        channel=name,
        spend_fen=spend,
        new_customers=sizes.get(key, 0),
        first_order_customers=buyers.get(key, 0),
        revenue_fen=sum(offsets.values()),
        payback_months=payback,
    )


def spent(row: ChannelRow) -> int:
    return row.spend_fen or 0


@dataclass(frozen=True)
class BudgetLine:
    channel: str
    current_fen: int
    suggested_fen: int
    reason: str  # shown to the operator verbatim (already translated by the caller's words)


def suggest_budget(rows: list[ChannelRow], *, shift: float = 0.2) -> list[BudgetLine]:
    """Move ``shift`` of the spend of channels whose ROI is below the median to those at
    or above it, in proportion to revenue per yuan; total spend stays the same. Channels
    without spend are left out: there is no ROI to judge them by."""
    paid = [r for r in rows if spent(r) and r.roi is not None]
    if len(paid) < 2:
        return [BudgetLine(r.channel, spent(r), spent(r), "too_few") for r in paid]
    rois = sorted(r.roi for r in paid if r.roi is not None)
    median = rois[len(rois) // 2]
    donors = [r for r in paid if (r.roi or 0) < median]
    takers = [r for r in paid if (r.roi or 0) >= median]
    pool = sum(round(spent(r) * shift) for r in donors)
    weights = [max((r.roi or 0) + 1.0, 0.0) * max(r.conversion, 0.01) for r in takers]
    total_weight = sum(weights) or 1.0
    given = [int(pool * w / total_weight) for w in weights]
    if given:
        given[0] += pool - sum(given)  # rounding remainder, so the total is unchanged
    lines = [
        BudgetLine(r.channel, spent(r), spent(r) - round(spent(r) * shift), "below") for r in donors
    ]
    lines += [
        BudgetLine(r.channel, spent(r), spent(r) + g, "above")
        for r, g in zip(takers, given, strict=True)
    ]
    return sorted(lines, key=lambda line: line.channel)
