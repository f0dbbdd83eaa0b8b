"""Per-period limits count per person across a merge, and checkout prices the cart itself."""

from __future__ import annotations

from datetime import timedelta

import pytest

from siyu.campaigns.checkout import CartLine, UnknownSku, reserve_coupons
from siyu.campaigns.claim import claim_coupon
from siyu.campaigns.lottery import draw, publish_lottery
from siyu.campaigns.models import Lottery, PriceWindow, Prize, SkuPrice, WindowKind
from siyu.campaigns.refusals import Refused
from siyu.campaigns.tests.factories import NOW, make_coupon
from siyu.customers.merge import merge_customers
from siyu.customers.tests.factories import make_customer

pytestmark = pytest.mark.django_db


def test_a_person_who_claimed_through_a_profile_later_merged_stays_within_the_period_limit() -> (
    None
):
    coupon = make_coupon(per_person_limit=10, period_limit=1, period="week")
    survivor, other = make_customer("oU-pm-a"), make_customer("oU-pm-b")
    claim_coupon(coupon.pk, other.pk, now=NOW)  # this week, as the second profile
    merge_customers(survivor, other, reason="test")
    with pytest.raises(Refused) as refused:
        claim_coupon(coupon.pk, survivor.pk, now=NOW + timedelta(hours=1))
    assert refused.value.code == "period_limit"
    assert claim_coupon(coupon.pk, survivor.pk, now=NOW + timedelta(days=8))  # next week


def test_draws_of_a_day_count_across_a_merge() -> None:
    lottery = Lottery.objects.create(name="抽奖", draws_per_day=1, draws_total=5, created_at=NOW)
    Prize.objects.create(lottery=lottery, name="挂耳", value_fen=3000, weight=1, stock=9)
    publish_lottery(lottery.pk, NOW)
    survivor, other = make_customer("oU-pm-c"), make_customer("oU-pm-d")
    draw(lottery.pk, other.pk, now=NOW)
    merge_customers(survivor, other, reason="test")
    with pytest.raises(Refused) as refused:
        draw(lottery.pk, survivor.pk, now=NOW + timedelta(minutes=5))
    assert refused.value.code == "draws_today"


def test_checkout_prices_the_cart_from_list_prices_and_windows_not_from_the_caller() -> None:
    SkuPrice.objects.create(sku="BEAN-1KG", list_price_fen=25000)
    PriceWindow.objects.create(kind=WindowKind.LIMITED, sku="BEAN-1KG", price_fen=18000,
                               starts_at=NOW - timedelta(hours=1),
                               ends_at=NOW + timedelta(hours=1))  # fmt: skip
    person = make_customer("oU-pm-e")
    issued = claim_coupon(make_coupon(tiers=[[20000, 3000]]).pk, person.pk, now=NOW)
    quote = reserve_coupons(person.pk, [issued.pk], platform="jd", order_no="P-1",
                            lines=[CartLine("BEAN-1KG", 1)], now=NOW)  # fmt: skip
    # At the limited-time price the cart is ¥180: 满200减30 does not apply.
    assert (quote.goods_fen, quote.discount_fen) == (18000, 0)
    with pytest.raises(UnknownSku):
        reserve_coupons(person.pk, [issued.pk], platform="jd", order_no="P-2",
                        lines=[CartLine("NOT-LISTED", 1)], now=NOW)  # fmt: skip
