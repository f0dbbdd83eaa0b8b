"""Delivery of the journeys' webhook steps (``journeys.WebhookCall``): the engine writes the
call with the step's transition; this poller makes the POST after commit.

The body is signed like messaging's webhook (``X-Siyu-Signature`` under
``SIYU_MESSAGING_WEBHOOK_SECRET``) and carries ``Idempotency-Key: journey-webhook:<id>``,
so a receiver drops a call delivered twice (a worker killed after the POST). Only hosts
in ``SIYU_JOURNEY_WEBHOOK_HOSTS`` (default: the host of ``SIYU_MESSAGING_WEBHOOK_URL``)
are called: a journey is edited in the console, and a console user must not make the
server call any address of the intranet. A call is claimed by a conditional UPDATE
(several workers may poll); 408/429/5xx and network errors are tried again on later
polls, up to ``MAX_ATTEMPTS``; other answers fail at once, with the reason kept.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from siyu.integrations.webhook import transport as webhook
from siyu.journeys.models import WebhookCall

MAX_ATTEMPTS = 5
LEASE = timedelta(minutes=5)
BATCH = 50


def allowed_hosts() -> set[str]:
    configured = str(getattr(settings, "SIYU_JOURNEY_WEBHOOK_HOSTS", "") or "")
    hosts = {h.strip().lower() for h in configured.split(",") if h.strip()}
    if not hosts and settings.SIYU_MESSAGING_WEBHOOK_URL:
        hosts = {urlsplit(settings.SIYU_MESSAGING_WEBHOOK_URL).hostname or ""}
    return hosts - {""}


def _claim(now: datetime) -> list[WebhookCall]:
    due = Q(status="pending") | Q(status="sending", claimed_at__lt=now - LEASE)
    taken = []
    for call in WebhookCall.objects.filter(due).order_by("pk")[:BATCH]:
        won = WebhookCall.objects.filter(due, pk=call.pk).update(
            status="sending", claimed_at=now, attempts=call.attempts + 1
        )
        if won:
            call.attempts += 1
            taken.append(call)
    return taken


def _post(call: WebhookCall) -> tuple[str, str]:
    """(new status, error): delivered, pending (try again) or failed."""
    if (urlsplit(call.url).hostname or "").lower() not in allowed_hosts():
        return "failed", "host not allowed (SIYU_JOURNEY_WEBHOOK_HOSTS)"
    body = json.dumps(call.body, ensure_ascii=False, separators=(",", ":")).encode()
    secret = settings.SIYU_MESSAGING_WEBHOOK_SECRET
    headers = {
        "Content-Type": "application/json",
        "Idempotency-Key": f"journey-webhook:{call.pk}",
        "X-Siyu-Signature": webhook.signature(secret, int(time.time()), body),
    }
    try:
        with httpx.Client(transport=webhook._transport, timeout=10) as client:
            answer = client.post(call.url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return "pending", f"unreachable: {exc}"[:200]
    if answer.is_success:
        return "delivered", ""
    if answer.status_code in webhook.RETRY_STATUS or answer.status_code >= 500:
        return "pending", f"answered {answer.status_code}"
    return "failed", f"answered {answer.status_code}"


def deliver_due() -> int:
    """One poll: returns how many calls ended (delivered or failed); retries wait a poll."""
    ended = 0
    for call in _claim(timezone.now()):
        status, error = _post(call)  # outside any transaction
        if status == "pending" and call.attempts >= MAX_ATTEMPTS:
            status = "failed"
        WebhookCall.objects.filter(pk=call.pk, status="sending").update(
            status=status, last_error=error, claimed_at=None
        )
        ended += status != "pending"
    return ended
