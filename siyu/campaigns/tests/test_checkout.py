from __future__ import annotations

from datetime import timedelta

import pytest

from siyu.campaigns.checkout import (
    confirm_order,
    redeem_code,
    release_lapsed,
    release_reservation,
    reserve_coupons,
)
from siyu.campaigns.claim import claim_coupon
from siyu.campaigns.discounts import StackingError
from siyu.campaigns.feed import poll_changes
from siyu.campaigns.models import CouponKind, IssuedStatus, Redemption, Stacking
from siyu.campaigns.refusals import Refused
from siyu.campaigns.tests.factories import NOW, cart, make_coupon
from siyu.customers.orders import OrderInput, import_order
from siyu.customers.tests.factories import make_customer

pytestmark = pytest.mark.django_db


def paid(customer_id: int, order_no: str, total: int, platform: str = "miniprogram") -> OrderInput:
    return OrderInput(platform, order_no, NOW, total, total - 3000)


def test_reserve_then_the_imported_paid_order_confirms_through_the_feed() -> None:
    person = make_customer("oU-co1")
    issued = claim_coupon(make_coupon().pk, person.pk, now=NOW)
    quote = reserve_coupons(
        person.pk, [issued.pk], platform="miniprogram", order_no="MP-1", lines=cart(25000), now=NOW
    )
    assert quote.discount_fen == 3000
    poll_changes()  # the consumer starts at the newest change
    order, _ = import_order(person, paid(person.pk, "MP-1", 25000))
    assert poll_changes() >= 1
    issued.refresh_from_db()
    assert issued.status == IssuedStatus.USED
    redemption = Redemption.objects.get(issued=issued)
    assert (redemption.order_id, redemption.discount_fen) == (order.pk, 3000)
    assert confirm_order(order) == 0  # delivered twice: used once


def test_one_coupon_cannot_be_reserved_for_two_orders() -> None:
    person = make_customer("oU-co2")
    issued = claim_coupon(make_coupon().pk, person.pk, now=NOW)
    reserve_coupons(person.pk, [issued.pk], platform="jd", order_no="A", lines=cart(30000), now=NOW)
    with pytest.raises(Refused):
        reserve_coupons(
            person.pk, [issued.pk], platform="jd", order_no="B", lines=cart(30000), now=NOW
        )


def test_a_lapsed_or_cancelled_reservation_frees_the_coupon() -> None:
    person = make_customer("oU-co3")
    issued = claim_coupon(make_coupon().pk, person.pk, now=NOW)
    reserve_coupons(person.pk, [issued.pk], platform="jd", order_no="A", lines=cart(30000), now=NOW)
    assert release_lapsed(NOW + timedelta(minutes=14)) == 0
    assert release_lapsed(NOW + timedelta(minutes=15)) == 1
    issued.refresh_from_db()
    assert issued.status == IssuedStatus.AVAILABLE
    reserve_coupons(person.pk, [issued.pk], platform="jd", order_no="B", lines=cart(30000), now=NOW)
    assert release_reservation("jd", "B") == 1


def test_someone_elses_or_an_expired_coupon_is_refused() -> None:
    owner, other = make_customer("oU-co4"), make_customer("oU-co5")
    issued = claim_coupon(make_coupon(valid_days=1).pk, owner.pk, now=NOW)
    with pytest.raises(Refused):
        reserve_coupons(other.pk, [issued.pk], platform="jd", order_no="X", lines=cart(1), now=NOW)
    with pytest.raises(Refused):
        reserve_coupons(
            owner.pk, [issued.pk], platform="jd", order_no="X", lines=cart(1),
            now=NOW + timedelta(days=2),
        )  # fmt: skip


def test_stacking_is_checked_at_reservation() -> None:
    person = make_customer("oU-co6")
    alone = make_coupon(kind=CouponKind.FIXED, amount_fen=500, stacking=Stacking.EXCLUSIVE)
    ship = make_coupon(kind=CouponKind.FREE_SHIPPING)
    ids = [claim_coupon(c.pk, person.pk, now=NOW).pk for c in (alone, ship)]
    with pytest.raises(StackingError):
        reserve_coupons(person.pk, ids, platform="jd", order_no="S", lines=cart(9000), now=NOW)
    assert not Redemption.objects.exists()


def test_a_platform_order_redeems_a_unique_code_once() -> None:
    person = make_customer("oU-co7")
    issued = claim_coupon(make_coupon().pk, person.pk, now=NOW)
    issued.code = "POS-777"
    issued.save()
    order, _ = import_order(person, paid(person.pk, "T-1", 30000, platform="taobao"))
    assert redeem_code("pos-777", order, now=NOW) == 1
    with pytest.raises(Refused):
        redeem_code("POS-777", order, now=NOW)
