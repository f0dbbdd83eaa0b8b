from __future__ import annotations

import json
import secrets
import time

import pytest
from django.test import Client

from siyu.customers.member_ref import customer_id_from_ref
from siyu.customers.models import Customer, Event, Identity
from siyu.integrations.wechat.oa import signature
from siyu.integrations.wechat.simulator import WechatSimulator
from siyu.integrations.wechat.tests.conftest import OA_APPID, OA_TOKEN

pytestmark = pytest.mark.django_db
URL = "/wechat/oa/push/"


def _query(timestamp: int | None = None, token: str = OA_TOKEN) -> dict[str, str]:
    ts = str(timestamp if timestamp is not None else int(time.time()))
    nonce = secrets.token_hex(5)
    return {"timestamp": ts, "nonce": nonce, "signature": signature(token, ts, nonce)}


def _event_xml(openid: str, event: str, create_time: int = 1700000000) -> str:
    return (
        f"<xml><ToUserName><![CDATA[gh_test]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{create_time}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        f"<Event><![CDATA[{event}]]></Event></xml>"
    )


def _push(body: str, query: dict[str, str] | None = None) -> tuple[int, str]:
    q = query or _query()
    path = f"{URL}?timestamp={q['timestamp']}&nonce={q['nonce']}&signature={q['signature']}"
    response = Client().post(path, body, content_type="text/xml")
    return response.status_code, response.content.decode()


def test_get_verification_echoes_with_a_valid_signature(sim: WechatSimulator) -> None:
    response = Client().get(URL, {**_query(), "echostr": "1234567890"})
    assert response.status_code == 200
    assert response.content == b"1234567890"


def test_get_verification_refuses_forged_and_stale(sim: WechatSimulator) -> None:
    forged = Client().get(URL, {**_query(token="not-our-token"), "echostr": "x"})
    stale = Client().get(URL, {**_query(int(time.time()) - 301), "echostr": "x"})
    assert forged.status_code == 403
    assert stale.status_code == 403


def test_forged_or_stale_push_writes_nothing(sim: WechatSimulator) -> None:
    body = _event_xml("oa-openid-1", "subscribe")
    assert _push(body, _query(token="wrong"))[0] == 403
    assert _push(body, _query(int(time.time()) - 600))[0] == 403
    assert not Identity.objects.exists()
    assert not Event.objects.exists()


def test_garbage_xml_is_400(sim: WechatSimulator) -> None:
    assert _push("<xml><oops")[0] == 400
    entity = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]><xml><A>&e;</A></xml>'
    assert _push(entity)[0] == 400
    assert not Event.objects.exists()


def test_subscribe_creates_a_profile_with_the_openid(sim: WechatSimulator) -> None:
    assert _push(_event_xml("oa-openid-2", "subscribe")) == (200, "success")
    identity = Identity.objects.get(type="wechat_openid")
    assert identity.namespace == OA_APPID
    assert identity.customer is not None
    assert Event.objects.get().type == "oa_subscribed"


def test_subscribe_still_recorded_when_user_info_fails(sim: WechatSimulator) -> None:
    # The simulator does not know this follower: user/info answers 40003.
    assert _push(_event_xml("oa-openid-3", "subscribe")) == (200, "success")
    assert Event.objects.filter(type="oa_subscribed").count() == 1
    assert not Identity.objects.filter(type="wechat_unionid").exists()


def test_duplicate_push_is_processed_once(sim: WechatSimulator) -> None:
    body = _event_xml("oa-openid-4", "subscribe")
    for _ in range(3):
        assert _push(body) == (200, "success")
    assert Event.objects.count() == 1
    assert Customer.objects.count() == 1


def test_unsubscribe_is_recorded(sim: WechatSimulator) -> None:
    _push(_event_xml("oa-openid-5", "subscribe", 1700000000))
    assert _push(_event_xml("oa-openid-5", "unsubscribe", 1700000100)) == (200, "success")
    types = sorted(Event.objects.values_list("type", flat=True))
    assert types == ["oa_subscribed", "oa_unsubscribed"]
    assert Customer.objects.count() == 1


def test_other_events_store_nothing(sim: WechatSimulator) -> None:
    assert _push(_event_xml("oa-openid-6", "CLICK")) == (200, "success")
    text = _event_xml("oa-openid-6", "x").replace("event", "text")
    assert _push(text) == (200, "success")
    assert not Identity.objects.exists()
    assert not Event.objects.exists()


def test_mini_program_user_then_follower_is_one_profile(sim: WechatSimulator) -> None:
    code = sim.issue_code("mp-openid-7", "union-7")
    response = Client().post(
        "/api/miniprogram/login", json.dumps({"code": code}), content_type="application/json"
    )
    customer_id = customer_id_from_ref(response.json()["customer"])
    sim.followers["oa-openid-7"] = "union-7"

    assert _push(_event_xml("oa-openid-7", "subscribe")) == (200, "success")

    live = Customer.objects.filter(status="active")
    assert live.count() == 1
    merged = live.get()
    assert merged.pk == customer_id
    types = set(Identity.objects.filter(customer=merged).values_list("type", flat=True))
    assert types == {"miniprogram_openid", "wechat_openid", "wechat_unionid"}


def test_revoked_access_token_is_refreshed(sim: WechatSimulator) -> None:
    sim.followers["oa-openid-8"] = "union-8"
    _push(_event_xml("oa-openid-8", "subscribe", 1700000000))
    sim.revoke_tokens()
    sim.followers["oa-openid-9"] = "union-9"
    _push(_event_xml("oa-openid-9", "subscribe", 1700000000))
    assert Identity.objects.filter(type="wechat_unionid").count() == 2
    assert sim.calls.count("/cgi-bin/token") == 2
