"""Channel-code upkeep runs from the schedule against WeCom (the simulator here)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from siyu.channels.codes import create_channel, create_channel_code, retire_channel_code
from siyu.channels.models import ChannelKind, CodeStatus
from siyu.demo.brand import Brand
from siyu.integrations.wecom.channel_tasks import clean_up_channel_codes
from siyu.integrations.wecom.onboarding import WeComChannelGateway
from siyu.integrations.wecom.outbox import drain_outbox
from siyu.integrations.wecom.simulator.server import Simulator
from siyu.integrations.wecom.transport import wecom_client
from siyu.worker.schedule import SCHEDULE

pytestmark = pytest.mark.django_db


def test_upkeep_is_on_the_schedule() -> None:
    assert "wecom_rotate_channel_codes" in SCHEDULE
    assert "wecom_clean_up_channel_codes" in SCHEDULE


def test_long_retired_codes_are_deleted_in_wecom(sim: Simulator, brand: Brand) -> None:
    gateway = WeComChannelGateway(wecom_client())
    channel = create_channel("抖音视频", ChannelKind.DOUYIN_VIDEO)
    code = create_channel_code(channel, [brand.chen_jing], gateway=gateway)
    retire_channel_code(code, at=timezone.now() - timedelta(days=120))
    assert clean_up_channel_codes.call() == 1
    code.refresh_from_db()
    assert code.status == CodeStatus.DELETED
    assert code.config_id in sim.world.ways  # deleted in WeCom after commit, by the worker
    assert drain_outbox() == 1
    assert code.config_id not in sim.world.ways
