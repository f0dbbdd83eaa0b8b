"""Coupon rewards clawed back on refund: inside the hold the coupon is never issued; after
it, an unused coupon is revoked and a used one recorded as not recoverable; a refund
delivered again changes nothing."""

from __future__ import annotations

import pytest

from siyu.campaigns.checkout import confirm_order, reserve_coupons
from siyu.campaigns.models import IssuedCoupon, IssuedStatus
from siyu.campaigns.tests.factories import cart, make_coupon
from siyu.customers.models import Customer, Order
from siyu.customers.orders import OrderInput, import_order
from siyu.referrals.codes import code_for
from siyu.referrals.models import Programme, Qualifier, Reward, RewardRole, RewardStatus
from siyu.referrals.rewards import claw_back_order, release_due
from siyu.referrals.tests.factories import T0, buy, days, drain, event, make_person, refund
from siyu.referrals.tests.factories import make_programme as programme_with

pytestmark = pytest.mark.django_db


def _coupon_programme() -> Programme:
    coupon = make_coupon(name="好友券", tiers=[[10000, 2000]], valid_days=30)
    return programme_with(
        qualifier=Qualifier.FIRST_ORDER, min_order_fen=5000,
        inviter_points=0, invitee_points=0, inviter_coupon_id=coupon.pk,
    )  # fmt: skip


def _referred_order(programme: Programme) -> tuple[Customer, Customer, Order]:
    lei, friend = make_person("赵蕾"), make_person()
    event(friend, "link_open", ref=code_for(programme, customer_id=lei.pk).code)
    order = buy(friend, 8000, at=T0)
    drain()
    return lei, friend, order


def _inviter_reward() -> Reward:
    return Reward.objects.get(role=RewardRole.INVITER)


def test_a_refund_inside_the_hold_means_the_coupon_is_never_issued() -> None:
    lei, friend, order = _referred_order(_coupon_programme())
    refund(friend, order, 8000, at=T0 + days(2))
    drain()
    assert release_due(T0 + days(30)) == 0
    assert _inviter_reward().status == RewardStatus.CLAWED_BACK
    assert not IssuedCoupon.objects.filter(customer=lei).exists()


def test_an_unused_coupon_is_revoked_after_the_hold_once() -> None:
    lei, friend, order = _referred_order(_coupon_programme())
    assert release_due(T0 + days(8)) == 1
    issued = IssuedCoupon.objects.get(customer=lei)
    assert issued.status == IssuedStatus.AVAILABLE
    refund(friend, order, 8000, at=T0 + days(9))
    drain()
    issued.refresh_from_db()
    assert issued.status == IssuedStatus.REVOKED
    reward = _inviter_reward()
    assert (reward.status, reward.coupon_clawback) == (RewardStatus.CLAWED_BACK, "revoked")
    assert claw_back_order(order.pk, T0 + days(10)) == 0  # the refund again: nothing more


def test_a_used_coupon_is_recorded_as_not_recoverable() -> None:
    lei, friend, order = _referred_order(_coupon_programme())
    release_due(T0 + days(8))
    issued = IssuedCoupon.objects.get(customer=lei)
    at = T0 + days(8)
    reserve_coupons(
        lei.pk, [issued.pk], platform="miniprogram", order_no="LEI-1", lines=cart(12000), now=at
    )
    lei_order, _ = import_order(lei, OrderInput("miniprogram", "LEI-1", at, 12000, 10000))
    confirm_order(lei_order, at)
    refund(friend, order, 8000, at=T0 + days(9))
    drain()
    issued.refresh_from_db()
    assert issued.status == IssuedStatus.USED
    reward = _inviter_reward()
    assert (reward.status, reward.coupon_clawback) == (RewardStatus.CLAWED_BACK, "used")
