"""Apply inbox rows: once each, in id order per ordering key, retried on error.

A row is applied and marked done in one transaction, so a worker killed half-way leaves it
pending (and the sweeper finds it). Before applying, we check that no earlier row of the
same key is still pending; if one is, another worker holds it, and that worker continues
with our row when it is done (``drain_key`` walks the key in order).
"""

from __future__ import annotations

import enum
import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from siyu.customers.retry import retry_on_conflict
from siyu.integrations.wecom.crypto import parse_xml
from siyu.integrations.wecom.events import apply_event, parse_event
from siyu.integrations.wecom.models import CallbackInbox, CallbackNonce, InboxStatus
from siyu.integrations.wecom.receive import FRESHNESS_SECONDS

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
DRAIN_LIMIT = 500


class Outcome(enum.Enum):
    DONE = "done"
    SKIPPED = "skipped"  # someone else processed it first
    BLOCKED = "blocked"  # an earlier row of its key is still pending
    ERROR = "error"  # left pending for a retry; later rows of its key wait
    GAVE_UP = "gave_up"  # failed too often; later rows of its key go ahead


def _apply_one(pk: int) -> Outcome:
    with transaction.atomic():
        row = (
            CallbackInbox.objects.select_for_update()
            .filter(pk=pk, status=InboxStatus.PENDING)
            .first()
        )
        if row is None:
            return Outcome.SKIPPED
        earlier = CallbackInbox.objects.filter(
            ordering_key=row.ordering_key, status=InboxStatus.PENDING, pk__lt=row.pk
        )
        if earlier.exists():
            return Outcome.BLOCKED
        event = parse_event(
            row.corp_id, parse_xml(row.payload.encode()), received_at=row.received_at
        )
        apply_event(event, inbox_key=row.idempotency_key, inbox_id=row.pk)
        row.status = InboxStatus.DONE
        row.attempts += 1
        row.processed_at = timezone.now()
        row.last_error = ""
        row.save(update_fields=["status", "attempts", "processed_at", "last_error"])
        return Outcome.DONE


def _record_failure(pk: int, exc: Exception) -> Outcome:
    log.error("wecom callback %s failed: %r", pk, exc, exc_info=exc)
    with transaction.atomic():
        row = CallbackInbox.objects.select_for_update().filter(pk=pk).first()
        if row is None or row.status != InboxStatus.PENDING:
            return Outcome.SKIPPED
        row.attempts += 1
        row.last_error = repr(exc)[:2000]
        if row.attempts >= MAX_ATTEMPTS:
            # Stop blocking the events after it; the row stays for an operator to inspect.
            row.status = InboxStatus.FAILED
            row.processed_at = timezone.now()
        row.save(update_fields=["attempts", "last_error", "status", "processed_at"])
        return Outcome.GAVE_UP if row.status == InboxStatus.FAILED else Outcome.ERROR


def process_row(pk: int) -> Outcome:
    try:
        return retry_on_conflict(lambda: _apply_one(pk))
    except Exception as exc:
        return _record_failure(pk, exc)


def drain_key(ordering_key: str, limit: int = DRAIN_LIMIT) -> int:
    """Apply this key's pending rows in id order; stop at an error (later rows must wait)."""
    applied = 0
    for _ in range(limit):
        pk = (
            CallbackInbox.objects.filter(ordering_key=ordering_key, status=InboxStatus.PENDING)
            .order_by("pk")
            .values_list("pk", flat=True)
            .first()
        )
        if pk is None:
            break
        outcome = process_row(pk)
        if outcome in (Outcome.BLOCKED, Outcome.ERROR):
            break
        applied += outcome is Outcome.DONE
    return applied


def process_callback_row(inbox_id: int) -> int:
    key = CallbackInbox.objects.filter(pk=inbox_id).values_list("ordering_key", flat=True).first()
    return 0 if key is None else drain_key(key)


def sweep(older_than: timedelta = timedelta(seconds=10), limit: int = 2000) -> int:
    """Process pending rows left behind (enqueue failed, worker died), and forget nonces
    too old to be accepted again anyway."""
    cutoff = timezone.now() - older_than
    keys = (
        CallbackInbox.objects.filter(status=InboxStatus.PENDING, received_at__lt=cutoff)
        .order_by("pk")
        .values_list("ordering_key", flat=True)[:limit]
    )
    applied = sum(drain_key(key) for key in dict.fromkeys(keys))
    horizon = int(timezone.now().timestamp()) - 2 * FRESHNESS_SECONDS
    CallbackNonce.objects.filter(timestamp__lt=horizon).delete()
    return applied
