"""How Siyu reaches api.weixin.qq.com: one httpx client, an injectable transport.

``SIYU_WECHAT_API_BASE`` names the server; tests and the demo install the simulator's
MockTransport with ``use_transport`` instead, with no socket at all.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
from django.conf import settings
from django.core.cache import cache

log = logging.getLogger(__name__)

_transport: httpx.BaseTransport | None = None

# WeChat answers errors with HTTP 200 and an errcode in the body; these mean "try again".
BUSY = -1
# The access token was revoked early (another process fetched a new one) or expired.
TOKEN_INVALID = {40001, 40014, 42001}
TIMEOUT_SECONDS = 5.0


class WechatError(Exception):
    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"{errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


def use_transport(transport: httpx.BaseTransport | None) -> None:
    """Route every request through ``transport`` (None = the network)."""
    global _transport
    _transport = transport


def _client() -> httpx.Client:
    return httpx.Client(
        base_url=settings.SIYU_WECHAT_API_BASE, transport=_transport, timeout=TIMEOUT_SECONDS
    )


def _get_once(path: str, params: dict[str, str]) -> dict[str, Any]:
    with _client() as client:
        response = client.get(path, params=params)
    return _answer("GET", path, response)


def _answer(method: str, path: str, response: httpx.Response) -> dict[str, Any]:
    response.raise_for_status()
    data: Any = response.json()
    if not isinstance(data, dict):
        raise WechatError(-2, "response is not a JSON object")
    errcode = int(data.get("errcode") or 0)
    # Log the path and errcode only: params hold the secret and the login code.
    log.info("wechat %s %s errcode=%s", method, path, errcode)
    if errcode:
        raise WechatError(errcode, str(data.get("errmsg", "")))
    return data


def get_json(path: str, params: dict[str, str]) -> dict[str, Any]:
    """GET a WeChat API; retry once on system busy (-1), WeChat's advice for that code."""
    try:
        return _get_once(path, params)
    except WechatError as exc:
        if exc.errcode != BUSY:
            raise
        log.warning("wechat GET %s busy, retrying once", path)
        return _get_once(path, params)


def _token_key(appid: str) -> str:
    return f"wechat:access_token:{appid}"


def access_token(appid: str, secret: str, *, refresh: bool = False) -> str:
    """The official account's access token, cached (shared by processes when the cache is)
    until shortly before WeChat's expiry."""
    key = _token_key(appid)
    cached = None if refresh else cache.get(key)
    if isinstance(cached, str) and cached:
        return cached
    data = get_json(
        "/cgi-bin/token", {"grant_type": "client_credential", "appid": appid, "secret": secret}
    )
    token = str(data["access_token"])
    ttl = max(int(data.get("expires_in", 7200)) - 300, 60)
    cache.set(key, token, ttl)
    return token


def get_with_token(appid: str, secret: str, path: str, params: dict[str, str]) -> dict[str, Any]:
    try:
        return get_json(path, {**params, "access_token": access_token(appid, secret)})
    except WechatError as exc:
        if exc.errcode not in TOKEN_INVALID:
            raise
        fresh = access_token(appid, secret, refresh=True)
        return get_json(path, {**params, "access_token": fresh})


def post_with_token(appid: str, secret: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST a JSON body to an API that takes the access token in the query. Not retried on
    busy (-1): a POST may have been acted on, the caller decides (its idempotency key)."""

    def once(token: str) -> dict[str, Any]:
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        with _client() as client:
            response = client.post(
                path,
                params={"access_token": token},
                content=payload,
                headers={"Content-Type": "application/json; charset=utf-8"},
            )
        return _answer("POST", path, response)

    try:
        return once(access_token(appid, secret))
    except WechatError as exc:
        if exc.errcode not in TOKEN_INVALID:
            raise
        return once(access_token(appid, secret, refresh=True))
