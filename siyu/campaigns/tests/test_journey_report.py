from __future__ import annotations

import pytest

from siyu.campaigns.checkout import confirm_order, reserve_coupons
from siyu.campaigns.journey import issue_coupon
from siyu.campaigns.lottery import LotteryInvalid, publish_lottery
from siyu.campaigns.models import CampaignStatus, HoldoutMember, IssuedCoupon, Lottery, Prize
from siyu.campaigns.publish import CampaignInvalid, CouponSpec, create_coupon, move_campaign
from siyu.campaigns.queries import coupon_report
from siyu.campaigns.sharing import SharingRewardRefused
from siyu.campaigns.tests.factories import NOW, cart, make_coupon
from siyu.customers.orders import OrderInput, import_order
from siyu.customers.tests.factories import make_customer

pytestmark = pytest.mark.django_db


def test_a_journey_issues_once_per_step_and_leaves_the_holdout_out() -> None:
    coupon = make_coupon(holdout_percent=50, per_person_limit=3)
    people = [make_customer(f"oU-j{i}") for i in range(40)]
    issued = [issue_coupon(coupon.pk, p.pk, step_key=f"j:1:{p.pk}") for p in people]
    again = [issue_coupon(coupon.pk, p.pk, step_key=f"j:1:{p.pk}") for p in people]
    held = HoldoutMember.objects.filter(coupon=coupon).count()
    assert 0 < held < 40
    assert sum(i is not None for i in issued) == 40 - held
    assert [i.pk if i else None for i in issued] == [i.pk if i else None for i in again]
    assert IssuedCoupon.objects.filter(coupon=coupon).count() == 40 - held


def test_the_report_counts_use_cost_gmv_and_lift_against_the_holdout() -> None:
    coupon = make_coupon(holdout_percent=50, per_person_limit=1, created_at=NOW)
    people = [make_customer(f"oU-l{i}") for i in range(12)]
    for n, person in enumerate(people):
        issued = issue_coupon(coupon.pk, person.pk, step_key=f"r:{person.pk}")
        order, _ = import_order(
            person, OrderInput("jd", f"L-{n}", NOW, 30000, 30000 if issued else 10000)
        )
        if issued is not None:
            reserve_coupons(
                person.pk, [issued.pk], platform="jd", order_no=f"L-{n}", lines=cart(30000), now=NOW
            )
            confirm_order(order, NOW)
    report = coupon_report(coupon)
    assert report.used == report.issued > 0
    assert report.cost_fen == 3000 * report.used
    assert report.gmv_fen == 30000 * report.used
    assert report.lift == pytest.approx(2.0)


def test_creating_refuses_bad_rules_and_sharing_rewards() -> None:
    with pytest.raises(SharingRewardRefused):
        create_coupon(CouponSpec(name="分享得券", kind="fixed", amount_fen=500, trigger="share"))
    with pytest.raises(CampaignInvalid):
        create_coupon(CouponSpec(name="x", kind="threshold", tiers=((3000, 3000),)))
    coupon = create_coupon(
        CouponSpec(name="满减", kind="threshold", tiers=((50000, 8000), (20000, 3000)))
    )
    assert coupon.tiers == [[20000, 3000], [50000, 8000]]
    assert move_campaign("coupon", coupon.pk, "publish") == CampaignStatus.PUBLISHED
    assert move_campaign("coupon", coupon.pk, "pause") == CampaignStatus.PAUSED
    with pytest.raises(CampaignInvalid):
        move_campaign("coupon", coupon.pk, "pause")


def test_publishing_a_lottery_from_the_console_freezes_its_odds_once() -> None:
    lottery = Lottery.objects.create(name="抽奖", created_at=NOW)
    Prize.objects.create(lottery=lottery, name="豆", value_fen=5000, weight=1, stock=1)
    move_campaign("lottery", lottery.pk, "publish")
    move_campaign("lottery", lottery.pk, "pause")
    lottery.refresh_from_db()
    odds = lottery.published_odds
    Prize.objects.update(weight=99)
    move_campaign("lottery", lottery.pk, "publish")
    lottery.refresh_from_db()
    assert lottery.published_odds == odds
    with pytest.raises(LotteryInvalid):
        publish_lottery(lottery.pk)
