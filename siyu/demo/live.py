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
LOSS_EVERY = 5  # arrivals per simulated customer who deletes her rep


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
        arrived: list[tuple[str, str]] = []
        count = 0
        while configs and not stop.wait(every):
            name = rng.choice(SURNAMES) + rng.choice(GIVEN)
            try:
                scan = sim.scan(rng.choice(configs), name=name)
                arrived.append((scan.external_userid, scan.userid))
                count += 1
                # Now and then an earlier arrival deletes her rep: a loss alert (流失提醒)
                # reaches the rep and her store manager through the real callback path.
                # Counted by arrivals: the list's length stays at the period once it is
                # reached, and every arrival after it deleted someone.
                if count % LOSS_EVERY == 0:
                    sim.customer_deletes_staff(*arrived.pop(0))
            except Exception:
                log.exception("simulated scan failed")

    thread = threading.Thread(target=loop, name="siyu-demo-arrivals", daemon=True)
    thread.start()
    return thread
