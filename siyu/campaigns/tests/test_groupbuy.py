from __future__ import annotations

from datetime import timedelta

import pytest

from siyu.campaigns.feed import poll_changes
from siyu.campaigns.groupbuy import join_group, open_group, pay_seat, settle_due
from siyu.campaigns.models import (
    BuyGroup,
    CampaignStatus,
    GroupBuyDeal,
    GroupSeat,
    GroupStatus,
    SeatStatus,
)
from siyu.campaigns.refusals import Refused
from siyu.campaigns.tests.factories import NOW
from siyu.customers.orders import OrderInput, RefundInput, import_order, upsert_order
from siyu.customers.tests.factories import make_customer

pytestmark = pytest.mark.django_db


def deal(**fields: object) -> GroupBuyDeal:
    values: dict[str, object] = {
        "name": "3人团",
        "sku": "BEANS",
        "price_fen": 5900,
        "group_size": 3,
        "window_minutes": 60,
        "status": CampaignStatus.PUBLISHED,
        "created_at": NOW,
    }
    values.update(fields)
    return GroupBuyDeal.objects.create(**values)


def group_of(size_deal: GroupBuyDeal, n: int, tag: str) -> list[GroupSeat]:
    people = [make_customer(f"oU-{tag}{i}") for i in range(n)]
    seats = [
        open_group(size_deal.pk, people[0].pk, platform="miniprogram", order_no=f"{tag}-0", now=NOW)
    ]
    for i, person in enumerate(people[1:], start=1):
        seats.append(
            join_group(
                seats[0].group_id, person.pk, platform="miniprogram", order_no=f"{tag}-{i}", now=NOW
            )
        )
    return seats


def test_the_group_succeeds_on_its_last_paid_seat_and_a_late_payer_is_refunded() -> None:
    seats = group_of(deal(), 4, "ok")
    assert [pay_seat("miniprogram", s.order_no, NOW) for s in seats] == [True, True, True, False]
    group = BuyGroup.objects.get(pk=seats[0].group_id)
    assert (group.status, group.seats_paid) == (GroupStatus.SUCCEEDED, 3)
    assert GroupSeat.objects.get(order_no="ok-3").status == SeatStatus.REFUND_DUE


def test_at_the_deadline_a_short_group_fails_and_its_paid_seats_are_refunded() -> None:
    seats = group_of(deal(), 2, "short")
    pay_seat("miniprogram", seats[0].order_no, NOW)
    assert settle_due(NOW + timedelta(minutes=59)) == 0
    assert settle_due(NOW + timedelta(minutes=60)) == 1
    assert BuyGroup.objects.get().status == GroupStatus.FAILED
    assert GroupSeat.objects.get(order_no="short-0").status == SeatStatus.REFUND_DUE
    assert not pay_seat("miniprogram", seats[1].order_no, NOW + timedelta(minutes=61))


def test_virtual_success_fills_the_rest_at_the_deadline() -> None:
    seats = group_of(deal(virtual_success=True), 1, "virt")
    pay_seat("miniprogram", seats[0].order_no, NOW)
    settle_due(NOW + timedelta(hours=2))
    group = BuyGroup.objects.get()
    assert (group.status, group.seats_paid, group.virtual_seats) == (GroupStatus.SUCCEEDED, 1, 2)


def test_a_paid_order_imported_from_any_platform_pays_its_seat_and_a_refund_never_reopens() -> None:
    seats = group_of(deal(), 3, "feed")
    poll_changes()
    for seat in seats:
        import_order(seat.customer, OrderInput("miniprogram", seat.order_no, NOW, 5900, 5900))
    poll_changes()
    group = BuyGroup.objects.get()
    assert group.status == GroupStatus.SUCCEEDED
    refund = RefundInput("R1", 5900, NOW + timedelta(hours=1))
    upsert_order(
        seats[1].customer, OrderInput("miniprogram", "feed-1", NOW, 5900, 5900, refunds=(refund,))
    )
    poll_changes()
    group.refresh_from_db()
    assert (group.status, group.seats_paid) == (GroupStatus.SUCCEEDED, 3)
    assert GroupSeat.objects.get(order_no="feed-1").refund_reason == "after_end"


def test_one_person_joins_a_group_once_and_a_closed_group_refuses() -> None:
    seats = group_of(deal(), 2, "dup")
    with pytest.raises(Refused):
        join_group(
            seats[0].group_id, seats[1].customer_id, platform="miniprogram", order_no="x", now=NOW
        )
    with pytest.raises(Refused):
        join_group(seats[0].group_id, make_customer("oU-late").pk, platform="miniprogram", order_no="y",
                   now=NOW + timedelta(hours=2))  # fmt: skip
