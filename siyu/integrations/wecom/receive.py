"""Store one verified callback in the inbox (durably, once) and enqueue its processing."""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from siyu.integrations.wecom.crypto import CallbackCryptoError
from siyu.integrations.wecom.events import ADD_TYPES, ContactEvent, ordering_key, parse_event
from siyu.integrations.wecom.models import CallbackInbox, CallbackNonce

log = logging.getLogger(__name__)

# How far a callback's timestamp may be from our clock before it counts as stale.
FRESHNESS_SECONDS = 300


class StaleError(CallbackCryptoError):
    reason = "stale_timestamp"


class ReplayError(CallbackCryptoError):
    reason = "replayed_nonce"


@dataclass(frozen=True)
class Stored:
    inbox_id: int | None  # None for a duplicate delivery
    idempotency_key: str


def check_fresh(timestamp: int, now: float | None = None) -> None:
    now = time.time() if now is None else now
    if abs(now - timestamp) > FRESHNESS_SECONDS:
        raise StaleError(f"timestamp {timestamp} is more than {FRESHNESS_SECONDS}s away")


def idempotency_key(corp_id: str, plain: bytes, data: dict[str, Any]) -> str:
    msg_id = data.get("MsgId")
    if isinstance(msg_id, str) and msg_id.strip():
        key = f"msg:{corp_id}:{msg_id.strip()}"
        if len(key) <= 100:
            return key
    # No id (tag events, most contact events): WeCom retries resend the same plaintext.
    return "sha256:" + hashlib.sha256(plain).hexdigest()


def store_callback(
    *, corp_id: str, timestamp: int, nonce: str, plain: bytes, data: dict[str, Any]
) -> Stored:
    """Record the nonce and the event in one transaction. A duplicate event writes nothing
    (not even its nonce: a replay of it is just another harmless duplicate). Raises
    ReplayError, writing nothing, when this (timestamp, nonce) was seen before."""
    now = timezone.now()
    key = idempotency_key(corp_id, plain, data)
    event = parse_event(corp_id, data, received_at=now)
    fast = isinstance(event, ContactEvent) and event.change_type in ADD_TYPES
    stage = "nonce"
    # No savepoints: either insert failing aborts the whole request, which is what we want,
    # and the two saved statements matter at thousands of callbacks a second.
    try:
        with transaction.atomic():
            CallbackNonce.objects.create(timestamp=timestamp, nonce=nonce[:64], seen_at=now)
            stage = "inbox"
            row = CallbackInbox.objects.create(
                corp_id=corp_id,
                idempotency_key=key,
                ordering_key=ordering_key(event, key)[:255],
                event=_name(data)[:64],
                change_type=event.change_type[:64],
                payload=plain.decode("utf-8", errors="replace"),
                received_at=now,
            )
            if _queue_in_this_database():
                # The task row commits with the inbox row (an outbox): one write
                # transaction instead of two, and never a row without its task.
                _enqueue(row.pk, fast=fast)
            else:
                transaction.on_commit(lambda: enqueue_processing(row.pk, fast=fast), robust=True)
    except IntegrityError:
        if stage == "nonce":
            raise ReplayError(f"nonce {nonce!r} at {timestamp} already used") from None
        return Stored(None, key)  # WeCom's retry of an event we already hold
    return Stored(row.pk, key)


def _queue_in_this_database() -> bool:
    from django_tasks_db.backend import DatabaseBackend

    from siyu.integrations.wecom.tasks import process_callback

    return isinstance(process_callback.get_backend(), DatabaseBackend)


def _enqueue(inbox_id: int, *, fast: bool) -> None:
    from siyu.integrations.wecom.tasks import process_callback

    if fast:
        # Add events carry a welcome code valid for 20 s: never queue behind bulk work.
        process_callback.using(queue_name="fast", priority=10).enqueue(inbox_id)
    else:
        process_callback.enqueue(inbox_id)


def _name(data: dict[str, Any]) -> str:
    for field in ("Event", "MsgType"):
        value = data.get(field)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def enqueue_processing(inbox_id: int, *, fast: bool) -> None:
    """After commit (queues outside the database). A failure loses nothing: the row waits
    for the sweeper."""
    try:
        _enqueue(inbox_id, fast=fast)
    except Exception:
        log.exception("enqueue of wecom callback %s failed; the sweeper will process it", inbox_id)
