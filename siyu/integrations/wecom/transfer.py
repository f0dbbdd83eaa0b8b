"""Staff leaving or moving: hand their customers to another staff member, through WeCom.

WeCom accepts a transfer at once but settles it within 24 h (the customer may refuse),
so each customer gets a ``TransferItem`` whose status comes from result polling (and from
the ``transfer_fail`` callback, which arrives for failures only). The jobs, items and the
follow moves are the transfers app's (``siyu/transfers/handover.py``); this module asks
WeCom and calls those verbs with its answers.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db.models.signals import post_save

from siyu.core.models import Staff
from siyu.customers.models import Event
from siyu.groups.chats import hand_over_group_chats
from siyu.integrations.wecom.client.api import WeComClient
from siyu.integrations.wecom.sync.reconcile import our_relations
from siyu.transfers.handover import (
    TRANSFERRED_EVENT,
    close_if_settled,
    fail_at_start,
    fail_items,
    open_transfer,
    record_groups,
    settle_item,
)
from siyu.transfers.models import TransferItem, TransferJob, TransferStatus

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
__all__ = ["TRANSFERRED_EVENT", "apply_transfer_fail", "poll_transfers", "transfer_customers"]


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
    contacts = {cid: min(ids) for cid, ids in our_relations(from_staff, client.corp_id).items()}
    job = open_transfer(from_staff, to_staff, resigned=resigned, message=message, contacts=contacts)
    errcodes = client.transfer_customers(
        from_staff.wecom_userid,
        to_staff.wecom_userid,
        [contacts[cid] for cid in sorted(contacts)],
        resigned=resigned,
        message=message,
    )
    # Refused at the start (e.g. 84061 not a contact any more): final, nothing moves.
    fail_at_start(job, errcodes)
    _transfer_groups(client, job)
    close_if_settled(job)
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
    hand_over_group_chats(moved, new_owner)
    record_groups(job, moved, sorted(failed))


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
    close_if_settled(job)
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
    return fail_items(items, status, fail_reason)


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
