"""The demo's acquisition channels as the channels app sees them: a channel per catalog
entry, its welcome message with the new-customer gift pack, and a year of monthly spend,
so the channel pages show CAC and ROI (the Douyin video costs far more per customer than
the parcel card)."""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction

from siyu.channels.codes import create_channel
from siyu.channels.models import Channel, ChannelKind, WelcomeVariant
from siyu.channels.spend import record_spend
from siyu.demo.catalog import CHANNELS, MINIPROGRAM_APPID

KINDS = {
    "douyin_video": ChannelKind.DOUYIN_VIDEO,
    "xhs_note": ChannelKind.XIAOHONGSHU_NOTE,
    "store_poster": ChannelKind.STORE_POSTER,
    "parcel_card": ChannelKind.TAOBAO_PARCEL_CARD,
    "ads": ChannelKind.AD_CAMPAIGN,
    "event": ChannelKind.EVENT,
}
# Monthly spend in fen: paid content and ads cost, posters and parcel cards barely do.
MONTHLY_SPEND_FEN = {
    "douyin_video": 1_200_000,
    "xhs_note": 600_000,
    "store_poster": 60_000,
    "parcel_card": 20_000,
    "ads": 900_000,
    "event": 300_000,
}
WELCOME = {
    "douyin_video": "看了视频来的朋友，送你一份新人礼包 ☕",
    "xhs_note": "欢迎小红书的朋友！新人礼包已为你准备好",
    "store_poster": "感谢到店扫码，下一杯半价券请查收",
    "parcel_card": "感谢在天猫旗舰店下单，加我领专属回购礼",
    "ads": "欢迎来到山茶咖啡，新人礼包点这里领取",
    "event": "谢谢来参加活动，活动专属礼包请收下",
}


def _months_before(now: datetime, count: int) -> list[tuple[date, date]]:
    year, month = now.year, now.month
    spans = []
    for _ in range(count):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        start = date(year, month, 1)
        nxt = date(year + (month == 12), month % 12 + 1, 1)
        spans.append((start, date.fromordinal(nxt.toordinal() - 1)))
    return spans


# Shipped with Siyu (siyu/integrations/wecom/covers); uploaded to WeCom by the worker.
GIFT_PACK_COVER = "gift-pack.png"


@transaction.atomic
def build_channels(now: datetime) -> list[Channel]:
    """Idempotent: channels, welcome variants and spend are created once per name/period."""
    made = []
    for entry in CHANNELS:
        channel = Channel.objects.filter(name=entry.name).first() or create_channel(
            entry.name, KINDS[entry.code]
        )
        if not channel.variants.exists():
            WelcomeVariant.objects.create(
                channel=channel,
                name="A",
                text=WELCOME[entry.code],
                miniprogram_title="山茶咖啡新人礼包",
                miniprogram_appid=MINIPROGRAM_APPID,
                miniprogram_page="pages/gift/index",
                miniprogram_cover=GIFT_PACK_COVER,
            )
        for index, (start, end) in enumerate(_months_before(now, 12)):
            # A gentle, fixed ramp so months differ without any randomness.
            amount = MONTHLY_SPEND_FEN[entry.code] * (100 + 3 * (index % 5)) // 100
            record_spend(channel, period_start=start, period_end=end, amount_fen=amount)
        made.append(channel)
    return made
