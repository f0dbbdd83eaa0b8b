"""Reads for the member centre's campaign listings: running lotteries, group buys with
their open groups and the member's own seats, and flash sales with what is left."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, Q, QuerySet

from siyu.campaigns.models import (
    BuyGroup,
    CampaignStatus,
    DrawAllowance,
    FlashAllowance,
    FlashSale,
    GroupBuyDeal,
    GroupSeat,
    GroupStatus,
    Lottery,
)
from siyu.campaigns.refusals import Refused

LIMIT = 20  # a member centre shows a handful of campaigns, never a catalogue


def _running(rows: QuerySet[Lottery], now: datetime) -> QuerySet[Lottery]:
    return rows.filter(
        Q(starts_at__isnull=True) | Q(starts_at__lte=now),
        Q(ends_at__isnull=True) | Q(ends_at__gt=now),
        status=CampaignStatus.PUBLISHED,
    )


@dataclass(frozen=True)
class LotteryRow:
    id: int
    name: str
    ends_at: datetime | None
    draws_total: int
    drawn: int


def lotteries_for(person_id: int, now: datetime) -> list[LotteryRow]:
    rows = list(_running(Lottery.objects.all(), now).order_by("-pk")[:LIMIT])
    drawn = dict(
        DrawAllowance.objects.filter(customer_id=person_id, lottery__in=rows).values_list(
            "lottery_id", "drawn"
        )
    )
    return [
        LotteryRow(r.pk, r.name, r.ends_at, r.draws_total, int(drawn.get(r.pk, 0))) for r in rows
    ]


@dataclass(frozen=True)
class GroupRow:
    id: int
    deal_id: int
    deal: str
    size: int
    seats_paid: int
    status: str
    deadline: datetime
    seat_status: str = ""  # the member's own seat, when listed among their groups


@dataclass(frozen=True)
class DealRow:
    id: int
    name: str
    price_fen: int
    group_size: int
    open_groups: list[GroupRow]


def _group(g: BuyGroup, seat_status: str = "") -> GroupRow:
    return GroupRow(
        g.pk, g.deal_id, g.deal.name, g.size, g.seats_paid, g.status, g.deadline, seat_status
    )


def deals_for(person_id: int, now: datetime) -> tuple[list[DealRow], list[GroupRow]]:
    """Published deals with groups one may still join, and the member's own groups."""
    deals = list(
        GroupBuyDeal.objects.filter(status=CampaignStatus.PUBLISHED).order_by("-pk")[:LIMIT]
    )
    joinable = BuyGroup.objects.filter(
        deal__in=deals, status=GroupStatus.OPEN, deadline__gt=now, seats_paid__lt=F("size")
    ).select_related("deal")
    by_deal: dict[int, list[GroupRow]] = {d.pk: [] for d in deals}
    for g in joinable.order_by("deadline")[: LIMIT * 5]:
        if len(by_deal[g.deal_id]) < 5:
            by_deal[g.deal_id].append(_group(g))
    seats = GroupSeat.objects.filter(customer_id=person_id).select_related("group__deal")
    mine = [_group(s.group, s.status) for s in seats.order_by("-created_at", "-pk")[:LIMIT]]
    rows = [DealRow(d.pk, d.name, d.price_fen, d.group_size, by_deal[d.pk]) for d in deals]
    return rows, mine


def group_progress(group_id: int) -> GroupRow:
    return _group(BuyGroup.objects.select_related("deal").get(pk=group_id))


@dataclass(frozen=True)
class FlashRow:
    id: int
    name: str
    price_fen: int
    left: int
    per_person_limit: int
    taken: int
    starts_at: datetime
    ends_at: datetime
    pay_minutes: int


def flash_sales_for(person_id: int, now: datetime) -> list[FlashRow]:
    """Published sales that have not ended (upcoming ones too: a countdown is the point)."""
    sales = list(
        FlashSale.objects.filter(status=CampaignStatus.PUBLISHED, ends_at__gt=now).order_by(
            "starts_at", "pk"
        )[:LIMIT]
    )
    taken = dict(
        FlashAllowance.objects.filter(customer_id=person_id, sale__in=sales).values_list(
            "sale_id", "taken"
        )
    )
    return [
        FlashRow(
            s.pk,
            s.name,
            s.price_fen,
            s.stock - s.sold,
            s.per_person_limit,
            int(taken.get(s.pk, 0)),
            s.starts_at,
            s.ends_at,
            s.pay_minutes,
        )
        for s in sales
    ]


def ended_lottery(lottery_id: int, now: datetime) -> Lottery:
    """A published lottery that has ended (its seed may be revealed); Refused before."""
    lottery = Lottery.objects.exclude(published_at=None).get(pk=lottery_id)
    over = lottery.status == CampaignStatus.ENDED or (
        lottery.ends_at is not None and lottery.ends_at <= now
    )
    if not over:
        raise Refused("not_ended")
    return lottery
