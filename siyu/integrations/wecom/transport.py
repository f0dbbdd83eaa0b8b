"""How Siyu reaches WeCom: the real API or the simulator is a matter of configuration.

``SIYU_WECOM_API_BASE`` (default https://qyapi.weixin.qq.com) names the server; the demo
points it at `siyu wecom-sim`. Tests and the in-process demo may install an httpx
transport instead (the simulator's MockTransport), with no socket at all.
"""

from __future__ import annotations

import httpx
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from siyu.integrations.wecom.client.api import WeComClient

_transport: httpx.BaseTransport | None = None


def use_transport(transport: httpx.BaseTransport | None) -> None:
    """Route every client built by ``wecom_client()`` through ``transport`` (None = network)."""
    global _transport
    _transport = transport


def wecom_client(*, transport: httpx.BaseTransport | None = None) -> WeComClient:
    corp_id = getattr(settings, "SIYU_WECOM_CORP_ID", "")
    secret = getattr(settings, "SIYU_WECOM_SECRET", "")
    if not corp_id or not secret:
        raise ImproperlyConfigured(
            "SIYU_WECOM_CORP_ID and SIYU_WECOM_SECRET must be set to call WeCom "
            "(run `siyu wecom check`)"
        )
    return WeComClient(
        corp_id,
        secret,
        base_url=getattr(settings, "SIYU_WECOM_API_BASE", "https://qyapi.weixin.qq.com"),
        transport=transport or _transport,
    )
