"""Small builders for channel tests."""

from __future__ import annotations

from siyu.channels.codes import create_channel
from siyu.channels.models import Channel, ChannelKind, WelcomeVariant
from siyu.customers.identity_rules import IdentityInput
from siyu.customers.models import Customer
from siyu.customers.profiles import upsert_customer


def make_channel(name: str = "抖音短视频-春季", kind: str = ChannelKind.DOUYIN_VIDEO) -> Channel:
    return create_channel(name, kind)


def make_variant(channel: Channel, name: str = "A", weight: int = 1) -> WelcomeVariant:
    return WelcomeVariant.objects.create(
        channel=channel,
        name=name,
        text=f"欢迎来到山茶咖啡！新人礼包已备好 ({name})",
        miniprogram_title="新人礼包",
        miniprogram_appid="wx1234567890abcdef",
        miniprogram_page="pages/gift/index",
        miniprogram_cover="gift-cover",
        weight=weight,
    )


def make_wecom_customer(external_userid: str, corp_id: str = "ww0000000000000001") -> Customer:
    return upsert_customer(
        [IdentityInput("wecom_external_userid", external_userid, corp_id)],
        fields={},
        source="test",
    )
