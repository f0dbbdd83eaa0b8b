"""The stacking order and 满减 tiers, where rules combine: properties over many carts."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from siyu.campaigns.discounts import APPLICATION_ORDER, Offer, StackingError, apply_offers, tier_off
from siyu.campaigns.models import CouponKind, Stacking

money = st.integers(min_value=0, max_value=2_000_000)
tiers = st.lists(st.tuples(money, st.integers(0, 50_000)), min_size=1, max_size=4).map(tuple)


@st.composite
def offer_sets(draw: st.DrawFn) -> list[Offer]:
    kinds = draw(st.lists(st.sampled_from(list(CouponKind)), unique=True, max_size=5))
    return [
        Offer(
            key=i,
            kind=kind,
            amount_fen=draw(st.integers(0, 100_000)),
            percent_off=draw(st.integers(1, 99)),
            cap_fen=draw(st.none() | st.integers(0, 50_000)),
            tiers=draw(tiers),
            min_spend_fen=draw(st.integers(0, 100_000)),
            gift_sku="GIFT",
        )
        for i, kind in enumerate(kinds)
    ]


@given(money, st.integers(0, 2_000), offer_sets())
def test_payable_never_below_zero_and_discount_never_above_the_goods(
    goods: int, shipping: int, offers: list[Offer]
) -> None:
    quote = apply_offers(goods, shipping, offers)
    goods_off = sum(a.goods_off_fen for a in quote.applied)
    assert 0 <= goods_off <= goods
    assert quote.payable_fen >= 0
    assert all(a.shipping_off_fen in (0, shipping) for a in quote.applied)


@given(money, offer_sets(), st.randoms())
def test_the_order_of_application_does_not_depend_on_the_order_given(
    goods: int, offers: list[Offer], rnd: object
) -> None:
    shuffled = list(offers)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert apply_offers(goods, 0, offers) == apply_offers(goods, 0, shuffled)


@given(money, offer_sets())
def test_coupons_apply_in_the_defined_order(goods: int, offers: list[Offer]) -> None:
    applied = apply_offers(goods, 0, offers).applied
    kinds = [next(o.kind for o in offers if o.key == a.key) for a in applied]
    assert kinds == sorted(kinds, key=lambda k: APPLICATION_ORDER.index(CouponKind(k)))


@given(tiers, money, money)
def test_a_higher_spend_never_gets_a_smaller_threshold_discount(
    levels: tuple[tuple[int, int], ...], a: int, b: int
) -> None:
    low, high = sorted((a, b))
    assert tier_off(levels, low) <= tier_off(levels, high)


@given(st.integers(1, 99), st.integers(0, 50_000), money)
def test_percent_off_respects_its_cap(percent: int, cap: int, goods: int) -> None:
    offer = Offer(key=1, kind=CouponKind.PERCENT, percent_off=percent, cap_fen=cap)
    off = apply_offers(goods, 0, [offer]).applied[0].goods_off_fen
    assert off == min(goods * percent // 100, cap)


def test_tiers_take_the_highest_reached_and_a_threshold_can_block_a_later_coupon() -> None:
    manjian = Offer(key=1, kind=CouponKind.THRESHOLD, tiers=((20000, 3000), (50000, 10000)))
    assert apply_offers(19999, 0, [manjian]).discount_fen == 0
    assert apply_offers(20000, 0, [manjian]).discount_fen == 3000
    assert apply_offers(60000, 0, [manjian]).discount_fen == 10000
    fixed = Offer(key=2, kind=CouponKind.FIXED, amount_fen=1000, min_spend_fen=20000)
    # 满减 first: 21,000 → 18,000, under the fixed coupon's 20,000 minimum.
    assert [a.key for a in apply_offers(21000, 0, [fixed, manjian]).applied] == [1]


def test_an_exclusive_coupon_is_used_alone_and_a_kind_only_once() -> None:
    alone = Offer(key=1, kind=CouponKind.FIXED, stacking=Stacking.EXCLUSIVE, amount_fen=500)
    other = Offer(key=2, kind=CouponKind.FREE_SHIPPING)
    with pytest.raises(StackingError):
        apply_offers(10000, 800, [alone, other])
    with pytest.raises(StackingError):
        apply_offers(10000, 0, [Offer(key=3, kind="fixed"), Offer(key=4, kind="fixed")])
    assert apply_offers(10000, 800, [alone]).payable_fen == 10300
