"""Staff leaving or moving: hand their customers to another staff member.

WeCom accepts a transfer at once but settles it within 24 h (the customer may refuse),
so each customer gets a ``TransferItem`` whose status comes from result polling (and from
the ``transfer_fail`` callback, which arrives for failures only). Follows move only on
success, and the old follow is ended, not deleted, so who looked after whom stays known.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django.utils import timezone

from siyu.core.models import Staff
from siyu.customers.events import record_event
from siyu.customers.follows import follow_customer, unfollow_customer
from siyu.customers.models import Customer, Event
from siyu.integrations.wecom.client.api import WeComClient
from siyu.integrations.wecom.sync.reconcile import our_relations
from siyu.integrations.wecom.syncstate.models import (
    GroupChat,
    TransferItem,
    TransferJob,
    TransferStatus,
)

log = logging.getLogger(__name__)

# transfer_result statuses as WeCom documents them (and the client's constants): 1 done,
# 2 waiting, 3 refused by the customer, 4 taker at the customer limit, 5 no record.
WECOM_STATUS = {
    1: TransferStatus.DONE,
    2: TransferStatus.PENDING,
    3: TransferStatus.REFUSED,
    4: TransferStatus.LIMITED,
    5: TransferStatus.FAILED,
}
FAIL_REASON = {
    "customer_refused": TransferStatus.REFUSED,
    "customer_limit_exceed": TransferStatus.LIMITED,
}
TRANSFERRED_EVENT = "wecom_customer_transferred"


def _create_job(
    from_staff: Staff, to_staff: Staff, *, resigned: bool, message: str, corp_id: str
) -> TransferJob:
    now = timezone.now()
    with transaction.atomic():
        job = TransferJob.objects.create(
            from_staff=from_staff,
            to_staff=to_staff,
            resigned=resigned,
            message=message[:200],
            created_at=now,
            updated_at=now,
        )
        TransferItem.objects.bulk_create(
            TransferItem(job=job, customer_id=cid, external_userid=min(ids), updated_at=now)
            for cid, ids in sorted(our_relations(from_staff, corp_id).items())
        )
    return job


def transfer_customers(
    from_staff: Staff,
    to_staff: Staff,
    *,
    resigned: bool,
    client: WeComClient,
    message: str = "",
) -> TransferJob:
    """Start handing over every customer ``from_staff`` follows. ``message`` is what the
    customer sees for an on-the-job transfer (WeCom's default when empty)."""
    if not from_staff.wecom_userid or not to_staff.wecom_userid:
        raise ValueError("both staff members need a WeCom userid")
    job = _create_job(
        from_staff, to_staff, resigned=resigned, message=message, corp_id=client.corp_id
    )
    items = list(job.items.all())
    errcodes = client.transfer_customers(
        from_staff.wecom_userid,
        to_staff.wecom_userid,
        [i.external_userid for i in items],
        resigned=resigned,
        message=message,
    )
    now = timezone.now()
    for item in items:
        code = errcodes.get(item.external_userid, 0)
        if code:
            # Refused at the start (e.g. 84061 not a contact any more): final, nothing moves.
            item.errcode, item.status, item.finished_at = code, TransferStatus.FAILED, now
            item.updated_at = now
            item.save(update_fields=["errcode", "status", "finished_at", "updated_at"])
    _transfer_groups(client, job)
    _close_if_settled(job)
    return job


def _transfer_groups(client: WeComClient, job: TransferJob) -> None:
    """Groups move with their owner's customers. Unlike customers they move at once (no
    consent step); the ones WeCom refuses are kept on the job for an operator."""
    owner, new_owner = str(job.from_staff.wecom_userid), str(job.to_staff.wecom_userid)
    chats = sorted(str(c["chat_id"]) for c in client.groupchats(owners=[owner]))
    if not chats:
        return
    failed = client.transfer_groupchats(chats, new_owner, resigned=job.resigned)
    moved = [c for c in chats if c not in failed]
    GroupChat.objects.filter(chat_id__in=moved).update(owner_userid=new_owner)
    left_out = sorted(failed)
    TransferJob.objects.filter(pk=job.pk).update(groups_moved=moved, groups_left_out=left_out)
    job.groups_moved, job.groups_left_out = moved, left_out


def _close_if_settled(job: TransferJob) -> None:
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


def poll_job(client: WeComClient, job: TransferJob) -> int:
    pending = {i.external_userid: i for i in job.items.filter(status=TransferStatus.PENDING)}
    changed = 0
    results = client.transfer_results(
        str(job.from_staff.wecom_userid), str(job.to_staff.wecom_userid), resigned=job.resigned
    )
    for row in results:
        item = pending.get(str(row.get("external_userid", "")))
        code = int(row.get("status") or 0)
        if item is not None and code in WECOM_STATUS:
            changed += settle_item(item.pk, WECOM_STATUS[code], wecom_status=code)
    _close_if_settled(job)
    return changed


def poll_transfers(client: WeComClient) -> int:
    """Poll every open job; returns how many items changed."""
    changed = 0
    for job in TransferJob.objects.filter(finished=False).select_related("from_staff", "to_staff"):
        try:
            changed += poll_job(client, job)
        except Exception:  # one job's error must not stop the others being polled
            log.exception("wecom transfer job %s: polling failed", job.pk)
    return changed


def apply_transfer_fail(user_id: str, external_user_id: str, fail_reason: str) -> int:
    """The ``transfer_fail`` callback (UserID is the taker): settle matching open items."""
    status = FAIL_REASON.get(fail_reason, TransferStatus.FAILED)
    items = TransferItem.objects.filter(
        external_userid=external_user_id,
        job__to_staff__wecom_userid=user_id,
        status=TransferStatus.PENDING,
    ).select_related("job")
    changed = 0
    for item in items:
        changed += settle_item(item.pk, status)
        TransferItem.objects.filter(pk=item.pk).update(fail_reason=fail_reason[:64])
        _close_if_settled(item.job)
    return changed


def _on_event_saved(sender: type[Event], instance: Event, created: bool, **_: Any) -> None:
    # events.py records transfer_fail as a ``wecom_transfer_failed`` event inside the inbox
    # transaction; reacting to that row keeps the callback path untouched and applies the
    # failure once (the event's idempotency key makes a redelivery create nothing).
    if not created or instance.type != "wecom_transfer_failed":
        return
    props = instance.properties or {}
    apply_transfer_fail(
        str(props.get("user_id", "")),
        str(props.get("external_user_id", "")),
        str(props.get("fail_reason", "")),
    )


def connect_transfer_fail() -> None:
    post_save.connect(_on_event_saved, sender=Event, dispatch_uid="wecom_transfer_fail")
