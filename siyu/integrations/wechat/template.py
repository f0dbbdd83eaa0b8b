"""The official account's template message (模板消息): the Transport of
``Channel.OA_TEMPLATE``.

``POST /cgi-bin/message/template/send?access_token=…`` with ``touser`` (the follower's
openid under *our* official account, not the mini-program's), ``template_id``, ``data``
(``{"keyword": {"value": "…"}}``), and where a tap leads: ``url`` or ``miniprogram``
(``appid`` + ``pagepath``; WeChat prefers the mini-program when both are given).
``client_msg_id`` is WeChat's re-entry guard: the same openid and id within 10 minutes
sends once, so a worker killed after the POST and retried (10 s later) does not send twice.

WeChat answers HTTP 200 with an errcode. 43004 (the follower unsubscribed), 43019 (they
blacklisted the account) and 40003 (not a follower's openid) mean this person cannot be
reached here: the send is *blocked* with that reason, not retried. -1 (busy) and 45009
(daily quota) are retried later by the delivery worker; the rest fail at once. A
delivered message's final word arrives later as the ``TEMPLATESENDJOBFINISH`` push
(oa.py → messaging.receipts).
"""

from __future__ import annotations

import hashlib
from typing import Any

import httpx
from django.conf import settings

from siyu.customers.models import Identity
from siyu.integrations.wechat.client import WechatError, post_with_token
from siyu.messaging.models import Reason
from siyu.messaging.transport import DeliveryError, DirectMessage

PATH = "/cgi-bin/message/template/send"
OPENID = "wechat_openid"
BUSY, QUOTA = -1, 45009
BLOCKED: dict[int, str] = {
    43004: Reason.OA_UNSUBSCRIBED,
    43019: Reason.USER_BLOCKED,
    40003: Reason.NOT_REACHABLE,
}


def follower_openid(msg: DirectMessage, appid: str) -> str:
    """The customer's openid under this official account (a mini-program openid is no use)."""
    if msg.customer_id is None:
        return msg.openid
    found = Identity.objects.filter(customer_id=msg.customer_id, type=OPENID, namespace=appid)
    return str(found.values_list("value", flat=True).first() or "")


def client_msg_id(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def template_body(msg: DirectMessage, openid: str) -> dict[str, Any]:
    content = msg.message
    fields = content.get("fields") or {}
    body: dict[str, Any] = {
        "touser": openid,
        "template_id": str(content.get("template_id", "")),
        "data": {str(k): {"value": str(v)} for k, v in fields.items()},
        "client_msg_id": client_msg_id(msg.idempotency_key),
    }
    if content.get("url"):
        body["url"] = str(content["url"])
    page = str(content.get("miniprogram_page") or "")
    if page and settings.SIYU_WECHAT_MP_APPID:
        body["miniprogram"] = {"appid": settings.SIYU_WECHAT_MP_APPID, "pagepath": page}
    return body


def refusal(exc: WechatError) -> DeliveryError:
    text = f"wechat template/send {exc.errcode}: {exc.errmsg}"
    if exc.errcode in BLOCKED:
        return DeliveryError(text, retry=False, blocked=BLOCKED[exc.errcode])
    return DeliveryError(text, retry=exc.errcode in (BUSY, QUOTA))


class OaTemplateTransport:
    def __init__(self) -> None:
        self.appid = str(settings.SIYU_WECHAT_OA_APPID)
        self.secret = str(settings.SIYU_WECHAT_OA_SECRET)

    def deliver(self, msg: DirectMessage) -> str:
        if not self.appid or not self.secret:
            raise DeliveryError("SIYU_WECHAT_OA_APPID / _SECRET are not set", retry=True)
        openid = follower_openid(msg, self.appid)
        if not openid:
            raise DeliveryError(
                "no openid under this official account", retry=False, blocked=Reason.NOT_REACHABLE
            )
        if not msg.message.get("template_id"):
            raise DeliveryError("the message names no template", retry=False)
        try:
            answer = post_with_token(self.appid, self.secret, PATH, template_body(msg, openid))
        except WechatError as exc:
            raise refusal(exc) from exc
        except httpx.HTTPError as exc:
            raise DeliveryError(f"wechat unreachable: {exc}", retry=True) from exc
        return str(answer.get("msgid", ""))[:64]
