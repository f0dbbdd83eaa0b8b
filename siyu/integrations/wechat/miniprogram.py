"""Mini-program login: exchange a ``wx.login`` code for openid/unionid (code2session) and
resolve them to one profile.

WeChat also returns a ``session_key`` (the key that decrypts the user's encrypted data).
Siyu needs none of that, so it is dropped here, never stored, logged or returned.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from siyu.customers.events import record_event
from siyu.customers.identity_rules import IdentityInput, stored_key
from siyu.customers.member_ref import customer_ref
from siyu.customers.models import Identity
from siyu.customers.resolve import resolve_identities
from siyu.integrations.wechat.client import WechatError, get_json

log = logging.getLogger(__name__)

SOURCE = "wechat_miniprogram"
MAX_CODE_LENGTH = 128

# errcode -> (HTTP status, message for the mini-program). 40163: code already used.
ERRORS: dict[int, tuple[int, str]] = {
    40029: (400, "invalid login code"),
    40163: (400, "login code already used"),
    45011: (429, "too many login attempts, try again in a minute"),
    40226: (403, "login refused for this user"),
}


class LoginError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Session:
    openid: str
    unionid: str


@dataclass(frozen=True)
class Login:
    customer_ref: str
    created: bool


def code2session(code: str) -> Session:
    appid, secret = settings.SIYU_WECHAT_MP_APPID, settings.SIYU_WECHAT_MP_SECRET
    if not appid or not secret:
        raise LoginError(503, "mini-program login is not configured")
    params = {"appid": appid, "secret": secret, "js_code": code, "grant_type": "authorization_code"}
    try:
        data = get_json("/sns/jscode2session", params)
    except WechatError as exc:
        status, message = ERRORS.get(exc.errcode, (502, "WeChat login failed"))
        log.warning("code2session refused: errcode %s", exc.errcode)
        raise LoginError(status, message) from None
    except Exception as exc:  # network, HTTP status, bad JSON: WeChat is unreachable
        log.warning("code2session failed: %s", type(exc).__name__)
        raise LoginError(502, "WeChat login failed") from None
    openid = str(data.get("openid") or "")
    if not openid:
        raise LoginError(502, "WeChat login failed")
    return Session(openid=openid, unionid=str(data.get("unionid") or ""))


def _known(identities: list[IdentityInput]) -> bool:
    for identity in identities:
        key = stored_key(identity)
        if key is None:
            continue
        found = Identity.objects.filter(
            type=key.type, namespace=key.namespace, value__in=key.values, customer__isnull=False
        )
        if found.exists():
            return True
    return False


def login(code: str) -> Login:
    code = code.strip()
    if not code or len(code) > MAX_CODE_LENGTH:
        raise LoginError(400, "invalid login code")
    session = code2session(code)
    identities = [
        IdentityInput("miniprogram_openid", session.openid, settings.SIYU_WECHAT_MP_APPID)
    ]
    if session.unionid:
        identities.append(IdentityInput("wechat_unionid", session.unionid))
    created = not _known(identities)
    now = timezone.now()
    customer = resolve_identities(identities, source=SOURCE, at=now)
    if customer is None:
        raise LoginError(409, "this WeChat account cannot be linked to a profile")
    # Each login is its own event; the code is single-use, so it names this login.
    digest = hashlib.sha256(f"{session.openid}:{code}".encode()).hexdigest()[:40]
    record_event(
        customer,
        type="miniprogram_login",
        occurred_at=now,
        properties={"appid": settings.SIYU_WECHAT_MP_APPID, "unionid": bool(session.unionid)},
        source=SOURCE,
        idempotency_key=f"mp_login:{digest}",
    )
    return Login(customer_ref=customer_ref(customer.pk), created=created)
