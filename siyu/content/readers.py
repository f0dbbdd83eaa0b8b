"""Who is reading a tracked link: a signed cookie per browser, the WeChat openid when the
WeChat web OAuth adapter (siyu/integrations/wechat/oauth.py) identified the reader.

The adapter registers ``AUTHORIZE``: given the request and the link code, the URL to send a
reader in WeChat's browser to (snsapi_base, silent), or None. Domain code never imports it.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django.core import signing
from django.http import HttpRequest, HttpResponse

from siyu.content.radar import Reader

BROWSER_COOKIE = "siyu_reader"
OPENID_COOKIE = "siyu_openid"
SALT = "siyu.content.reader"
MAX_AGE = 365 * 24 * 3600

AUTHORIZE: list[Callable[[HttpRequest, str], str | None]] = []


def _signed(request: HttpRequest, name: str) -> str:
    try:
        return str(request.get_signed_cookie(name, default="", salt=SALT, max_age=MAX_AGE))
    except signing.BadSignature:
        return ""


def reader_of(request: HttpRequest) -> tuple[Reader, str]:
    """(reader, browser token to set when new: "" when the cookie is already there)."""
    openid = _signed(request, OPENID_COOKIE)
    if openid:
        return Reader(f"o:{openid}"[:80], openid=openid), ""
    token = _signed(request, BROWSER_COOKIE)
    fresh = ""
    if not token:
        token = fresh = secrets.token_urlsafe(12)
    return Reader(f"b:{token}"), fresh


def remember(response: HttpResponse, name: str, value: str, *, secure: bool) -> None:
    response.set_signed_cookie(
        name, value, salt=SALT, max_age=MAX_AGE, httponly=True, samesite="Lax", secure=secure
    )


def in_wechat(request: HttpRequest) -> bool:
    return "MicroMessenger" in request.headers.get("User-Agent", "")


def authorize_url(request: HttpRequest, code: str) -> str | None:
    for hook in AUTHORIZE:
        url = hook(request, code)
        if url:
            return url
    return None
