"""A test official account and mini-program wired to the in-process WeChat simulator."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.test.utils import override_settings

from siyu.integrations.wechat.client import use_transport
from siyu.integrations.wechat.simulator import WechatSimulator

MP_APPID = "wxtestminiprog01"
MP_SECRET = "test-mp-secret"
OA_APPID = "wxtestofficial01"
OA_SECRET = "test-oa-secret"
OA_TOKEN = "TestOaToken"


@pytest.fixture
def sim() -> Iterator[WechatSimulator]:
    simulator = WechatSimulator(MP_APPID, MP_SECRET, OA_APPID, OA_SECRET)
    use_transport(simulator.transport())
    cache.clear()
    with override_settings(
        SIYU_WECHAT_MP_APPID=MP_APPID,
        SIYU_WECHAT_MP_SECRET=MP_SECRET,
        SIYU_WECHAT_OA_APPID=OA_APPID,
        SIYU_WECHAT_OA_SECRET=OA_SECRET,
        SIYU_WECHAT_OA_TOKEN=OA_TOKEN,
        SIYU_WECHAT_API_BASE="https://api.weixin.qq.com",
    ):
        yield simulator
    use_transport(None)
    cache.clear()
