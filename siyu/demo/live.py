"""The demo while it runs: new customers keep arriving through the WeCom simulator.

`siyu demo` starts the simulator on a loopback port and points Siyu's WeCom client at it
(configuration only, as with the real WeCom). Each demo channel gets a real channel code
(add_contact_way against the simulator); every few seconds a simulated WeChat user scans one of the codes, and the callback
goes through the same signed, encrypted path a production deployment uses.
"""

from __future__ import annotations

import logging
import random
import threading

from django.db import close_old_connections

from siyu.channels.codes import create_channel_code
from siyu.channels.models import ChannelCode, CodeStatus
from siyu.core.models import Role, Staff
from siyu.demo.catalog import DEFAULT_NOW
from siyu.demo.channels import build_channels
from siyu.integrations.wecom.onboarding import WeComChannelGateway
from siyu.integrations.wecom.simulator.server import Simulator
from siyu.integrations.wecom.transport import wecom_client

log = logging.getLogger(__name__)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "悦静敏洋蕾婷磊强芳丽伟娜涛明华玲"


def ensure_demo_channels() -> list[ChannelCode]:
    """One channel code per demo channel, staffed by sales staff (idempotent)."""
    gateway = WeComChannelGateway(wecom_client())
    sales = list(Staff.objects.filter(role=Role.SALES, is_active=True).order_by("pk")[:6])
    codes = []
    for channel in build_channels(DEFAULT_NOW):
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
