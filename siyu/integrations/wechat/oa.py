"""The official account's message push URL (plaintext mode, WeChat's default).

GET: WeChat verifies the URL; echo ``echostr`` when the signature holds. POST: one pushed
message. WeChat signs both the same way (sha1 of the sorted token, timestamp, nonce) and
retries a push 3 times unless it reads "success" within 5 s, so every message we do not
act on is still answered "success"; only forged or unreadable pushes get an error.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from siyu.customers.events import record_event
from siyu.customers.identity_rules import IdentityInput
from siyu.customers.resolve import resolve_identities
from siyu.integrations.wechat.client import get_with_token
from siyu.integrations.wecom.crypto import XmlError, parse_xml
from siyu.messaging.models import Channel, Reason
from siyu.messaging.receipts import note_delivery

log = logging.getLogger(__name__)

SOURCE = "wechat_oa"
FRESHNESS_SECONDS = 300
EVENT_TYPES = {"subscribe": "oa_subscribed", "unsubscribe": "oa_unsubscribed"}


def signature(token: str, timestamp: str, nonce: str) -> str:
    joined = "".join(sorted([token, timestamp, nonce]))
    return hashlib.sha1(joined.encode("utf-8")).hexdigest()  # noqa: S324 (WeChat's scheme)


def _verified(request: HttpRequest, token: str) -> bool:
    timestamp = request.GET.get("timestamp", "")
    nonce = request.GET.get("nonce", "")
    given = request.GET.get("signature", "")
    if not (timestamp.isdigit() and nonce and given):
        return False
    if abs(time.time() - int(timestamp)) > FRESHNESS_SECONDS:
        return False
    return hmac.compare_digest(signature(token, timestamp, nonce), given.lower())


def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    return value.strip() if isinstance(value, str) else ""


def lookup_unionid(openid: str) -> str:
    """WeChat pushes no unionid: ask user/info. Any failure just means "unknown"."""
    appid, secret = settings.SIYU_WECHAT_OA_APPID, settings.SIYU_WECHAT_OA_SECRET
    if not secret:
        return ""
    try:
        data = get_with_token(appid, secret, "/cgi-bin/user/info", {"openid": openid})
    except Exception as exc:  # the push must still be recorded; unionid can come later
        log.warning("wechat user/info failed for a subscriber: %s", exc)
        return ""
    return str(data.get("unionid") or "")


def job_finished(data: dict[str, Any]) -> bool:
    """``TEMPLATESENDJOBFINISH``: WeChat's word on a template message it accepted.
    ``Status`` is ``success``, ``failed:user block`` (the follower refuses the account's
    messages) or ``failed: system failed``."""
    msgid = _text(data, "MsgID")
    status = _text(data, "Status").lower()
    if not msgid.isdigit() or not status:
        return False
    if status == "success":
        failed = ""
    elif "block" in status:
        failed = Reason.USER_BLOCKED
    else:
        failed = Reason.DELIVERY_FAILED
    detail = f"wechat TEMPLATESENDJOBFINISH: {status}"[:200]
    return bool(note_delivery(Channel.OA_TEMPLATE, msgid, failed=failed, detail=detail))


def handle_event(data: dict[str, Any]) -> bool:
    """Apply one pushed event; True when something was recorded."""
    event = _text(data, "Event").lower()
    if _text(data, "MsgType") == "event" and event == "templatesendjobfinish":
        return job_finished(data)
    openid = _text(data, "FromUserName")
    create_time = _text(data, "CreateTime")
    if _text(data, "MsgType") != "event" or event not in EVENT_TYPES or not openid:
        return False
    appid = settings.SIYU_WECHAT_OA_APPID
    key = f"oa:{appid}:{openid}:{create_time}:{event}"
    identities = [IdentityInput("wechat_openid", openid, appid)]
    unionid = lookup_unionid(openid) if event == "subscribe" else ""
    if unionid:
        identities.append(IdentityInput("wechat_unionid", unionid))
    at = _occurred_at(create_time)
    customer = resolve_identities(identities, source=SOURCE, at=at)
    if customer is None:
        return False
    properties = {"appid": appid, "event_key": _text(data, "EventKey")}
    _, created = record_event(
        customer,
        type=EVENT_TYPES[event],
        occurred_at=at,
        properties=properties,
        source=SOURCE,
        idempotency_key=key[:200],
    )
    return created


def _occurred_at(create_time: str) -> datetime:
    seconds = int(create_time) if create_time.isdigit() else int(time.time())
    return datetime.fromtimestamp(seconds, tz=UTC)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def push(request: HttpRequest) -> HttpResponse:
    token = settings.SIYU_WECHAT_OA_TOKEN
    if not token or not settings.SIYU_WECHAT_OA_APPID:
        return HttpResponse("official account not configured", status=503)
    if not _verified(request, token):
        log.warning("wechat push refused: bad or stale signature")
        return HttpResponse("bad signature", status=403)
    if request.method == "GET":
        return HttpResponse(request.GET.get("echostr", ""), content_type="text/plain")
    try:
        data = parse_xml(request.body)
    except XmlError as exc:
        log.warning("wechat push refused: %s", exc)
        return HttpResponse("bad xml", status=400)
    handle_event(data)
    return HttpResponse("success", content_type="text/plain")
