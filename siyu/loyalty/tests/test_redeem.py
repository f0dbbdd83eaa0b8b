"""积分商城: stock never oversold, per-customer limits, points spent, delivery status, and
coupons through the campaigns seam."""

from __future__ import annotations

import pytest

from siyu.loyalty import coupons
from siyu.loyalty.coupons import CouponUnavailable, register_coupon_issuer
from siyu.loyalty.ledger import InsufficientPoints, balance
from siyu.loyalty.models import DeliveryStatus, ItemKind, MallItem, Redemption, Status
from siyu.loyalty.redeem import RedeemRefused, redeem_item, set_delivery
from siyu.loyalty.tests.factories import give, make_person

pytestmark = pytest.mark.django_db


def _item(**fields: object) -> MallItem:
    defaults: dict[str, object] = {
        "name": "山茶马克杯", "kind": ItemKind.GOODS, "points_cost": 100, "stock": 2,
        "status": Status.ACTIVE,
    }  # fmt: skip
    defaults.update(fields)
    return MallItem.objects.create(**defaults)


def test_a_redemption_spends_points_and_stock_and_repeats_harmlessly() -> None:
    lei = make_person()
    give(lei, 250)
    mug = _item()
    first = redeem_item(lei.pk, mug.pk, key="r1")
    assert redeem_item(lei.pk, mug.pk, key="r1").pk == first.pk
    mug.refresh_from_db()
    assert (mug.stock, balance(lei.pk)) == (1, 150)


def test_out_of_stock_and_short_of_points_refuse_and_leave_everything_as_it_was() -> None:
    lei = make_person()
    give(lei, 150)
    mug = _item(stock=1)
    dear = _item(points_cost=200)
    with pytest.raises(InsufficientPoints):
        redeem_item(lei.pk, dear.pk, key="r2")
    redeem_item(lei.pk, mug.pk, key="r3")
    with pytest.raises(RedeemRefused):
        redeem_item(lei.pk, mug.pk, key="r4")
    assert balance(lei.pk) == 50
    dear.refresh_from_db()
    assert dear.stock == 2


def test_the_per_customer_limit_holds() -> None:
    lei = make_person()
    give(lei, 1000)
    mug = _item(stock=10, per_customer_limit=2)
    redeem_item(lei.pk, mug.pk, key="a")
    redeem_item(lei.pk, mug.pk, key="b")
    with pytest.raises(RedeemRefused, match="2"):
        redeem_item(lei.pk, mug.pk, key="c")
    assert balance(lei.pk) == 800


def test_delivery_moves_forward_and_a_cancellation_returns_stock_and_points() -> None:
    lei = make_person()
    give(lei, 100)
    mug = _item()
    row = redeem_item(lei.pk, mug.pk, key="d")
    set_delivery(row.pk, DeliveryStatus.CANCELLED)
    mug.refresh_from_db()
    assert (mug.stock, balance(lei.pk)) == (2, 100)
    shipped = redeem_item(lei.pk, mug.pk, key="e")
    set_delivery(shipped.pk, DeliveryStatus.SHIPPED, tracking_no="SF123")
    with pytest.raises(RedeemRefused):
        set_delivery(shipped.pk, DeliveryStatus.CANCELLED)
    assert set_delivery(shipped.pk, DeliveryStatus.DELIVERED).status == DeliveryStatus.DELIVERED


class _Issuer:
    def __init__(self) -> None:
        self.left = 1

    def issue_coupon(self, *, customer_id: int, coupon_ref: str, key: str) -> str:
        if self.left == 0:
            raise CouponUnavailable("none left")
        self.left -= 1
        return f"{coupon_ref}-{key}"


def test_a_coupon_item_is_issued_through_the_registered_issuer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(coupons, "_issuer", [])
    lei = make_person()
    give(lei, 500)
    coupon = _item(kind=ItemKind.COUPON, coupon_ref="MANJIAN-200-30", stock=5)
    register_coupon_issuer(_Issuer())
    row = redeem_item(lei.pk, coupon.pk, key="c1")
    assert (row.status, row.coupon_code) == (DeliveryStatus.ISSUED, "MANJIAN-200-30-c1")
    with pytest.raises(RedeemRefused, match="none left"):
        redeem_item(lei.pk, coupon.pk, key="c2")
    assert balance(lei.pk) == 400  # the refused one spent nothing
    assert Redemption.objects.filter(customer=lei).count() == 1
