"""The coupon expiry sweep: past their validity, available coupons expire, reserved ones
after their checkout's reservation lapses (and the reservation goes with them)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from siyu.campaigns.checkout import release_lapsed, reserve_coupons
from siyu.campaigns.claim import claim_coupon
from siyu.campaigns.expire import expire_coupons
from siyu.campaigns.models import IssuedCoupon, IssuedStatus
from siyu.campaigns.queries import usable_count
from siyu.campaigns.tests.factories import NOW, cart, make_coupon
from siyu.customers.tests.factories import make_customer

pytestmark = pytest.mark.django_db


def test_coupons_past_validity_expire_once_and_a_held_reservation_waits_for_its_ttl() -> None:
    coupon = make_coupon(valid_days=1, per_person_limit=3)
    person = make_customer("oU-exp1")
    idle, held, used = (claim_coupon(coupon.pk, person.pk, now=NOW) for _ in range(3))
    checkout_at = NOW + timedelta(hours=23, minutes=50)  # ten minutes before they expire
    reserve_coupons(person.pk, [held.pk], platform="jd", order_no="R-1", lines=cart(30000),
                    now=checkout_at)  # fmt: skip
    IssuedCoupon.objects.filter(pk=used.pk).update(status=IssuedStatus.USED)
    assert expire_coupons(NOW + timedelta(hours=23)) == 0
    after = NOW + timedelta(days=1, minutes=1)
    assert expire_coupons(after) == 1  # the idle one; the reserved one is the checkout's
    assert usable_count(person.pk, after) == 0
    lapsed = checkout_at + timedelta(minutes=15)
    assert expire_coupons(lapsed) == 1
    assert expire_coupons(lapsed) == 0  # a second sweep moves nothing
    assert release_lapsed(lapsed) == 0  # the reservation went with the expiry
    rows = {r.pk: r for r in IssuedCoupon.objects.filter(customer=person)}
    assert [rows[i.pk].status for i in (idle, held, used)] == ["expired", "expired", "used"]
    assert (rows[held.pk].reserved_order_no, rows[held.pk].reserved_until) == ("", None)


def test_a_reservation_released_after_validity_expires_at_the_next_sweep() -> None:
    coupon = make_coupon(valid_days=1)
    person = make_customer("oU-exp2")
    issued = claim_coupon(coupon.pk, person.pk, now=NOW)
    reserve_coupons(person.pk, [issued.pk], platform="jd", order_no="R-2", lines=cart(30000),
                    now=NOW + timedelta(hours=23, minutes=55))  # fmt: skip
    later = NOW + timedelta(days=1, minutes=30)
    assert release_lapsed(later) == 1  # back to available, but past its validity
    assert expire_coupons(later) == 1
    issued.refresh_from_db()
    assert issued.status == IssuedStatus.EXPIRED
