"""The outbound webhook: the way to an SMS or e-mail provider.

POST of a JSON body to ``SIYU_MESSAGING_WEBHOOK_URL``, signed with HMAC-SHA256 of
``<timestamp>.<body>`` under ``SIYU_MESSAGING_WEBHOOK_SECRET``:
``X-Siyu-Signature: t=<timestamp>,v1=<hex>``. ``Idempotency-Key`` is the send's key, so a
receiver drops a delivery it has seen (a worker killed after the POST delivers again).
Answers 2xx are delivered; 408, 429 and 5xx and network errors are retried with backoff
by messaging's delivery (failures show in the send log); other 4xx fail at once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import httpx
from django.conf import settings

from siyu.messaging.transport import DeliveryError, DirectMessage

_transport: httpx.BaseTransport | None = None
RETRY_STATUS = {408, 425, 429}


def use_transport(transport: httpx.BaseTransport | None) -> None:
    """Tests point webhooks at an in-process receiver (None: the network)."""
    global _transport
    _transport = transport


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, header: str, body: bytes, *, now: float, tolerance: int = 300) -> bool:
    """For receivers (and our tests): the signature matches and is recent."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts.get("t", ""))
    except ValueError:
        return False
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), header)


class WebhookTransport:
    def __init__(self) -> None:
        self.url = str(getattr(settings, "SIYU_MESSAGING_WEBHOOK_URL", ""))
        self.secret = str(getattr(settings, "SIYU_MESSAGING_WEBHOOK_SECRET", ""))

    def deliver(self, msg: DirectMessage) -> str:
        if not self.url or not self.secret:
            raise DeliveryError("SIYU_MESSAGING_WEBHOOK_URL / _SECRET are not set", retry=True)
        body = json.dumps(
            {
                "send_id": msg.send_id,
                "idempotency_key": msg.idempotency_key,
                "customer_id": msg.customer_id,
                "message": msg.message,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": msg.idempotency_key,
            "X-Siyu-Signature": signature(self.secret, int(time.time()), body),
        }
        try:
            with httpx.Client(transport=_transport, timeout=10) as client:
                answer = client.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"webhook unreachable: {exc}", retry=True) from exc
        if answer.is_success:
            return str(answer.headers.get("X-Message-Id", ""))[:64]
        retry = answer.status_code in RETRY_STATUS or answer.status_code >= 500
        raise DeliveryError(f"webhook answered {answer.status_code}", retry=retry)
