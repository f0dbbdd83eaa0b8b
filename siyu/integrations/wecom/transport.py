"""How Siyu reaches WeCom: the real API or the simulator is a matter of configuration.

``SIYU_WECOM_API_BASE`` (default https://qyapi.weixin.qq.com) names the server; the demo
points it at `siyu wecom-sim`. Tests and the in-process demo may install an httpx
transport instead (the simulator's MockTransport), with no socket at all.
"""

from __future__ import annotations

import logging
import threading

import httpx
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from siyu.integrations.wecom.client.api import WeComClient

log = logging.getLogger(__name__)
_transport: httpx.BaseTransport | None = None
_network: httpx.HTTPTransport | None = None
_network_lock = threading.Lock()


def use_transport(transport: httpx.BaseTransport | None) -> None:
    """Route every client built by ``wecom_client()`` through ``transport`` (None = network)."""
    global _transport
    _transport = transport


class _SharedTransport(httpx.HTTPTransport):
    """Outlives the clients using it: a client's close() leaves it open."""

    def close(self) -> None:
        pass


def network_transport() -> httpx.HTTPTransport:
    """One pool of keep-alive connections per process. A client per task each building
    its own would load the CA bundle (~40 ms of CPU) and shake hands with WeCom anew for
    every welcome message."""
    global _network
    with _network_lock:
        if _network is None:
            _network = _SharedTransport()
        return _network


def current_transport() -> httpx.BaseTransport:
    """The transport WeCom calls take now: the installed one (simulator) or the network."""
    return _transport or network_transport()


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
        transport=transport or _transport or network_transport(),
    )


def configured_client() -> WeComClient | None:
    """For scheduled work: None on a deployment without WeCom yet (nothing to do there,
    and not an error every hour)."""
    try:
        return wecom_client()
    except ImproperlyConfigured:
        log.info("WeCom is not configured: scheduled WeCom work skipped")
        return None
