from __future__ import annotations

import pytest
from django.test import Client

from siyu.campaigns.checkout import confirm_order, reserve_coupons
from siyu.campaigns.claim import claim_coupon
from siyu.campaigns.models import CampaignStatus, Coupon, CouponKind
from siyu.campaigns.tests.factories import NOW, cart
from siyu.console.tests.factories import login, make_customer
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
