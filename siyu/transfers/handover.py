"""Write paths of a customer hand-over: open a job, settle its items, close it.

Follows move only on success, and the old follow is ended, not deleted, so who looked
after whom stays known. The customer's store follows the new primary owner
(``customers/follows.py``). The adapter (``integrations/wecom/transfer.py``) asks WeCom
and calls these verbs with what it answered.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db import transaction
from django.utils import timezone

from siyu.core.models import Staff
from siyu.customers.events import record_event
from siyu.customers.follows import follow_customer, unfollow_customer
from siyu.customers.models import Customer
from siyu.transfers.models import TransferItem, TransferJob, TransferStatus

# The event's name predates this app; segments and reports already read it.
TRANSFERRED_EVENT = "wecom_customer_transferred"


@transaction.atomic
def open_transfer(
    from_staff: Staff,
    to_staff: Staff,
    *,
    resigned: bool,
    message: str,
    contacts: Mapping[int, str],
) -> TransferJob:
    """A job with one pending item per customer (``contacts``: customer id → the external
    userid the hand-over names)."""
    now = timezone.now()
    job = TransferJob.objects.create(
        from_staff=from_staff,
        to_staff=to_staff,
        resigned=resigned,
        message=message[:200],
        created_at=now,
        updated_at=now,
    )
    TransferItem.objects.bulk_create(
        TransferItem(job=job, customer_id=cid, external_userid=ext, updated_at=now)
        for cid, ext in sorted(contacts.items())
    )
    return job


@transaction.atomic
def fail_at_start(job: TransferJob, errcodes: Mapping[str, int]) -> int:
    """Items refused when the hand-over was asked for (e.g. not a contact any more):
    final, nothing moves."""
    now = timezone.now()
    failed = 0
    for ext, code in sorted(errcodes.items()):
        if code:
            failed += TransferItem.objects.filter(job=job, external_userid=ext).update(
                errcode=code, status=TransferStatus.FAILED, finished_at=now, updated_at=now
            )
    return failed


@transaction.atomic
def record_groups(job: TransferJob, moved: list[str], left_out: list[str]) -> None:
    TransferJob.objects.filter(pk=job.pk).update(groups_moved=moved, groups_left_out=left_out)
    job.groups_moved, job.groups_left_out = moved, left_out


def close_if_settled(job: TransferJob) -> None:
    if not job.items.filter(status=TransferStatus.PENDING).exists():
        TransferJob.objects.filter(pk=job.pk).update(finished=True, updated_at=timezone.now())
        job.finished = True


@transaction.atomic
def settle_item(item_id: int, status: str, *, wecom_status: int | None = None) -> bool:
    """Apply a final or interim status; on success move the follow. Returns True if the
    item changed. Locked so a poll and a callback racing on one item apply it once."""
    item = (
        TransferItem.objects.select_for_update(of=("self",))
        .select_related("job", "customer")
        .get(pk=item_id)
    )
    if item.status != TransferStatus.PENDING or (
        status == TransferStatus.PENDING and item.wecom_status == wecom_status
    ):
        return False
    now = timezone.now()
    item.status, item.updated_at = status, now
    item.wecom_status = wecom_status if wecom_status is not None else item.wecom_status
    if status != TransferStatus.PENDING:
        item.finished_at = now
    if status == TransferStatus.DONE:
        _move_follow(item)
    item.save()
    return True


def _move_follow(item: TransferItem) -> None:
    job, customer = item.job, Customer.objects.select_for_update().get(pk=item.customer_id)
    was_primary = customer.primary_owner_id in (None, job.from_staff_id)
    # Follow the taker first: unfollowing first would hand "primary" to someone else.
    follow_customer(customer, job.to_staff, primary=was_primary)
    unfollow_customer(customer, job.from_staff)
    record_event(
        customer,
        type=TRANSFERRED_EVENT,
        occurred_at=timezone.now(),
        properties={
            "from_user_id": job.from_staff.wecom_userid,
            "to_user_id": job.to_staff.wecom_userid,
            "resigned": job.resigned,
            "job_id": job.pk,
        },
        source="wecom",
        idempotency_key=f"wecom:transfer:{item.pk}",
    )


def fail_items(items: Iterable[TransferItem], status: str, fail_reason: str) -> int:
    """Settle pending items the taker's side reported failed, keeping the reason."""
    changed = 0
    for item in items:
        changed += settle_item(item.pk, status)
        TransferItem.objects.filter(pk=item.pk).update(fail_reason=fail_reason[:64])
        close_if_settled(item.job)
    return changed
