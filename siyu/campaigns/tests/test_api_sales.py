"""The member-centre listings and the flash-sale reservation over HTTP."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from siyu.campaigns.groupbuy import open_group
from siyu.campaigns.lottery import publish_lottery, replay_draws
from siyu.campaigns.models import CampaignStatus, FlashSale, GroupBuyDeal, Lottery, Prize
from siyu.campaigns.tests.factories import merged_pair
from siyu.customers.member_ref import customer_ref
from siyu.customers.tests.factories import make_customer

pytestmark = pytest.mark.django_db
BASE = "/api/member/campaigns"


def member(customer_id: int) -> dict[str, str]:
    return {"X-Member-Ref": customer_ref(customer_id)}


def make_sale(**fields: object) -> FlashSale:
    now = timezone.now()
    values: dict[str, object] = {
        "name": "秒杀挂耳", "sku": "DRIP-10", "price_fen": 990, "stock": 5, "per_person_limit": 2,
        "starts_at": now - timedelta(minutes=1), "ends_at": now + timedelta(hours=1),
        "status": CampaignStatus.PUBLISHED, "created_at": now,
    }  # fmt: skip
    values.update(fields)
    return FlashSale.objects.create(**values)


def test_the_per_person_cap_of_a_flash_sale_holds_across_merged_profiles() -> None:
    sale = make_sale()
    survivor, merged = merged_pair("flash-api")
    client = Client()
    url = f"{BASE}/flash/{sale.pk}/reserve"
    first = client.post(url, {"quantity": 2}, content_type="application/json",
                        headers=member(merged.pk))  # fmt: skip
    assert (first.status_code, first.json()["quantity"]) == (200, 2)
    again = client.post(url, {"quantity": 1}, content_type="application/json",
                        headers=member(survivor.pk))  # fmt: skip
    assert (again.status_code, again.json()["code"]) == (409, "person_limit")
    listed = client.get(f"{BASE}/flash", headers=member(survivor.pk)).json()
    assert [(s["left"], s["taken"], s["per_person_limit"]) for s in listed] == [(3, 2, 2)]


def test_flash_reservation_bounds_its_input_and_refuses_what_has_not_started() -> None:
    later = make_sale(starts_at=timezone.now() + timedelta(hours=1),
                      ends_at=timezone.now() + timedelta(hours=2))  # fmt: skip
    ref = member(make_customer("oU-flash-b").pk)
    client = Client()
    url = f"{BASE}/flash/{later.pk}/reserve"
    for bad in (0, 100, "x"):
        response = client.post(url, {"quantity": bad}, content_type="application/json", headers=ref)
        assert response.status_code == 422
    early = client.post(url, {}, content_type="application/json", headers=ref)
    assert (early.status_code, early.json()["code"]) == (409, "not_started")
    missing = client.post(f"{BASE}/flash/999999/reserve", {}, content_type="application/json",
                          headers=ref)  # fmt: skip
    assert missing.status_code == 404


def test_listings_show_running_lotteries_joinable_groups_and_my_progress() -> None:
    lottery = Lottery.objects.create(name="购后抽奖", created_at=timezone.now())
    Prize.objects.create(lottery=lottery, name="挂耳", value_fen=3000, weight=1, stock=5)
    Lottery.objects.create(name="草稿", created_at=timezone.now())
    publish_lottery(lottery.pk)
    deal = GroupBuyDeal.objects.create(name="三人团", sku="B", price_fen=5900, group_size=3,
                                       status=CampaignStatus.PUBLISHED, created_at=timezone.now())  # fmt: skip
    leader, other = make_customer("oU-list-a"), make_customer("oU-list-b")
    seat = open_group(deal.pk, leader.pk, platform="miniprogram", order_no="MP-L1")
    client = Client()
    listed = client.get(f"{BASE}/lotteries", headers=member(other.pk)).json()
    assert [(r["name"], r["drawn"]) for r in listed] == [("购后抽奖", 0)]
    seen = client.get(f"{BASE}/deals", headers=member(other.pk)).json()
    assert [g["id"] for g in seen["deals"][0]["open_groups"]] == [seat.group_id]
    assert seen["mine"] == []
    mine = client.get(f"{BASE}/deals", headers=member(leader.pk)).json()["mine"]
    assert [(g["seats_paid"], g["size"], g["seat_status"]) for g in mine] == [(0, 3, "joined")]
    progress = client.get(f"{BASE}/groups/{seat.group_id}", headers=member(other.pk)).json()
    assert (progress["seats_paid"], progress["size"], progress["status"]) == (0, 3, "open")
    assert client.get(f"{BASE}/groups/999999", headers=member(other.pk)).status_code == 404
    assert client.get(f"{BASE}/deals", headers={"X-Member-Ref": "forged"}).status_code == 401


def test_after_the_lottery_ends_anyone_can_check_the_seed_and_replay_every_draw() -> None:
    now = timezone.now()
    lottery = Lottery.objects.create(name="购后抽奖", draws_total=3, draws_per_day=3,
                                     ends_at=now + timedelta(hours=1), created_at=now)  # fmt: skip
    Prize.objects.create(lottery=lottery, name="咖啡机", value_fen=299900, weight=1, stock=1)
    Prize.objects.create(lottery=lottery, name="挂耳", value_fen=3000, weight=3, stock=2)
    Prize.objects.create(lottery=lottery, name="5元券", value_fen=500, is_consolation=True)
    client = Client()
    url = f"{BASE}/lotteries/{lottery.pk}/audit"
    assert client.get(url).status_code == 404  # not even published
    publish_lottery(lottery.pk)
    published = client.get(f"{BASE}/lotteries/{lottery.pk}").json()
    for n in range(3):
        person = make_customer(f"oU-audit-{n}")
        for _ in range(2):
            client.post(f"{BASE}/lotteries/{lottery.pk}/draw", headers=member(person.pk))
    early = client.get(url)
    assert (early.status_code, early.json()["code"]) == (409, "not_ended")
    Lottery.objects.filter(pk=lottery.pk).update(ends_at=now - timedelta(seconds=1))
    audit = client.get(url).json()
    assert hashlib.sha256(audit["seed"].encode()).hexdigest() == published["seed_sha256"]
    assert audit["odds"] == published["odds"]
    replayed = replay_draws(audit["seed"], lottery.pk, published["odds"], audit["draws_made"])
    assert [(r.seq, r.roll, r.picked, r.prize) for r in replayed] == [
        (d["seq"], d["roll"], d["picked"], d["prize"]) for d in audit["draws"]
    ]
    assert audit["draws_made"] == 6
    assert "customer" not in audit["draws"][0]
    second = client.get(url, {"after": 4, "limit": 5}).json()["draws"]
    assert [d["seq"] for d in second] == [5, 6]
    assert client.get(url, {"limit": 0}).status_code == 422
