"""The WeCom callback URL: GET verifies the URL, POST delivers events.

Order of work for a POST, cheapest refusal first: parameters → timestamp freshness →
envelope → signature → decrypt + corp id → event XML → one INSERT storing the event with
its nonce. Only then "success". Forged or broken input gets a 4xx with the reason logged
and nothing written; a failing database gets a 503 so WeCom retries.

``handle`` is the whole protocol and knows nothing of Django's request objects. It is
served twice: as a Django view (tests, reverse()), and by ``fast_path``, which the WSGI
application puts in front of Django so that a burst of callbacks does not pay for
sessions, CSRF, auth, messages and locale middleware it never uses (about half of an
acknowledgement's CPU time).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from siyu.integrations.wecom import crypto
from siyu.integrations.wecom.receive import ReplayError, check_fresh, store_callback

log = logging.getLogger(__name__)
PATH = "/wecom/callback/"
STATUS_FOR = {
    "bad_signature": 403,
    "wrong_corp_id": 403,
    "replayed_nonce": 409,
    "stale_timestamp": 400,
}
REASONS = {200: "OK", 400: "Bad Request", 403: "Forbidden", 405: "Method Not Allowed"}
REASONS |= {409: "Conflict", 503: "Service Unavailable"}


@dataclass(frozen=True)
class Corp:
    corp_id: str
    token: str
    aes_key: str


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    content_type: str = "text/plain"


class ParamError(crypto.CallbackCryptoError):
    reason = "bad_parameters"


def configured_corp() -> Corp | None:
    corp = Corp(settings.SIYU_WECOM_CORP_ID, settings.SIYU_WECOM_TOKEN, settings.SIYU_WECOM_AES_KEY)
    return corp if corp.corp_id and corp.token and corp.aes_key else None


def _params(query: Mapping[str, str]) -> tuple[str, str, str, int]:
    signature = query.get("msg_signature", "")
    timestamp = query.get("timestamp", "")
    nonce = query.get("nonce", "")
    if not signature or not timestamp.isdigit() or not nonce or len(timestamp) > 12:
        raise ParamError("msg_signature, timestamp and nonce are required")
    check_fresh(int(timestamp))
    return signature, timestamp, nonce, int(timestamp)


def _verify_url(query: Mapping[str, str], corp: Corp) -> Reply:
    signature, timestamp, nonce, _ = _params(query)
    # The query string is URL-decoded already; a "+" that arrived unencoded became a space.
    echostr = query.get("echostr", "").replace(" ", "+")
    if not echostr:
        raise ParamError("echostr is required")
    if not crypto.verify_signature(corp.token, timestamp, nonce, echostr, signature):
        raise crypto.SignatureError("msg_signature does not match echostr")
    plain = crypto.decrypt(echostr, encoding_aes_key=corp.aes_key, receive_id=corp.corp_id)
    # WeCom compares the body byte for byte: no quotes, BOM or newline.
    return Reply(200, plain, "text/plain; charset=utf-8")


def _receive(query: Mapping[str, str], body: bytes, corp: Corp) -> Reply:
    signature, timestamp, nonce, ts = _params(query)
    plain, data = crypto.decrypt_event(
        body,
        token=corp.token,
        encoding_aes_key=corp.aes_key,
        corp_id=corp.corp_id,
        msg_signature=signature,
        timestamp=timestamp,
        nonce=nonce,
    )
    store_callback(corp_id=corp.corp_id, timestamp=ts, nonce=nonce, plain=plain, data=data)
    return Reply(200, b"success")


def handle(method: str, query: Mapping[str, str], body: bytes, remote_addr: str) -> Reply:
    if method not in ("GET", "POST"):
        return Reply(405, b"method not allowed")
    corp = configured_corp()
    if corp is None:
        log.error("wecom callback received but SIYU_WECOM_CORP_ID/TOKEN/AES_KEY are not set")
        return Reply(503, b"not configured")
    try:
        if method == "GET":
            return _verify_url(query, corp)
        if len(body) > crypto.MAX_XML_BYTES:
            raise crypto.XmlError("body too large")
        return _receive(query, body, corp)
    except (ReplayError, crypto.CallbackCryptoError) as error:
        return _refuse(error, remote_addr)
    except DatabaseError:
        # Not acknowledged, so WeCom delivers it again; nothing was committed.
        log.exception("wecom callback could not be stored")
        return Reply(503, b"retry")


def _refuse(error: crypto.CallbackCryptoError, remote_addr: str) -> Reply:
    log.warning("wecom callback refused: %s (%s) from %s", error.reason, error, remote_addr)
    return Reply(STATUS_FOR.get(error.reason, 400), error.reason.encode())


@csrf_exempt  # authenticated by msg_signature, not by a session
def callback(request: HttpRequest) -> HttpResponse:
    reply = handle(
        request.method or "",
        request.GET,
        request.body if request.method == "POST" else b"",
        request.META.get("REMOTE_ADDR", "?"),
    )
    return HttpResponse(reply.body, status=reply.status, content_type=reply.content_type)


WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def fast_path(app: WSGIApp) -> WSGIApp:
    """Serve the callback URL straight from WSGI; everything else goes to ``app``."""

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != PATH:
            return app(environ, start_response)
        # What Django's request signals do that matters here: drop a connection that broke
        # or outlived CONN_MAX_AGE, on the one database this path uses. Sending the signals
        # costs ten times as much (their other receivers reset the query log, URL conf and
        # caches this path never touches).
        db = connections[DEFAULT_DB_ALIAS]
        db.close_if_unusable_or_obsolete()
        try:
            reply = _from_environ(environ)
        finally:
            db.close_if_unusable_or_obsolete()
        headers = [("Content-Type", reply.content_type), ("Content-Length", str(len(reply.body)))]
        start_response(f"{reply.status} {REASONS.get(reply.status, '')}", headers)
        return [reply.body]

    return application


def _from_environ(environ: dict[str, Any]) -> Reply:
    method = environ.get("REQUEST_METHOD", "")
    query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
    remote = environ.get("REMOTE_ADDR", "?")
    if method != "POST":
        return handle(method, query, b"", remote)
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return Reply(400, b"bad_parameters")
    if length > crypto.MAX_XML_BYTES:  # refused unread
        return _refuse(crypto.XmlError(f"body of {length} bytes"), remote)
    return handle(method, query, environ["wsgi.input"].read(length), remote)
