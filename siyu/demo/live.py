"""The demo while it runs: new customers keep arriving through the WeCom simulator.

`siyu demo` starts the simulator on a loopback port and points Siyu's WeCom client at it
(configuration only, as with the real WeCom). Each demo channel gets a real channel code
(add_contact_way against the simulator) and a welcome message with the new-customer gift
pack; every few seconds a simulated WeChat user scans one of the codes, and the callback
goes through the same signed, encrypted path a production deployment uses.
"""

from __future__ import annotations

import logging
import random
import threading

from django.db import close_old_connections

from siyu.channels.codes import create_channel, create_channel_code
from siyu.channels.models import Channel, ChannelCode, ChannelKind, CodeStatus, WelcomeVariant
from siyu.core.models import Role, Staff
from siyu.integrations.wecom.onboarding import WeComChannelGateway
from siyu.integrations.wecom.simulator.server import Simulator
from siyu.integrations.wecom.transport import wecom_client

log = logging.getLogger(__name__)

CHANNELS: list[tuple[str, ChannelKind, str]] = [
    ("抖音短视频", ChannelKind.DOUYIN_VIDEO, "看了视频来的朋友，送你一份新人礼包 ☕"),
    ("小红书笔记", ChannelKind.XIAOHONGSHU_NOTE, "欢迎小红书的朋友！新人礼包已为你准备好"),
    ("门店海报", ChannelKind.STORE_POSTER, "感谢到店扫码，下一杯半价券请查收"),
    ("包裹卡", ChannelKind.TAOBAO_PARCEL_CARD, "感谢在天猫旗舰店下单，加我领专属回购礼"),
    ("信息流广告", ChannelKind.AD_CAMPAIGN, "欢迎来到山茶咖啡，新人礼包点这里领取"),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "悦静敏洋蕾婷磊强芳丽伟娜涛明华玲"


def ensure_demo_channels() -> list[ChannelCode]:
    """One channel code per demo channel, staffed by the sales staff (idempotent)."""
    gateway = WeComChannelGateway(wecom_client())
    sales = list(Staff.objects.filter(role=Role.SALES, is_active=True).order_by("pk")[:6])
    codes = []
    for name, kind, text in CHANNELS:
        channel = Channel.objects.filter(name=name).first() or create_channel(name, kind)
        if not channel.variants.exists():
            WelcomeVariant.objects.create(
                channel=channel,
                name="A",
                text=text,
                miniprogram_title="山茶咖啡新人礼包",
                miniprogram_appid="wx0b22camellia0m",
                miniprogram_page="pages/gift/index",
            )
        code = channel.codes.filter(status=CodeStatus.ACTIVE).first()
        codes.append(code or create_channel_code(channel, sales, gateway=gateway, daily_cap=50))
    return codes


def start_arrivals(
    sim: Simulator, stop: threading.Event, *, every: float = 12.0, seed: int = 7
) -> threading.Thread:
    def loop() -> None:
        rng = random.Random(seed)
        try:
            configs = [c.config_id for c in ensure_demo_channels() if c.config_id]
        except Exception:
            log.exception("demo channels could not be set up; no live arrivals")
            return
        finally:
            close_old_connections()
        while configs and not stop.wait(every):
            name = rng.choice(SURNAMES) + rng.choice(GIVEN)
            try:
                sim.scan(rng.choice(configs), name=name)
            except Exception:
                log.exception("simulated scan failed")

    thread = threading.Thread(target=loop, name="siyu-demo-arrivals", daemon=True)
    thread.start()
    return thread
