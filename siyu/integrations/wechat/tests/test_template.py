"""Official-account template messages sent by messaging's delivery worker over real HTTP
to the WeChat simulator (waitress on a loopback port), and WeChat's delivery report
(``TEMPLATESENDJOBFINISH``) pushed back to our push URL."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone

from siyu.customers.consent import record_consent
from siyu.customers.identity_rules import IdentityInput
from siyu.customers.models import Customer
from siyu.customers.profiles import upsert_customer
from siyu.integrations.wechat.client import use_transport
from siyu.integrations.wechat.oa import signature
from siyu.integrations.wechat.simulator import WechatSimulator
from siyu.integrations.wechat.template import OaTemplateTransport
from siyu.integrations.wechat.tests.conftest import (
    MP_APPID,
    MP_SECRET,
    OA_APPID,
    OA_SECRET,
    OA_TOKEN,
)
from siyu.messaging.delivery import deliver_due
from siyu.messaging.models import Channel, Priority, Reason, Send, SendStatus
from siyu.messaging.send import Message, SendRequest, send
from siyu.messaging.transport import DirectMessage

pytestmark = pytest.mark.django_db
TEMPLATE = "TPL-order-ready"


@pytest.fixture
def http_sim() -> Iterator[WechatSimulator]:
    import waitress.server  # type: ignore[import-untyped]  # no bundled types

    sim = WechatSimulator(MP_APPID, MP_SECRET, OA_APPID, OA_SECRET)
    sim.templates[TEMPLATE] = ("thing1", "amount2")
    server = waitress.server.create_server(sim.wsgi, host="127.0.0.1", port=0, threads=2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    use_transport(None)  # the network: a real socket to the simulator
    cache.clear()
    base = f"http://127.0.0.1:{server.effective_port}"
    with override_settings(
        SIYU_WECHAT_MP_APPID=MP_APPID,
        SIYU_WECHAT_OA_APPID=OA_APPID,
        SIYU_WECHAT_OA_SECRET=OA_SECRET,
        SIYU_WECHAT_OA_TOKEN=OA_TOKEN,
        SIYU_WECHAT_API_BASE=base,
    ):
        yield sim
    server.close()
    thread.join(timeout=5)
    cache.clear()


def follower(name: str, openid: str, appid: str = OA_APPID) -> Customer:
    identities = [IdentityInput("wechat_openid", openid, appid)]
    customer = upsert_customer(identities, fields={"display_name": name}, source="test")
    record_consent(customer, purpose="marketing", granted=True, policy_version="v1", source="t",
                   at=timezone.now())  # fmt: skip
    return customer


def plan(source_id: str, customers: list[Customer], **message: Any) -> None:
    fields = {"thing1": "拿铁 · 门店自取", "amount2": "¥32.00"}
    send(
        SendRequest(
            source="test",
            source_id=source_id,
            channel=Channel.OA_TEMPLATE,
            message=Message(template_id=TEMPLATE, fields=fields, **message),
            customers=[c.pk for c in customers],
            priority=Priority.TRANSACTIONAL,  # an order notice: no quiet hours in the way
        )
    )


def log_of(customer: Customer) -> Send:
    return Send.objects.get(customer=customer, channel=Channel.OA_TEMPLATE)


def push(body: bytes) -> int:
    ts, nonce = str(int(time.time())), secrets.token_hex(5)
    query = f"timestamp={ts}&nonce={nonce}&signature={signature(OA_TOKEN, ts, nonce)}"
    return Client().post(f"/wechat/oa/push/?{query}", body, content_type="text/xml").status_code


def test_template_sent_over_http_and_an_unsubscribed_follower_is_blocked_with_that_reason(
    http_sim: WechatSimulator,
) -> None:
    min_ = follower("张敏", "oa-zhangmin")
    left = follower("王磊", "oa-wanglei")
    mp_only = follower("李娜", "mp-lina", appid=MP_APPID)
    http_sim.followers.update({"oa-zhangmin": "", "oa-wanglei": ""})
    http_sim.unsubscribed.add("oa-wanglei")
    plan("order-ready-1", [min_, left, mp_only], url="https://shop.example/o/1")
    deliver_due()
    [sent] = http_sim.sent
    assert sent["touser"] == "oa-zhangmin"
    assert sent["template_id"] == TEMPLATE
    assert sent["data"] == {"thing1": {"value": "拿铁 · 门店自取"}, "amount2": {"value": "¥32.00"}}
    assert sent["url"] == "https://shop.example/o/1"
    assert (log_of(min_).status, log_of(min_).external_id) == (SendStatus.SENT, str(sent["msgid"]))
    blocked = log_of(left)
    assert (blocked.status, blocked.reason) == (SendStatus.BLOCKED, Reason.OA_UNSUBSCRIBED)
    assert "43004" in blocked.last_error
    # A mini-program openid is not a follower of the account: blocked before any call.
    lina = log_of(mp_only)
    assert (lina.status, lina.reason) == (SendStatus.BLOCKED, Reason.NOT_REACHABLE)
    assert http_sim.calls.count("/cgi-bin/message/template/send") == 2


def test_the_delivery_report_push_marks_a_refused_message_failed_and_a_delivered_one_sent(
    http_sim: WechatSimulator,
) -> None:
    ok, refuses = follower("张敏", "oa-zm2"), follower("赵蕾", "oa-zl2")
    http_sim.followers.update({"oa-zm2": "", "oa-zl2": ""})
    plan("order-ready-2", [ok, refuses], miniprogram_page="pages/order?id=2")
    deliver_due()
    assert all(m["miniprogram"] == {"appid": MP_APPID, "pagepath": "pages/order?id=2"}
               for m in http_sim.sent)  # fmt: skip
    by_openid = {m["touser"]: m["msgid"] for m in http_sim.sent}
    assert push(http_sim.job_finish_xml(by_openid["oa-zm2"], "success")) == 200
    assert push(http_sim.job_finish_xml(by_openid["oa-zl2"], "failed:user block")) == 200
    assert push(http_sim.job_finish_xml(by_openid["oa-zl2"], "success")) == 200  # late, crossed
    assert log_of(ok).status == SendStatus.SENT
    refused = log_of(refuses)
    assert (refused.status, refused.reason) == (SendStatus.FAILED, Reason.USER_BLOCKED)


def test_busy_is_retried_later_and_a_repeated_post_sends_once(http_sim: WechatSimulator) -> None:
    zm = follower("张敏", "oa-zm3")
    http_sim.followers["oa-zm3"] = ""
    http_sim.failing_sends.append(-1)
    plan("order-ready-3", [zm])
    deliver_due()
    waiting = log_of(zm)
    assert (waiting.status, http_sim.sent) == (SendStatus.QUEUED, [])
    assert "-1" in waiting.last_error
    Send.objects.filter(pk=waiting.pk).update(due_at=timezone.now() - timedelta(seconds=1))
    deliver_due()
    assert log_of(zm).status == SendStatus.SENT
    # A worker killed after WeChat took the POST delivers the same send again:
    # client_msg_id makes that POST a no-op answering the same msgid.
    key = f"test:order-ready-3:c:{zm.pk}:oa_template"
    msg = DirectMessage(waiting.pk, key, Channel.OA_TEMPLATE, waiting.plan.content,
                        customer_id=zm.pk)  # fmt: skip
    assert OaTemplateTransport().deliver(msg) == log_of(zm).external_id
    assert len(http_sim.sent) == 1


def test_a_template_the_account_does_not_have_fails_without_retry(
    http_sim: WechatSimulator,
) -> None:
    zm = follower("张敏", "oa-zm4")
    http_sim.followers["oa-zm4"] = ""
    http_sim.templates.clear()
    plan("order-ready-4", [zm])
    deliver_due()
    failed = log_of(zm)
    assert (failed.status, failed.reason) == (SendStatus.FAILED, Reason.DELIVERY_FAILED)
    assert "40037" in failed.last_error
