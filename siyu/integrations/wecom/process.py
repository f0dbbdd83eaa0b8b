"""Apply inbox rows: once each, in id order per ordering key, retried on error.

`siyu worker` polls the inbox (``drain_pending``); nothing is enqueued per callback. A row
is applied and marked done in one transaction, so a worker killed half-way leaves it
pending and the next poll finds it. Rows are claimed with SKIP LOCKED, so several workers
spread over the keys instead of queueing on one. Before applying, we check that no earlier
row of the same key is still pending; if one is, another worker holds it, and that worker
continues with our row when it is done (``drain_key`` walks the key in order) — or the
next poll does.
"""

from __future__ import annotations

import enum
import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from siyu.customers.retry import retry_on_conflict
from siyu.integrations.wecom.crypto import parse_xml
from siyu.integrations.wecom.events import ADD_TYPES, apply_event, parse_event
from siyu.integrations.wecom.models import CallbackInbox, InboxStatus

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
# Wait after the n-th failed attempt before the next (the worker polls several times a
# second, so without it a database hiccup would use up every attempt within a second).
RETRY_AFTER = (
    timedelta(seconds=5),
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
)
DRAIN_LIMIT = 500
KEY_CHUNK = 20


class Outcome(enum.Enum):
    DONE = "done"
    SKIPPED = "skipped"  # someone else processed it first
    BUSY = "busy"  # another worker holds it right now
    BLOCKED = "blocked"  # an earlier row of its key is still pending
    ERROR = "error"  # left pending for a retry; later rows of its key wait
    GAVE_UP = "gave_up"  # failed too often; later rows of its key go ahead


def _apply_one(pk: int) -> Outcome:
    with transaction.atomic():
        row = (
            CallbackInbox.objects.select_for_update(skip_locked=True)
            .filter(pk=pk, status=InboxStatus.PENDING)
            .first()
        )
        if row is None:
            held = CallbackInbox.objects.filter(pk=pk, status=InboxStatus.PENDING).exists()
            return Outcome.BUSY if held else Outcome.SKIPPED
        earlier = CallbackInbox.objects.filter(
            ordering_key=row.ordering_key, status=InboxStatus.PENDING, pk__lt=row.pk
        )
        if earlier.exists() or (row.retry_at is not None and row.retry_at > timezone.now()):
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
        else:
            row.retry_at = timezone.now() + RETRY_AFTER[min(row.attempts, len(RETRY_AFTER)) - 1]
        row.save(update_fields=["attempts", "last_error", "status", "processed_at", "retry_at"])
        return Outcome.GAVE_UP if row.status == InboxStatus.FAILED else Outcome.ERROR


def process_row(pk: int) -> Outcome:
    try:
        return retry_on_conflict(lambda: _apply_one(pk))
    except Exception as exc:
        return _record_failure(pk, exc)


def drain_key(ordering_key: str, limit: int = DRAIN_LIMIT) -> int:
    """Apply this key's pending rows in id order; stop at an error (later rows must wait).
    Rows that arrive meanwhile are left to the next poll, which comes at once."""
    applied = 0
    pending = CallbackInbox.objects.filter(ordering_key=ordering_key, status=InboxStatus.PENDING)
    while True:
        # A few ids per read: most keys have one pending row, and one read is enough for it.
        pks = list(pending.order_by("pk").values_list("pk", flat=True)[:KEY_CHUNK])
        for pk in pks:
            outcome = process_row(pk)
            if outcome in (Outcome.BLOCKED, Outcome.ERROR, Outcome.BUSY):
                return applied
            applied += outcome is Outcome.DONE
            if applied >= limit:
                return applied
        if len(pks) < KEY_CHUNK:
            return applied


def process_callback_row(inbox_id: int) -> int:
    key = CallbackInbox.objects.filter(pk=inbox_id).values_list("ordering_key", flat=True).first()
    return 0 if key is None else drain_key(key)


def drain_pending(older_than: timedelta | None = None, limit: int = DRAIN_LIMIT) -> int:
    """Apply pending rows, oldest first, but keys holding an add event ahead of the rest:
    an add's welcome code is valid for 20 s. Returns how many rows were applied (the
    worker polls again at once while this is non-zero)."""
    pending = CallbackInbox.objects.filter(status=InboxStatus.PENDING)
    if older_than is not None:
        pending = pending.filter(received_at__lt=timezone.now() - older_than)
    # Rows waiting out a retry stay out of the batch (drain_key would stop at them anyway).
    pending = pending.exclude(retry_at__gt=timezone.now())
    rows = list(
        pending.order_by("received_at", "pk").values_list("ordering_key", "change_type")[:limit]
    )
    adds = [key for key, change in rows if change in ADD_TYPES]
    keys = dict.fromkeys([*adds, *(key for key, _ in rows)])
    return sum(drain_key(key) for key in keys)
