"""Channel reads: conversion per welcome variant, figures per channel code. CAC and ROI have one definition, in
``siyu/analytics/channels.py``."""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum

from siyu.channels.models import (
    Attribution,
    Channel,
    ChannelCode,
    ChannelSpend,
    Touch,
    WelcomeSend,
    WelcomeStatus,
)
from siyu.customers.models import Order


@dataclass(frozen=True)
class VariantStats:
    variant_id: int
    variant: str
    sent: int
    converted: int

    @property
    def conversion_rate(self) -> float:
        return self.converted / self.sent if self.sent else 0.0

    @property
    def interval(self) -> tuple[float, float] | None:
        """95 % Wilson score interval of the conversion rate (None before any send)."""
        return wilson_interval(self.converted, self.sent)


def wilson_interval(successes: int, trials: int, z: float = 1.96) -> tuple[float, float] | None:
    if trials <= 0:
        return None
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def _ordered_after(field: str) -> Exists:
    return Exists(Order.objects.filter(customer=OuterRef("customer"), paid_at__gte=OuterRef(field)))


def variant_report(channel: Channel) -> list[VariantStats]:
    """Welcome variants of a channel: welcomes delivered and first orders after them."""
    sends = WelcomeSend.objects.filter(
        channel=channel, status=WelcomeStatus.SENT, variant__isnull=False
    ).annotate(ordered=_ordered_after("sent_at"))
    counts: dict[int, tuple[int, int]] = {}
    for variant_id, ordered in sends.values_list("variant_id", "ordered"):
        sent, converted = counts.get(variant_id, (0, 0))
        counts[variant_id] = (sent + 1, converted + int(ordered))
    return [
        VariantStats(v.pk, v.name, *counts.get(v.pk, (0, 0)))
        for v in channel.variants.filter(Q(is_active=True) | Q(pk__in=list(counts)))
    ]


@dataclass(frozen=True)
class CodeStats:
    adds: int  # add events through the code (a customer re-adding counts again)
    new_customers: int  # customers whose first touch was this code
    first_orders: int  # of those, customers who ordered since
    cac_fen: float | None  # the channel's spend per new customer (spend is per channel)


def code_stats(codes: QuerySet[ChannelCode]) -> dict[int, CodeStats]:
    """Figures per code in four queries, whatever the number of codes."""
    ids = list(codes.values_list("pk", flat=True))
    adds = dict(
        Touch.objects.filter(code_id__in=ids)
        .values("code_id")
        .annotate(n=Count("id"))
        .values_list("code_id", "n")
    )
    firsts: dict[int, tuple[int, int]] = {}
    ordered = Exists(Order.objects.filter(customer=OuterRef("customer")))
    rows = (
        Attribution.objects.filter(code_id__in=ids)
        .values("code_id")
        .annotate(n=Count("id"), buyers=Count("id", filter=ordered))
    )
    for row in rows:
        firsts[row["code_id"]] = (row["n"], row["buyers"])
    channel_of = dict(codes.values_list("pk", "channel_id"))
    channels = set(channel_of.values())
    spend = dict(
        ChannelSpend.objects.filter(channel_id__in=channels)
        .values("channel_id")
        .annotate(total=Sum("amount_fen"))
        .values_list("channel_id", "total")
    )
    acquired = dict(
        Attribution.objects.filter(channel_id__in=channels)
        .values("channel_id")
        .annotate(n=Count("id"))
        .values_list("channel_id", "n")
    )
    result = {}
    for pk in ids:
        channel = channel_of[pk]
        new, buyers = firsts.get(pk, (0, 0))
        spent, people = spend.get(channel), acquired.get(channel, 0)
        cac = spent / people if spent is not None and people else None
        result[pk] = CodeStats(adds.get(pk, 0), new, buyers, cac)
    return result
