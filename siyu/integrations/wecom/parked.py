"""Parked callbacks: inbox rows that failed too often and stopped blocking their key.
An operator retries one (back to pending, applied at once) or discards it with a reason;
both are in the audit log with who did it."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.utils import timezone

from siyu.core.audit import record_audit
from siyu.integrations.wecom.models import CallbackInbox, InboxStatus
from siyu.integrations.wecom.process import process_callback_row

MAX_REASON = 200
DISCARDED = "discarded: "


class NotParked(ValueError):
    pass


def _parked(pk: int) -> CallbackInbox:
    row = CallbackInbox.objects.select_for_update().filter(pk=pk).first()
    if row is None or row.status != InboxStatus.FAILED:
        raise NotParked(f"inbox row {pk} is not parked")
    return row


def retry_parked(pk: int, *, actor: AbstractBaseUser | AnonymousUser | None) -> int:
    """Put a parked row back in the queue and apply it (after the commit). Returns how
    many rows of its key were applied."""
    with transaction.atomic():
        row = _parked(pk)
        previous = row.last_error
        row.status = InboxStatus.PENDING
        row.attempts = 0
        row.retry_at = None
        row.processed_at = None
        row.save(update_fields=["status", "attempts", "retry_at", "processed_at"])
        record_audit(actor, "wecom_inbox.retry", "wecom_callback", pk, last_error=previous[:500])
    return process_callback_row(pk)


def discard_parked(
    pk: int, *, actor: AbstractBaseUser | AnonymousUser | None, reason: str
) -> CallbackInbox:
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON:
        raise ValueError(f"a reason of 1 to {MAX_REASON} characters is needed")
    with transaction.atomic():
        row = _parked(pk)
        row.status = InboxStatus.DONE
        row.processed_at = timezone.now()
        row.last_error = f"{DISCARDED}{reason}\n{row.last_error}"[:2000]
        row.save(update_fields=["status", "processed_at", "last_error"])
        record_audit(actor, "wecom_inbox.discard", "wecom_callback", pk, reason=reason)
    return row
