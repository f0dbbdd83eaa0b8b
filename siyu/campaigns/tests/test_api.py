from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from siyu.campaigns.lottery import publish_lottery
from siyu.campaigns.models import CampaignStatus, GroupBuyDeal, Lottery, Prize
from siyu.campaigns.tests.factories import make_coupon, merged_pair
from siyu.customers.member_ref import customer_ref
from siyu.customers.tests.factories import make_customer

pytestmark = pytest.mark.django_db
BASE = "/api/member/campaigns"


def member(customer_id: int) -> dict[str, str]:
    return {"X-Member-Ref": customer_ref(customer_id)}


def test_claim_then_list_and_a_second_claim_through_the_merged_profile_is_refused() -> None:
    coupon = make_coupon(name="满200减30")
    survivor, merged = merged_pair("api")
    client = Client()
    first = client.post(f"{BASE}/coupons/{coupon.pk}/claim", headers=member(merged.pk))
    assert first.status_code == 200
    again = client.post(f"{BASE}/coupons/{coupon.pk}/claim", headers=member(survivor.pk))
    assert (again.status_code, again.json()["code"]) == (409, "person_limit")
    listed = client.get(f"{BASE}/coupons", headers=member(survivor.pk)).json()
    assert [c["name"] for c in listed["mine"]] == ["满200减30"]


def test_a_reference_that_does_not_verify_is_401_and_bad_ids_are_not_500() -> None:
    client = Client()
    coupon = make_coupon()
    bad = client.post(f"{BASE}/coupons/{coupon.pk}/claim", headers={"X-Member-Ref": "forged"})
    assert bad.status_code == 401
    assert client.get(f"{BASE}/coupons").status_code == 422
    ref = member(make_customer("oU-api2").pk)
    assert client.post(f"{BASE}/coupons/0/claim", headers=ref).status_code == 422
    assert client.post(f"{BASE}/coupons/999999/claim", headers=ref).status_code == 404
    assert (
        client.post(
            f"{BASE}/coupons/claim-code", {"code": ""}, content_type="application/json", headers=ref
        ).status_code
        == 422
    )


def test_the_lottery_page_shows_published_odds_and_a_draw_names_the_prize() -> None:
    lottery = Lottery.objects.create(name="抽奖", created_at=timezone.now())
    Prize.objects.create(lottery=lottery, name="挂耳", value_fen=3000, weight=1, stock=5)
    client = Client()
    assert client.get(f"{BASE}/lotteries/{lottery.pk}").status_code == 404
    publish_lottery(lottery.pk)
    odds = client.get(f"{BASE}/lotteries/{lottery.pk}").json()
    assert odds["odds"][0]["probability"] == 1.0
    won = client.post(
        f"{BASE}/lotteries/{lottery.pk}/draw", headers=member(make_customer("oU-api3").pk)
    )
    assert won.json()["prize"] == "挂耳"


def test_open_and_join_a_group_buy() -> None:
    deal = GroupBuyDeal.objects.create(name="拼团", sku="B", price_fen=5900, status=CampaignStatus.PUBLISHED,
                                       created_at=timezone.now())  # fmt: skip
    client = Client()
    body = {"platform": "miniprogram", "order_no": "MP-9"}
    opened = client.post(f"{BASE}/deals/{deal.pk}/open", body, content_type="application/json",
                         headers=member(make_customer("oU-api4").pk))  # fmt: skip
    group = opened.json()["group"]
    joined = client.post(f"{BASE}/groups/{group}/join", {**body, "order_no": "MP-10"},
                         content_type="application/json", headers=member(make_customer("oU-api5").pk))  # fmt: skip
    assert (joined.status_code, joined.json()["status"]) == (200, "joined")
    bad = client.post(f"{BASE}/groups/{group}/join", {**body, "platform": "mars"},
                      content_type="application/json", headers=member(make_customer("oU-api6").pk))  # fmt: skip
    assert bad.status_code == 409
