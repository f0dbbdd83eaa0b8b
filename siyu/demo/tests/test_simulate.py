"""The simulated brand, loaded into the database, tells the demo story's facts."""

from __future__ import annotations

import pytest

from siyu.customers.models import (
    Customer,
    CustomerStatus,
    Identity,
    IdentityStatus,
    MergeRecord,
    ReviewFlag,
)
from siyu.demo.personas import SHARED_STORE_PHONE, WALK_INS
from siyu.demo.simulate import simulate

pytestmark = pytest.mark.django_db


def active(name: str) -> Customer:
    return Customer.objects.get(display_name=name, status=CustomerStatus.ACTIVE)


def test_personas_are_resolved_through_the_verbs() -> None:
    result = simulate(40, seed=7, verb_people=40)
    assert result.people == 40
    zhang = active("张敏")
    types = set(zhang.identities.values_list("type", flat=True))
    assert {"taobao_buyer_id", "wecom_external_userid", "phone"} <= types
    platforms = list(zhang.orders.order_by("paid_at").values_list("platform", flat=True))
    assert platforms[:2] == ["taobao", "taobao"]
    assert "miniprogram" in platforms
    assert MergeRecord.objects.filter(survivor=zhang).exists()
    assert zhang.primary_owner is not None
    assert zhang.primary_owner.user.get_username() == "chen.jing"

    liu = active("刘洋")
    assert liu.lifecycle_stage == "at_risk"
    assert not liu.orders.exists()
    assert liu.events.filter(type="coupon_claimed").exists()

    zhao = active("赵蕾")
    assert zhao.tag_links.filter(tag__name="KOC").exists()
    assert zhao.org_unit is not None
    assert zhao.org_unit.name == "上海静安店"


def test_shared_store_phone_is_flagged_never_merged() -> None:
    simulate(30, seed=7, verb_people=30)
    walk_ins = Customer.objects.filter(display_name__in=WALK_INS, status=CustomerStatus.ACTIVE)
    assert walk_ins.count() == len(WALK_INS)
    phone = Identity.objects.get(
        type="phone", last4=SHARED_STORE_PHONE[-4:], status=IdentityStatus.SHARED
    )
    assert phone.customer_id is None
    assert ReviewFlag.objects.filter(identity=phone, kind="shared_identifier").exists()


def test_bulk_tail_writes_resolved_profiles_owned_by_staff() -> None:
    result = simulate(60, seed=7, verb_people=20)
    assert result.bulk
    assert Customer.objects.filter(status=CustomerStatus.ACTIVE).count() == 60
    assert Customer.objects.filter(primary_owner__user__username="chen.jing").exists()
    bulk_one = Customer.objects.order_by("-pk").first()
    assert bulk_one is not None
    assert bulk_one.identities.filter(type="wechat_unionid").count() == 1
    assert bulk_one.follows.exists()


@pytest.mark.django_db
def test_demo_channels_carry_spend_so_cac_differs_by_channel() -> None:
    from datetime import date

    from siyu.analytics.channels import channel_rows
    from siyu.analytics.periods import Period
    from siyu.channels.models import Channel, ChannelSpend
    from siyu.customers.models import Customer

    simulate(200, seed=7, verb_people=20)
    assert Channel.objects.count() == 6
    assert ChannelSpend.objects.count() == 6 * 12
    rows = {
        r.channel: r
        for r in channel_rows(Customer.objects.all(), Period(date(2025, 11, 1), date(2026, 11, 1)))
    }
    douyin, parcel = rows["抖音视频"], rows["包裹卡"]
    assert (douyin.spend_fen or 0) > (parcel.spend_fen or 0) > 0
    assert douyin.cac_fen is not None
    assert parcel.cac_fen is not None
    assert douyin.cac_fen > parcel.cac_fen
    # Building again (a restarted demo) adds nothing.
    from siyu.demo.catalog import DEFAULT_NOW
    from siyu.demo.channels import build_channels

    build_channels(DEFAULT_NOW)
    assert ChannelSpend.objects.count() == 6 * 12
