"""WeChat web OAuth (网页授权, snsapi_base): who is reading a tracked link in WeChat.

A reader opening a tracked link in WeChat's browser is sent, silently, to WeChat's
authorize page; WeChat sends them back to ``/wechat/oauth/back/?code=…&state=<link code>``,
where the code is exchanged for the reader's official-account openid
(``GET /sns/oauth2/access_token``). The openid is kept in a signed cookie, and the landing
matches it to a customer through the ``wechat_openid`` identity. The way back only ever
leads to the link's own landing page, rebuilt from the validated code.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import quote

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_GET

from siyu.content.readers import OPENID_COOKIE, remember
from siyu.integrations.wechat.client import WechatError, get_json

log = logging.getLogger(__name__)
LINK_CODE = re.compile(r"[A-Za-z0-9_-]{1,16}")
LOGIN_CODE = re.compile(r"[A-Za-z0-9_-]{1,128}")


def authorize_url(request: HttpRequest, code: str) -> str | None:
    appid = settings.SIYU_WECHAT_OA_APPID
    if not appid or not LINK_CODE.fullmatch(code):
        return None
    back = quote(settings.SIYU_PUBLIC_URL + reverse("wechat:oauth_back"), safe="")
    return (
        f"{settings.SIYU_WECHAT_OAUTH_AUTHORIZE_URL}?appid={appid}&redirect_uri={back}"
        f"&response_type=code&scope=snsapi_base&state={code}#wechat_redirect"
    )


def exchange_code(code: str) -> str:
    """The reader's openid for a web OAuth code (single use, 5 minutes)."""
    data = get_json(
        "/sns/oauth2/access_token",
        {
            "appid": settings.SIYU_WECHAT_OA_APPID,
            "secret": settings.SIYU_WECHAT_OA_SECRET,
            "code": code,
            "grant_type": "authorization_code",
        },
    )
    return str(data.get("openid") or "")


@require_GET
def oauth_back(request: HttpRequest) -> HttpResponse:
    state = str(request.GET.get("state", ""))
    if not LINK_CODE.fullmatch(state):
        return HttpResponse(status=400)
    landing = reverse("content:landing", args=[state])
    login = str(request.GET.get("code", ""))
    openid = ""
    if LOGIN_CODE.fullmatch(login):
        try:
            openid = exchange_code(login)
        except (WechatError, OSError) as exc:
            log.warning("wechat oauth exchange failed: %s", exc)
    if not openid:
        # Read on without an openid rather than loop back to WeChat.
        return HttpResponseRedirect(landing + "?oauth=0")
    response = HttpResponseRedirect(landing)
    remember(response, OPENID_COOKIE, openid[:64], secure=settings.SIYU_HTTPS)
    return response
