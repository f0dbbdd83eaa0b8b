"""Group buy (拼团): a group forms on paid seats before its own deadline.

Joining only holds a place in the queue; the seat is taken when the order is paid, by one
conditional UPDATE (``seats_paid = seats_paid + 1 WHERE status = open AND seats_paid <
size AND deadline > now``) with a CHECK constraint behind it, so concurrent payments never
put 4 people in a 3-seat group: the payment that finds no seat is marked for refund. At
the deadline a short group either succeeds virtually (虚拟成团) or fails and its paid seats
are marked for refund. A group only ever leaves ``open`` once: a later refund (partial or
whole) is noted on its seat and never re-opens or re-counts a finished group.

Refunds are owed, not performed here: ``REFUND_DUE`` seats are what the shop's platform
must refund (an outbox the console lists), since no network call happens in a transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from siyu.campaigns.allowance import locked_person_id
from siyu.campaigns.models import (
    BuyGroup,
    CampaignStatus,
    GroupBuyDeal,
    GroupSeat,
    GroupStatus,
    SeatStatus,
)
from siyu.campaigns.refusals import Refused
from siyu.customers.models import Order


@transaction.atomic
def open_group(
    deal_id: int, customer_id: int, *, platform: str, order_no: str, now: datetime | None = None
) -> GroupSeat:
    """Start a group as its leader, with the order that will pay the leader's seat."""
    now = now or timezone.now()
    person = locked_person_id(customer_id)
    deal = GroupBuyDeal.objects.get(pk=deal_id)
    if deal.status != CampaignStatus.PUBLISHED:
        raise Refused("not_published")
    group = BuyGroup.objects.create(
        deal=deal,
        size=deal.group_size,
        deadline=now + timedelta(minutes=deal.window_minutes),
        created_at=now,
    )
    return GroupSeat.objects.create(
        group=group, customer_id=person, platform=platform, order_no=order_no, created_at=now
    )


@transaction.atomic
def join_group(
    group_id: int, customer_id: int, *, platform: str, order_no: str, now: datetime | None = None
) -> GroupSeat:
    now = now or timezone.now()
    person = locked_person_id(customer_id)
    group = BuyGroup.objects.get(pk=group_id)
    if group.status != GroupStatus.OPEN or group.deadline <= now:
        raise Refused("group_closed")
    if group.seats_paid >= group.size:
        raise Refused("group_full")
    if GroupSeat.objects.filter(group=group, customer_id=person).exists():
        raise Refused("already_joined")
    return GroupSeat.objects.create(
        group=group, customer_id=person, platform=platform, order_no=order_no, created_at=now
    )


@transaction.atomic
def pay_seat(platform: str, order_no: str, now: datetime | None = None) -> bool:
    """The seat's order was paid: take the seat, or mark the payment for refund. True when
    a seat was taken. Idempotent: a seat already settled is left alone."""
    now = now or timezone.now()
    seat = GroupSeat.objects.select_for_update().filter(platform=platform, order_no=order_no)
    found = seat.first()
    if found is None or found.status != SeatStatus.JOINED:
        return False
    room = BuyGroup.objects.filter(
        pk=found.group_id, status=GroupStatus.OPEN, seats_paid__lt=F("size"), deadline__gt=now
    )
    if not room.update(seats_paid=F("seats_paid") + 1):
        seat.update(status=SeatStatus.REFUND_DUE, refund_reason="no_seat")
        return False
    seat.update(status=SeatStatus.PAID)
    BuyGroup.objects.filter(
        pk=found.group_id, status=GroupStatus.OPEN, seats_paid=F("size")
    ).update(status=GroupStatus.SUCCEEDED, finished_at=now)
    return True


def _settle(group: BuyGroup, now: datetime) -> None:
    with transaction.atomic():
        still_open = BuyGroup.objects.filter(pk=group.pk, status=GroupStatus.OPEN)
        if group.deal.virtual_success:
            still_open.update(
                status=GroupStatus.SUCCEEDED,
                virtual_seats=F("size") - F("seats_paid"),
                finished_at=now,
            )
            return
        if still_open.update(status=GroupStatus.FAILED, finished_at=now):
            GroupSeat.objects.filter(group_id=group.pk, status=SeatStatus.PAID).update(
                status=SeatStatus.REFUND_DUE, refund_reason="group_failed"
            )


def settle_due(now: datetime | None = None, limit: int = 200) -> int:
    """The deadline timer: open groups past their deadline succeed (virtually) or fail."""
    now = now or timezone.now()
    due = BuyGroup.objects.filter(status=GroupStatus.OPEN, deadline__lte=now)
    groups = list(due.select_related("deal").order_by("deadline")[:limit])
    for group in groups:
        _settle(group, now)
    return len(groups)


@transaction.atomic
def note_refund(order: Order) -> None:
    """A refund arrived for a seat's order. While the group is open, a whole refund gives
    the seat back; once the group has finished, nothing about the group changes."""
    seat = GroupSeat.objects.select_for_update().filter(
        platform=order.platform, order_no=order.order_no, status=SeatStatus.PAID
    )
    found = seat.first()
    if found is None or order.refunded_fen < order.paid_fen:
        return
    freed = BuyGroup.objects.filter(
        pk=found.group_id, status=GroupStatus.OPEN, seats_paid__gt=0
    ).update(seats_paid=F("seats_paid") - 1)
    seat.update(status=SeatStatus.REFUNDED, refund_reason="refunded" if freed else "after_end")
