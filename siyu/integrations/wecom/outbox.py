"""The WeCom outbox: calls written as rows inside a transaction, made by the worker after
commit (rule 7: no network call inside a database transaction).

``queue_call`` is called inside the caller's transaction, so the call exists exactly when
the change that wants it was committed. ``drain_outbox`` is a worker poller: it claims the
first pending row of an ordering key (SKIP LOCKED on PostgreSQL; SQLite's IMMEDIATE
transactions serialise the claim), takes a lease on it by moving ``due_at`` forward, makes
the call outside any transaction, then marks the row done — or schedules a retry with
backoff, or marks it failed with the reason (logged, and kept for an operator). A worker
killed mid-call leaves a lease that runs out; every action is idempotent, so the next
worker makes the call again.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from siyu.integrations.wecom.client.api import WeComClient
from siyu.integrations.wecom.client.errors import LocalRateLimited, WeComError
from siyu.integrations.wecom.models import OutboundCall, OutboxStatus
from siyu.worker.recovery import repeatable

log = logging.getLogger(__name__)

# After the n-th failed attempt, wait this long (the last entry repeats).
RETRY_AFTER = (
    timedelta(seconds=5),
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(minutes=30),
    timedelta(hours=1),
)
MAX_ATTEMPTS = 8
# Longer than one call may take (10 s timeout, in-call retries of "busy" ≈ 4 s).
LEASE = timedelta(seconds=60)
DRAIN_LIMIT = 200
KEEP_DONE = timedelta(days=7)


def queue_call(
    action: str, payload: dict[str, Any], *, ordering_key: str, key: str = ""
) -> OutboundCall:
    """Write the call; the worker makes it once this transaction has committed. ``key``
    makes a second queueing of the same intent a no-op (default: every call is new)."""
    from siyu.integrations.wecom.outbox_actions import ACTIONS

    if action not in ACTIONS:
        raise ValueError(f"unknown WeCom outbox action {action!r}")
    now = timezone.now()
    call, _created = OutboundCall.objects.get_or_create(
        idempotency_key=(key or f"{action}:{uuid.uuid4().hex}")[:160],
        defaults={
            "action": action,
            "payload": payload,
            "ordering_key": ordering_key[:255],
            "due_at": now,
            "created_at": now,
        },
    )
    return call


def _claim_head(ordering_key: str) -> OutboundCall | None:
    """The key's first pending call, leased to us; None if it is not due or another
    worker holds it (its successors wait: calls of one key keep their order)."""
    now = timezone.now()
    with transaction.atomic():
        pending = OutboundCall.objects.filter(
            ordering_key=ordering_key, status=OutboxStatus.PENDING
        )
        head = pending.order_by("pk").values_list("pk", flat=True).first()
        if head is None:
            return None
        row = (
            OutboundCall.objects.select_for_update(skip_locked=True)
            .filter(pk=head, status=OutboxStatus.PENDING, due_at__lte=now)
            .first()
        )
        if row is None:
            return None
        row.due_at = now + LEASE
        row.attempts += 1
        row.save(update_fields=["due_at", "attempts"])
        return row


def _retry_at(exc: Exception, attempts: int) -> timedelta | None:
    """How long to wait before the next attempt; None = give up now."""
    if isinstance(exc, WeComError) and not exc.retry_later:
        return None  # WeCom answered, and waiting will not change its answer
    if attempts >= MAX_ATTEMPTS:
        return None
    if isinstance(exc, LocalRateLimited):
        return timedelta(seconds=max(exc.retry_after, 1.0))
    return RETRY_AFTER[min(attempts, len(RETRY_AFTER)) - 1]


def _record_failure(row: OutboundCall, exc: Exception) -> OutboxStatus:
    wait = _retry_at(exc, row.attempts)
    now = timezone.now()
    calls = OutboundCall.objects.filter(pk=row.pk, status=OutboxStatus.PENDING)
    if wait is None:
        calls.update(status=OutboxStatus.FAILED, last_error=str(exc)[:2000], done_at=now)
        log.error(
            "wecom %s #%s failed after %s attempts: %s", row.action, row.pk, row.attempts, exc
        )
        return OutboxStatus.FAILED
    calls.update(last_error=str(exc)[:2000], due_at=now + wait)
    log.warning(
        "wecom %s #%s attempt %s failed, retry in %.0fs: %s",
        row.action,
        row.pk,
        row.attempts,
        wait.total_seconds(),
        exc,
    )
    return OutboxStatus.PENDING


def perform(row: OutboundCall, client: WeComClient) -> OutboxStatus:
    """Make one claimed call; PENDING when it waits for a retry."""
    from siyu.integrations.wecom.outbox_actions import ACTIONS

    try:
        ACTIONS[row.action](client, row.payload)
    except Exception as exc:
        return _record_failure(row, exc)
    OutboundCall.objects.filter(pk=row.pk, status=OutboxStatus.PENDING).update(
        status=OutboxStatus.DONE, done_at=timezone.now(), last_error=""
    )
    log.debug("wecom %s #%s done", row.action, row.pk)
    return OutboxStatus.DONE


def drain_key(ordering_key: str, client: WeComClient) -> int:
    made = 0
    while (row := _claim_head(ordering_key)) is not None:
        made += 1
        if perform(row, client) == OutboxStatus.PENDING:
            return made  # later calls of this key wait for the retry
    return made


def drain_outbox(limit: int = DRAIN_LIMIT) -> int:
    """The worker's poller: make due calls, oldest first. Returns how many were attempted."""
    due = OutboundCall.objects.filter(status=OutboxStatus.PENDING, due_at__lte=timezone.now())
    keys = list(
        dict.fromkeys(due.order_by("due_at", "pk").values_list("ordering_key", flat=True)[:limit])
    )
    if not keys:
        return 0
    from siyu.integrations.wecom.transport import wecom_client

    try:
        client = wecom_client()
    except ImproperlyConfigured as exc:
        log.warning("%d WeCom calls wait: %s", len(keys), exc)
        return 0
    try:
        return sum(drain_key(key, client) for key in keys)
    finally:
        client.close()


def prune_outbox(older_than: timedelta = KEEP_DONE) -> int:
    """Forget calls done long ago; failed ones stay until an operator looks at them."""
    cutoff = timezone.now() - older_than
    done = OutboundCall.objects.filter(status=OutboxStatus.DONE, done_at__lt=cutoff)
    deleted, _ = done.delete()
    return deleted


@repeatable
@task()
def prune_outbox_task() -> int:
    return prune_outbox()


def failed_calls() -> int:
    """How many calls gave up (for `siyu wecom check`)."""
    return OutboundCall.objects.filter(status=OutboxStatus.FAILED).count()
