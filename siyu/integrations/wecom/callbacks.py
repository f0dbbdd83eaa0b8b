"""The WeCom callback URL: GET verifies the URL, POST delivers events.

Order of work for a POST, cheapest refusal first: parameters → timestamp freshness →
envelope → signature → decrypt + corp id → event XML → one transaction storing the nonce and
the inbox row. Only then "success". Forged or broken input gets a 4xx with the reason
logged and nothing written; a failing database gets a 503 so WeCom retries.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from siyu.integrations.wecom import crypto
from siyu.integrations.wecom.receive import ReplayError, check_fresh, store_callback

log = logging.getLogger(__name__)
STATUS_FOR = {
    "bad_signature": 403,
    "wrong_corp_id": 403,
    "replayed_nonce": 409,
    "stale_timestamp": 400,
}


@dataclass(frozen=True)
class Corp:
    corp_id: str
    token: str
    aes_key: str


class ParamError(crypto.CallbackCryptoError):
    reason = "bad_parameters"


def configured_corp() -> Corp | None:
    corp = Corp(settings.SIYU_WECOM_CORP_ID, settings.SIYU_WECOM_TOKEN, settings.SIYU_WECOM_AES_KEY)
    return corp if corp.corp_id and corp.token and corp.aes_key else None


def _refuse(request: HttpRequest, error: crypto.CallbackCryptoError) -> HttpResponse:
    log.warning(
        "wecom callback refused: %s (%s) from %s",
        error.reason,
        error,
        request.META.get("REMOTE_ADDR", "?"),
    )
    return HttpResponse(error.reason, status=STATUS_FOR.get(error.reason, 400))


def _params(request: HttpRequest) -> tuple[str, str, str, int]:
    signature = request.GET.get("msg_signature", "")
    timestamp = request.GET.get("timestamp", "")
    nonce = request.GET.get("nonce", "")
    if not signature or not timestamp.isdigit() or not nonce or len(timestamp) > 12:
        raise ParamError("msg_signature, timestamp and nonce are required")
    check_fresh(int(timestamp))
    return signature, timestamp, nonce, int(timestamp)


def _verify_url(request: HttpRequest, corp: Corp) -> HttpResponse:
    signature, timestamp, nonce, _ = _params(request)
    # The query string is URL-decoded already; a "+" that arrived unencoded became a space.
    echostr = request.GET.get("echostr", "").replace(" ", "+")
    if not echostr:
        raise ParamError("echostr is required")
    if not crypto.verify_signature(corp.token, timestamp, nonce, echostr, signature):
        raise crypto.SignatureError("msg_signature does not match echostr")
    plain = crypto.decrypt(echostr, encoding_aes_key=corp.aes_key, receive_id=corp.corp_id)
    # WeCom compares the body byte for byte: no quotes, BOM or newline.
    return HttpResponse(plain, content_type="text/plain; charset=utf-8")


def _receive(request: HttpRequest, corp: Corp) -> HttpResponse:
    signature, timestamp, nonce, ts = _params(request)
    plain, data = crypto.decrypt_event(
        request.body,
        token=corp.token,
        encoding_aes_key=corp.aes_key,
        corp_id=corp.corp_id,
        msg_signature=signature,
        timestamp=timestamp,
        nonce=nonce,
    )
    store_callback(corp_id=corp.corp_id, timestamp=ts, nonce=nonce, plain=plain, data=data)
    return HttpResponse("success", content_type="text/plain")


@csrf_exempt  # authenticated by msg_signature, not by a session
@require_http_methods(["GET", "POST"])
def callback(request: HttpRequest) -> HttpResponse:
    corp = configured_corp()
    if corp is None:
        log.error("wecom callback received but SIYU_WECOM_CORP_ID/TOKEN/AES_KEY are not set")
        return HttpResponse("not configured", status=503)
    try:
        if request.method == "GET":
            return _verify_url(request, corp)
        if len(request.body) > crypto.MAX_XML_BYTES:
            raise crypto.XmlError("body too large")
        return _receive(request, corp)
    except (ReplayError, crypto.CallbackCryptoError) as error:
        return _refuse(request, error)
    except DatabaseError:
        # Not acknowledged, so WeCom delivers it again; nothing was committed.
        log.exception("wecom callback could not be stored")
        return HttpResponse("retry", status=503)
