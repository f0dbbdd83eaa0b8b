"""Channel reads: customers won, spend → CAC, and conversion to a first order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Exists, OuterRef, Q, Sum

from siyu.channels.models import Attribution, Channel, ChannelSpend, WelcomeSend, WelcomeStatus
from siyu.customers.models import Order


@dataclass(frozen=True)
class ChannelStats:
    channel_id: int
    channel: str
    kind: str
    new_customers: int
    converted: int  # placed a first order after the attribution
    spend_fen: int
    cac_fen: int | None  # spend per new customer; None without customers

    @property
    def conversion_rate(self) -> float:
        return self.converted / self.new_customers if self.new_customers else 0.0


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


def channel_report(start: datetime, end: datetime) -> list[ChannelStats]:
    """Per channel: customers first attributed in [start, end), how many of them ordered,
    and spend for periods inside [start.date(), end.date()]."""
    spend = _spend_by_channel(start.date(), end.date())
    rows: dict[int, tuple[int, int]] = {}
    attributed = Attribution.objects.filter(touched_at__gte=start, touched_at__lt=end).annotate(
        ordered=_ordered_after("touched_at")
    )
    for channel_id, ordered in attributed.values_list("channel_id", "ordered"):
        new, converted = rows.get(channel_id, (0, 0))
        rows[channel_id] = (new + 1, converted + int(ordered))
    result = []
    for channel in Channel.objects.filter(pk__in=set(rows) | set(spend)).order_by("name"):
        new, converted = rows.get(channel.pk, (0, 0))
        cost = spend.get(channel.pk, 0)
        result.append(
            ChannelStats(
                channel_id=channel.pk,
                channel=channel.name,
                kind=channel.kind,
                new_customers=new,
                converted=converted,
                spend_fen=cost,
                cac_fen=round(cost / new) if new else None,
            )
        )
    return result


def _spend_by_channel(first: date, last: date) -> dict[int, int]:
    rows = (
        ChannelSpend.objects.filter(period_start__gte=first, period_end__lte=last)
        .values("channel_id")
        .annotate(total=Sum("amount_fen"))
    )
    return {r["channel_id"]: int(r["total"] or 0) for r in rows}


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
