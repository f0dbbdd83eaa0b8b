"""Schemathesis against the API in-process (WSGI, no server): every operation, positive and
negative examples, a bounded count. No 5xx, every status and body as the schema says."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from django.test.utils import override_settings
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from siyu.access.keys import create_api_key
from siyu.access.models import Scope
from siyu.customers.identity_rules import IdentityInput
from siyu.customers.profiles import upsert_customer
from siyu.integrations.wechat.client import use_transport
from siyu.integrations.wechat.simulator import WechatSimulator
from siyu.integrations.wechat.tests.conftest import MP_APPID, MP_SECRET, OA_APPID, OA_SECRET
from siyu.segments.define import create_segment
from siyu.segments.membership import refresh_segment

EXAMPLES = 20  # per operation and mode; 11 operations, about 450 requests
# The same examples every run, so a red CI run is reproducible and never a coin toss; set
# SIYU_FUZZ_EXPLORE=1 to draw new ones (a failure prints the seed to replay it).
DERANDOMIZE = not os.environ.get("SIYU_FUZZ_EXPLORE")
# Schema-valid input may still be refused with 422 by rules a JSON schema cannot say: the
# identifier rules (a phone of 11 digits, no placeholder "null"), batch items checked item
# by item so that `partial` can keep the good ones, rule trees. Every other check runs:
# no 5xx, every status documented, bodies and headers as documented, and input the
# schema forbids refused.
NOT_CHECKED = [positive_data_acceptance]


@pytest.fixture
def api_schema(db: None) -> Iterator[Any]:
    # Django's test client does the same: closing "old" connections at the end of each
    # request would close the test's transaction.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/openapi.json", WSGIHandler())
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def wechat() -> Iterator[None]:
    # The mini-program login calls WeChat: the simulator answers instead of the network.
    use_transport(WechatSimulator(MP_APPID, MP_SECRET, OA_APPID, OA_SECRET).transport())
    cache.clear()
    with override_settings(
        SIYU_WECHAT_MP_APPID=MP_APPID,
        SIYU_WECHAT_MP_SECRET=MP_SECRET,
        SIYU_WECHAT_API_BASE="https://api.weixin.qq.com",
    ):
        yield
    use_transport(None)
    cache.clear()


@pytest.fixture
def key_headers(db: None, wechat: None) -> dict[str, str]:
    customer = upsert_customer(
        [IdentityInput("phone", "13912345678")], fields={"gender": "female"}, source="fuzz"
    )
    segment = create_segment("女性", {"kind": "profile", "field": "gender", "values": ["female"]})
    refresh_segment(segment.pk)
    assert customer.pk
    _, raw = create_api_key("fuzz", Scope.values, rate_per_minute=1_000_000)
    return {"Authorization": f"Bearer {raw}"}


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_api_honours_its_schema(
    api_schema: Any, key_headers: dict[str, str], mode: GenerationMode
) -> None:
    for result in api_schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES,
            derandomize=DERANDOMIZE,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            case.call_and_validate(headers=key_headers, excluded_checks=NOT_CHECKED)

        run()
