"""One WeCom API call: token, quota, request, errcode → exception, bounded retries, logs.

Logs name the API path, errcode and duration only: the access_token travels in the query
string, so URLs are never logged (httpx's own INFO request log is silenced in transport.py).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import httpx
from django.conf import settings
from django.db import connections

from siyu.integrations.wecom.client.errors import (
    CalledInTransaction,
    TokenInvalid,
    WeComError,
    WeComUnreachable,
    error_for,
)
from siyu.integrations.wecom.client.limiter import RateLimiter
from siyu.integrations.wecom.client.tokens import (
    FetchedToken,
    app_key,
    get_token,
    invalidate_token,
)

log = logging.getLogger("siyu.wecom.api")
# httpx logs every request URL at INFO, and WeCom URLs carry access_token or corpsecret.
logging.getLogger("httpx").setLevel(logging.WARNING)

DEFAULT_API_BASE = "https://qyapi.weixin.qq.com"
# -1 / 45009 / 45033: up to 3 retries, 0.5 s → 1 s → 2 s (plus the first try ≈ 3.5 s worst case).
RETRY_DELAYS = (0.5, 1.0, 2.0)

Json = dict[str, Any]
# Paths of calls the guard refused (tests assert it stays empty even where the caller
# swallowed the error).
REFUSED_IN_TRANSACTION: list[str] = []


def refuse_inside_transaction(path: str) -> None:
    """With ``SIYU_WECOM_GUARD_TRANSACTIONS`` (tests only), raise when this thread is inside
    an atomic block; the test case's own wrapping transaction does not count."""
    if not getattr(settings, "SIYU_WECOM_GUARD_TRANSACTIONS", False):
        return
    for connection in connections.all(initialized_only=True):
        if any(not getattr(b, "_from_testcase", False) for b in connection.atomic_blocks):
            REFUSED_IN_TRANSACTION.append(path)
            raise CalledInTransaction(f"WeCom {path} called inside a database transaction")


class WeComCore:
    def __init__(
        self,
        corp_id: str,
        secret: str,
        *,
        base_url: str = DEFAULT_API_BASE,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 10.0,
        limiter: RateLimiter | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.corp_id = corp_id
        self._secret = secret
        self.app = app_key(secret)
        self.http = httpx.Client(base_url=base_url, transport=transport, timeout=timeout)
        self.limiter = limiter or RateLimiter()
        self.sleep = sleep

    def __repr__(self) -> str:  # never show the secret
        return f"<WeComClient corp={self.corp_id} app={self.app[:8]}>"

    # -- tokens ---------------------------------------------------------------------------
    def fetch_token(self) -> FetchedToken:
        """Call gettoken (uncached). The secret is in the query string: never logged."""
        started = time.perf_counter()
        params = {"corpid": self.corp_id, "corpsecret": self._secret}
        data = self._json(self._send("GET", "/cgi-bin/gettoken", params=params))
        errcode = int(data.get("errcode", 0))
        self._log("/cgi-bin/gettoken", errcode, started)
        if errcode:
            raise error_for(errcode, str(data.get("errmsg", "")), "/cgi-bin/gettoken")
        return FetchedToken(str(data["access_token"]), int(data.get("expires_in", 7200)))

    def token(self) -> str:
        return get_token(self.corp_id, self.app, self.fetch_token)

    # -- calls ----------------------------------------------------------------------------
    def get(self, path: str, **params: Any) -> Json:
        return self.call("GET", path, params=params)

    def post(self, path: str, body: Json, **params: Any) -> Json:
        return self.call("POST", path, params=params, json=body)

    def call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Json | None = None,
        files: dict[str, tuple[str, bytes]] | None = None,
    ) -> Json:
        """Make the call; retry -1/45009/45033 with backoff and an invalid token once."""
        refreshed = False
        retries = iter(RETRY_DELAYS)
        while True:
            self.limiter.acquire(self.corp_id, path)
            token = self.token()
            try:
                return self._once(method, path, token, params, json, files)
            except TokenInvalid:
                if refreshed:
                    raise
                refreshed = True
                invalidate_token(self.corp_id, self.app, token)
            except WeComError as exc:
                delay = next(retries, None) if exc.retryable else None
                if delay is None:
                    raise
                log.warning("wecom %s errcode %s: retry in %.1fs", path, exc.errcode, delay)
                self.sleep(delay)

    def _once(
        self,
        method: str,
        path: str,
        token: str,
        params: dict[str, Any] | None,
        body: Json | None,
        files: dict[str, tuple[str, bytes]] | None,
    ) -> Json:
        started = time.perf_counter()
        query = {**(params or {}), "access_token": token}
        response = self._send(method, path, params=query, json=body, files=files)
        data = self._json(response)
        errcode = int(data.get("errcode", 0))
        self._log(path, errcode, started)
        if errcode:
            raise error_for(errcode, str(data.get("errmsg", "")), path)
        return data

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        refuse_inside_transaction(path)
        try:
            return self.http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            # Timeouts, refused and dropped connections: typed, so that callers tell "WeCom
            # said no" from "no answer" and retry the latter later.
            log.warning("wecom %s unreachable: %s", path, type(exc).__name__)
            raise WeComUnreachable(path, exc) from exc

    @staticmethod
    def _json(response: httpx.Response) -> Json:
        if response.status_code != 200:
            raise WeComError(-2, f"HTTP {response.status_code}", str(response.url.path))
        data = response.json()
        if not isinstance(data, dict):
            raise WeComError(-2, "response is not a JSON object", str(response.url.path))
        return data

    @staticmethod
    def _log(path: str, errcode: int, started: float) -> None:
        ms = (time.perf_counter() - started) * 1000
        # Every call is a DEBUG line (hundreds an hour); WeCom refusing one is a WARNING.
        level = logging.DEBUG if errcode == 0 else logging.WARNING
        log.log(level, "wecom %s errcode=%s %.0fms", path, errcode, ms)

    def close(self) -> None:
        self.http.close()
