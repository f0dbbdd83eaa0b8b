"""Every limit under real parallel processes on PostgreSQL (skipped on SQLite)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from siyu.campaigns.claim import claim_coupon
from siyu.campaigns.flash import buy_flash
from siyu.campaigns.groupbuy import join_group, open_group, pay_seat
from siyu.campaigns.lottery import audit_lottery, draw, publish_lottery
from siyu.campaigns.models import (
    BuyGroup,
    CampaignStatus,
    FlashSale,
    GroupBuyDeal,
    GroupSeat,
    GroupStatus,
    IssuedCoupon,
    Lottery,
    Prize,
    SeatStatus,
)
from siyu.campaigns.refusals import Refused
from siyu.campaigns.tests.factories import make_coupon, merged_pair
from siyu.campaigns.tests.parallel import in_processes, needs_postgresql
from siyu.customers.models import Customer

pytestmark = pytest.mark.django_db(transaction=True)


def people(n: int, tag: str) -> list[int]:
    now = timezone.now()
    rows = Customer.objects.bulk_create(
        Customer(display_name=f"{tag}{i}", created_at=now) for i in range(n)
    )
    return [c.pk for c in rows]


def _claim(job: tuple[int, int]) -> str:
    try:
        claim_coupon(*job)
        return "issued"
    except Refused as exc:
        return exc.code


def test_1000_concurrent_claims_of_a_100_unit_coupon_issue_exactly_100() -> None:
    needs_postgresql()
    coupon = make_coupon(total_limit=100)
    outcomes = in_processes(_claim, [(coupon.pk, pk) for pk in people(1000, "c")])
    coupon.refresh_from_db()
    assert outcomes.count("issued") == 100
    assert (coupon.issued, IssuedCoupon.objects.filter(coupon=coupon).count()) == (100, 100)
    assert set(outcomes) == {"issued", "sold_out"}


def test_one_person_claiming_through_two_merged_profiles_at_once_gets_one() -> None:
    needs_postgresql()
    coupon = make_coupon(per_person_limit=1)
    survivor, merged = merged_pair("par")
    jobs = [(coupon.pk, survivor.pk if i % 2 else merged.pk) for i in range(64)]
    outcomes = in_processes(_claim, jobs)
    assert outcomes.count("issued") == 1
    assert IssuedCoupon.objects.filter(coupon=coupon).count() == 1


def _draw(job: tuple[int, int]) -> int | None:
    return draw(*job).prize_id


def test_concurrent_draws_never_exceed_prize_stock_and_replay_exactly() -> None:
    needs_postgresql()
    lottery = Lottery.objects.create(name="after purchase", draws_per_day=5, draws_total=5,
                                     created_at=timezone.now())  # fmt: skip
    top = Prize.objects.create(lottery=lottery, name="grinder", value_fen=80000, weight=60, stock=3)
    Prize.objects.create(lottery=lottery, name="beans", value_fen=5000, weight=40, stock=5)
    comfort = Prize.objects.create(lottery=lottery, name="coupon", is_consolation=True)
    publish_lottery(lottery.pk)
    jobs = [(lottery.pk, pk) for pk in people(20, "d") for _ in range(4)]
    won = in_processes(_draw, jobs)
    top.refresh_from_db()
    assert top.awarded == 3
    assert Prize.objects.get(name="beans").awarded <= 5
    assert won.count(comfort.pk) == len(jobs) - sum(
        p.awarded for p in Prize.objects.filter(is_consolation=False)
    )
    lottery.refresh_from_db()
    assert audit_lottery(lottery) == []


def _pay(order_no: str) -> bool:
    return pay_seat("miniprogram", order_no)


def test_concurrent_payments_never_put_4_people_in_a_3_seat_group() -> None:
    needs_postgresql()
    deal = GroupBuyDeal.objects.create(name="3人团", sku="BEANS", price_fen=5900, group_size=3,
                                       status=CampaignStatus.PUBLISHED, created_at=timezone.now())  # fmt: skip
    buyers = people(16, "g")
    seat = open_group(deal.pk, buyers[0], platform="miniprogram", order_no="G-0")
    for i, pk in enumerate(buyers[1:], start=1):
        join_group(seat.group_id, pk, platform="miniprogram", order_no=f"G-{i}")
    taken = in_processes(_pay, [f"G-{i}" for i in range(16)])
    group = BuyGroup.objects.get(pk=seat.group_id)
    assert taken.count(True) == 3
    assert (group.seats_paid, group.status) == (3, GroupStatus.SUCCEEDED)
    assert GroupSeat.objects.filter(status=SeatStatus.REFUND_DUE).count() == 13


def _buy(job: tuple[int, int]) -> str:
    try:
        buy_flash(*job)
        return "bought"
    except Refused as exc:
        return exc.code


def test_concurrent_flash_buyers_never_oversell() -> None:
    needs_postgresql()
    now = timezone.now()
    sale = FlashSale.objects.create(name="秒杀", sku="MUG", price_fen=990, stock=10,
                                    starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1),
                                    status=CampaignStatus.PUBLISHED, created_at=now)  # fmt: skip
    outcomes = in_processes(_buy, [(sale.pk, pk) for pk in people(80, "f")])
    sale.refresh_from_db()
    assert outcomes.count("bought") == sale.sold == 10
