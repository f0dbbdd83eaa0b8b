from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from siyu.campaigns.checkout import confirm_order, reserve_coupons
from siyu.campaigns.claim import claim_coupon
from siyu.campaigns.models import CampaignStatus, Coupon, CouponKind, HoldoutMember, IssuedCoupon
from siyu.campaigns.tests.factories import NOW, cart, make_coupon
from siyu.console.tests.factories import login, make_customer
from siyu.core.clock import local_date
from siyu.customers.orders import OrderInput, import_order
from siyu.demo.brand import Brand

pytestmark = pytest.mark.django_db


def new_coupon(client: Client, **fields: str) -> object:
    data = {"name": "满200减30", "kind": "threshold", "tiers": "200-30, 500-80", "stacking": "combinable",
            "per_person_limit": "1", "holdout_percent": "0", "trigger": "claim", "total_limit": "100"}  # fmt: skip
    data.update(fields)
    return client.post("/campaigns/coupons/new/", data)


def test_hq_creates_publishes_pauses_and_reads_the_report(client: Client, brand: Brand) -> None:
    login(client, brand.lin_yue)
    assert new_coupon(client).status_code == 302  # type: ignore[attr-defined]
    coupon = Coupon.objects.get()
    assert coupon.tiers == [[20000, 3000], [50000, 8000]]
    client.post(f"/campaigns/coupon/{coupon.pk}/publish/")
    coupon.refresh_from_db()
    assert coupon.status == CampaignStatus.PUBLISHED
    buyer = make_customer("张敏")
    issued = claim_coupon(coupon.pk, buyer.pk, now=NOW)
    reserve_coupons(
        buyer.pk, [issued.pk], platform="jd", order_no="JD-1", lines=cart(25000), now=NOW
    )
    order, _ = import_order(buyer, OrderInput("jd", "JD-1", NOW, 25000, 22000))
    confirm_order(order, NOW)
    page = client.get(f"/campaigns/coupons/{coupon.pk}/")
    issued_n, used, cost, gmv, *_rest = (value for _label, value in page.context["figures"])
    assert (issued_n, used, cost, gmv) == ("1", "1", "¥30.00", "¥220.00")
    client.post(f"/campaigns/coupon/{coupon.pk}/pause/")
    coupon.refresh_from_db()
    assert coupon.status == CampaignStatus.PAUSED
    detail = client.get(f"/customers/{buyer.pk}/").content.decode()
    assert "满200减30" in detail


def test_a_coupon_for_sharing_is_refused_with_the_reason(client: Client, brand: Brand) -> None:
    login(client, brand.lin_yue)
    response = new_coupon(client, trigger="share")
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert "诱导分享" in response.content.decode()  # type: ignore[attr-defined]
    assert not Coupon.objects.exists()


def test_bad_money_is_a_form_error_not_a_500(client: Client, brand: Brand) -> None:
    login(client, brand.lin_yue)
    response = new_coupon(client, kind=CouponKind.FIXED, amount="abc", tiers="")
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert not Coupon.objects.exists()
    assert new_coupon(client, tiers="200").status_code == 200  # type: ignore[attr-defined]


def test_store_staff_cannot_create_or_move_campaigns(client: Client, brand: Brand) -> None:
    login(client, brand.chen_jing)
    assert new_coupon(client).status_code == 403  # type: ignore[attr-defined]
    assert client.get("/campaigns/").status_code == 200


def test_the_report_measures_lift_in_one_window_with_95_percent_intervals(
    client: Client, brand: Brand
) -> None:
    now = timezone.now()
    start = now - timedelta(days=20)
    coupon = make_coupon(name="回购券", valid_days=7, holdout_percent=50, created_at=start)
    issued = [make_customer(f"发券{i}") for i in range(6)]
    held = [make_customer(f"留出{i}") for i in range(6)]
    for n, person in enumerate(issued):
        IssuedCoupon.objects.create(coupon=coupon, customer=person, created_at=start)
        import_order(person, OrderInput("jd", f"T-{n}", start + timedelta(days=2), 10000 + n * 100,
                                        10000 + n * 100))  # fmt: skip
        # Bought again after the window: not the coupon's to claim.
        import_order(person, OrderInput("jd", f"T-late-{n}", start + timedelta(days=12), 90000,
                                        90000))  # fmt: skip
    for n, person in enumerate(held):
        HoldoutMember.objects.create(coupon=coupon, customer=person, created_at=start)
        if n % 2:
            import_order(person, OrderInput("jd", f"H-{n}", start + timedelta(days=3), 8000,
                                            8000))  # fmt: skip
    login(client, brand.lin_yue)
    controlled = client.get(f"/campaigns/coupons/{coupon.pk}/").context["controlled"]
    people, spend, bought = (value for _label, value in controlled["rows"])
    assert people == "6 / 6"
    # Issued spent ¥102.50 a head in the window, held out ¥40: +¥62.50, the late orders aside.
    assert spend.startswith("¥62.50 [")
    assert bought.startswith("+50.0% [")
    assert (controlled["start"], controlled["end"]) == (
        local_date(start),
        local_date(start) + timedelta(days=6),
    )
