"""The JS-SDK signature for pages WeCom opens beside a chat (聊天工具栏).

The page calls ``wx.config`` signed with the corp's jsapi_ticket
(``GET /cgi-bin/get_jsapi_ticket``) and ``wx.agentConfig`` signed with the app's
agent-config ticket (``GET /cgi-bin/ticket/get?type=agent_config``); both signatures are
WeCom's documented sha1 over ``jsapi_ticket=…&noncestr=…&timestamp=…&url=…`` (the keys in
that order, the URL without its #fragment). Tickets live 7,200 s and WeCom limits how often
they may be fetched, so each is cached (Django's cache) until five minutes before it
expires. The network call happens outside any transaction.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from siyu.integrations.wecom.client.api import WeComClient

AHEAD = 300  # seconds before expiry a cached ticket is fetched anew
CORP, AGENT = "corp", "agent"


def signature(ticket: str, noncestr: str, timestamp: int | str, url: str) -> str:
    plain = f"jsapi_ticket={ticket}&noncestr={noncestr}&timestamp={timestamp}&url={url}"
    return hashlib.sha1(plain.encode("utf-8")).hexdigest()  # noqa: S324 - WeCom's algorithm


def _cache_key(corp_id: str, kind: str) -> str:
    return f"wecom:jsapi:{corp_id}:{kind}"


def ticket(client: WeComClient, kind: str) -> str:
    key = _cache_key(client.corp_id, kind)
    cached = cache.get(key)
    if cached:
        return str(cached)
    if kind == AGENT:
        data = client.get("/cgi-bin/ticket/get", type="agent_config")
    else:
        data = client.get("/cgi-bin/get_jsapi_ticket")
    value = str(data["ticket"])
    lifetime = int(data.get("expires_in") or 7200)
    cache.set(key, value, timeout=max(lifetime - AHEAD, 60))
    return value


@dataclass(frozen=True)
class SignedPage:
    corpid: str
    agentid: str
    timestamp: int
    nonce_str: str
    signature: str  # wx.config, corp jsapi_ticket
    agent_signature: str  # wx.agentConfig, agent-config ticket

    def as_json(self) -> dict[str, str | int]:
        return {
            "corpid": self.corpid,
            "agentid": self.agentid,
            "timestamp": self.timestamp,
            "nonceStr": self.nonce_str,
            "signature": self.signature,
            "agentSignature": self.agent_signature,
        }


def sign_page(client: WeComClient, url: str, *, now: float | None = None) -> SignedPage:
    url = url.split("#", 1)[0]
    timestamp = int(now if now is not None else time.time())
    nonce = secrets.token_urlsafe(12)
    return SignedPage(
        corpid=client.corp_id,
        agentid=str(settings.SIYU_WECOM_AGENT_ID),
        timestamp=timestamp,
        nonce_str=nonce,
        signature=signature(ticket(client, CORP), nonce, timestamp, url),
        agent_signature=signature(ticket(client, AGENT), nonce, timestamp, url),
    )
