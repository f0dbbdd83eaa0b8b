"""Channel reads: conversion per welcome variant. CAC and ROI have one definition, in
``siyu/analytics/channels.py``."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q

from siyu.channels.models import Channel, WelcomeSend, WelcomeStatus
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
