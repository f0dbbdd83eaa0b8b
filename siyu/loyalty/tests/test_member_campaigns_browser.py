"""The campaigns of the member-centre H5 page in Debian's chromium at phone width: the
member claims a coupon, sees the published odds and draws once, reserves a flash-sale unit
up to the per-person cap, starts a group buy, and the page never scrolls sideways."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from siyu.campaigns.lottery import publish_lottery
from siyu.campaigns.models import (
    CampaignStatus,
    Draw,
    FlashOrder,
    FlashSale,
    GroupBuyDeal,
    IssuedCoupon,
    Lottery,
    Prize,
)
from siyu.campaigns.tests.factories import make_coupon
from siyu.console.tests.test_browser import ARTIFACTS, CHROMIUM
from siyu.loyalty.tests.browser import member_page
from siyu.loyalty.tests.factories import make_person

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"
    ),
]


def _campaigns() -> None:
    now = timezone.now()
    make_coupon(name="满200减30", created_at=now)
    lottery = Lottery.objects.create(name="购后抽奖", created_at=now)
    Prize.objects.create(lottery=lottery, name="山茶挂耳", value_fen=3000, weight=1, stock=5)
    publish_lottery(lottery.pk)
    FlashSale.objects.create(name="秒杀马克杯", sku="MUG", price_fen=1990, stock=10,
                             per_person_limit=1, starts_at=now - timedelta(minutes=1),
                             ends_at=now + timedelta(hours=1), status=CampaignStatus.PUBLISHED,
                             created_at=now)  # fmt: skip
    GroupBuyDeal.objects.create(name="三人拼豆", sku="BEAN", price_fen=5900, group_size=3,
                                status=CampaignStatus.PUBLISHED, created_at=now)  # fmt: skip


def test_a_member_claims_a_coupon_draws_once_and_reserves_at_phone_width(
    live_server: Any, db: None
) -> None:
    lei = make_person("赵蕾")
    _campaigns()
    with member_page(live_server, lei.pk) as (page, expect):
        expect(page.locator("#claimable")).to_contain_text("满200减30")
        page.locator("#claimable").get_by_role("button", name="领取").click()
        expect(page.locator("#coupon-note")).to_contain_text("领券成功")
        expect(page.locator("#my-coupons")).to_contain_text("满200减30")
        expect(page.locator("#lottery-list")).to_contain_text("100.0%")
        page.locator("#lottery-list").get_by_role("button", name="抽奖").click()
        expect(page.locator("#lottery-list .result")).to_have_text("恭喜获得: 山茶挂耳")
        expect(page.locator("#lottery-list")).to_contain_text("1/3")
        page.locator("#flash-list").get_by_role("button", name="抢购").click()
        expect(page.locator("#flash-note")).to_contain_text("已抢到")
        expect(page.locator("#flash-list").get_by_role("button", name="抢购")).to_be_disabled()
        page.locator("#deal-list").get_by_role("button", name="发起拼团").click()
        expect(page.locator("#my-groups")).to_contain_text("0/3")
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= 390
        page.screenshot(path=str(ARTIFACTS / "member-campaigns.png"), full_page=True)
    assert IssuedCoupon.objects.filter(customer=lei).count() == 1
    assert Draw.objects.filter(customer=lei).count() == 1
    assert FlashOrder.objects.filter(customer=lei).count() == 1
