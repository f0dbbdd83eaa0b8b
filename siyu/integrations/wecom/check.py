"""`siyu wecom check`: tell an operator exactly what is wrong with the WeCom set-up.

Each check names the setting, what is wrong and where in WeCom's admin console to fix it.
The callback check does a real URL verification (signed, encrypted echostr) against the
public callback URL, which is what WeCom does when the admin saves it.
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass

import httpx
from django.conf import settings

from siyu.integrations.wecom import crypto
from siyu.integrations.wecom.client.api import WeComClient
from siyu.integrations.wecom.client.errors import LocalRateLimited, WeComError

CORP_ID_RE = re.compile(r"^ww[0-9a-f]{16}$")
TOKEN_RE = re.compile(r"^[A-Za-z0-9]{3,32}$")


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class WeComConfig:
    corp_id: str
    secret: str
    token: str
    aes_key: str
    callback_url: str
    api_base: str

    @classmethod
    def from_settings(cls) -> WeComConfig:
        return cls(
            corp_id=getattr(settings, "SIYU_WECOM_CORP_ID", "") or "",
            secret=getattr(settings, "SIYU_WECOM_SECRET", "") or "",
            token=getattr(settings, "SIYU_WECOM_TOKEN", "") or "",
            aes_key=getattr(settings, "SIYU_WECOM_AES_KEY", "") or "",
            callback_url=getattr(settings, "SIYU_WECOM_CALLBACK_URL", "") or "",
            api_base=getattr(settings, "SIYU_WECOM_API_BASE", "https://qyapi.weixin.qq.com"),
        )


def check_corp_id(corp_id: str) -> Check:
    if not corp_id:
        return Check("corp id", False, "SIYU_WECOM_CORP_ID is not set (我的企业 → 企业ID)")
    if not CORP_ID_RE.match(corp_id):
        return Check(
            "corp id", False, f"{corp_id!r} does not look like a corp id (ww + 16 hex characters)"
        )
    return Check("corp id", True, corp_id)


def check_secret(secret: str) -> Check:
    if not secret:
        return Check(
            "secret",
            False,
            "SIYU_WECOM_SECRET is not set: use the Secret of a self-built app listed under "
            "客户联系 → API → 可调用接口的应用",
        )
    return Check("secret", True, f"set ({len(secret)} characters, not shown)")


def check_callback_keys(token: str, aes_key: str) -> list[Check]:
    results = []
    if TOKEN_RE.match(token):
        results.append(Check("callback token", True, "3–32 letters/digits"))
    else:
        results.append(
            Check("callback token", False, "SIYU_WECOM_TOKEN must be 3–32 letters or digits")
        )
    try:
        crypto.aes_key(aes_key)
        results.append(Check("EncodingAESKey", True, "43 characters, decodes to 32 bytes"))
    except ValueError as exc:
        results.append(Check("EncodingAESKey", False, f"SIYU_WECOM_AES_KEY: {exc}"))
    return results


def check_api(config: WeComConfig, transport: httpx.BaseTransport | None) -> list[Check]:
    client = WeComClient(
        config.corp_id, config.secret, base_url=config.api_base, transport=transport
    )
    try:
        client.fetch_token()
    except WeComError as exc:
        return [Check("access token", False, f"errcode {exc.errcode}: {exc.hint or exc.errmsg}")]
    except httpx.HTTPError as exc:
        return [Check("access token", False, f"cannot reach {config.api_base}: {exc}")]
    results = [Check("access token", True, "gettoken works")]
    try:
        staff = client.follow_user_list()
        results.append(Check("customer contact API", True, f"{len(staff)} staff with 客户联系"))
    except (WeComError, LocalRateLimited) as exc:
        hint = exc.hint if isinstance(exc, WeComError) else str(exc)
        results.append(Check("customer contact API", False, hint or str(exc)))
    finally:
        client.close()
    return results


def check_callback_url(config: WeComConfig, transport: httpx.BaseTransport | None) -> Check:
    if not config.callback_url:
        return Check("callback URL", False, "SIYU_WECOM_CALLBACK_URL is not set")
    echo = secrets.token_hex(8)
    timestamp, nonce = str(int(time.time())), secrets.token_hex(6)
    try:
        sealed = crypto.encrypt(
            echo,
            token=config.token,
            encoding_aes_key=config.aes_key,
            receive_id=config.corp_id,
            timestamp=timestamp,
            nonce=nonce,
        )
    except ValueError as exc:
        return Check("callback URL", False, f"cannot sign a test request: {exc}")
    query = {"msg_signature": sealed.signature, "timestamp": timestamp, "nonce": nonce}
    try:
        with httpx.Client(transport=transport, timeout=5.0) as http:
            response = http.get(config.callback_url, params={**query, "echostr": sealed.encrypted})
    except httpx.HTTPError as exc:
        return Check("callback URL", False, f"{config.callback_url} is not reachable: {exc}")
    if response.status_code == 200 and response.text == echo:
        return Check("callback URL", True, f"{config.callback_url} verifies like WeCom expects")
    return Check(
        "callback URL",
        False,
        f"answered HTTP {response.status_code} without the echo: token, EncodingAESKey or corp "
        "id differ from the server's settings",
    )


def check_outbox() -> Check:
    """WeCom calls that gave up (refused, or every retry failed) wait for an operator."""
    from siyu.integrations.wecom.models import OutboundCall, OutboxStatus

    failed = OutboundCall.objects.filter(status=OutboxStatus.FAILED)
    latest = failed.order_by("-pk").first()
    if latest is None:
        return Check("outbox", True, "no WeCom call has failed for good")
    detail = f"{failed.count()} WeCom call(s) failed for good; latest {latest.action}: "
    return Check("outbox", False, detail + latest.last_error[:300])


def run_checks(
    config: WeComConfig,
    *,
    api_transport: httpx.BaseTransport | None = None,
    callback_transport: httpx.BaseTransport | None = None,
) -> list[Check]:
    results = [check_corp_id(config.corp_id), check_secret(config.secret)]
    results += check_callback_keys(config.token, config.aes_key)
    if config.corp_id and config.secret:
        results += check_api(config, api_transport)
    # Before the callback check: its in-process request closes this thread's connection.
    results.append(check_outbox())
    results.append(check_callback_url(config, callback_transport))
    return results
