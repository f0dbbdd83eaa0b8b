"""After a staff task exists at WeCom: results, reminders, expiry, cancel, reconciliation.

created → awaiting staff → sent / failed per recipient, from WeCom's send results
(``get_groupmsg_send_result``; moments: each executor's publish status). Reminders go to
staff who have not confirmed, at most WeCom's 3 per task per 24 h; each is recorded
before the call, so a repeated job never sends a fourth. A task not confirmed before it
expires is cancelled at WeCom and its open sends fail with their budget released.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from siyu.messaging.budget import charge, release
from siyu.messaging.delivery import external_ids
from siyu.messaging.models import OPEN, Reason, Send, SendPlan, SendStatus, StaffTask, TaskStatus
from siyu.messaging.policy import Rules
from siyu.messaging.transport import DeliveryError, RecipientState, Results, TaskRef, transport_for

log = logging.getLogger(__name__)
REMINDS_PER_DAY = 3
FAILED_STATES = {
    RecipientState.NOT_FRIEND: Reason.NOT_FRIEND,
    RecipientState.WECOM_LIMIT: Reason.WECOM_LIMIT,
}


def ref_of(task: StaffTask) -> TaskRef:
    sender = (task.staff.wecom_userid or "") if task.staff is not None else ""
    return TaskRef(task.channel, sender, task.msgid, task.jobid)


def _apply(task: StaffTask, results: Results) -> int:
    """Record what WeCom reports; returns how many sends it moved to sent."""
    targets = external_ids(Send.objects.filter(task=task))
    sent = [
        targets[r.recipient]
        for r in results.rows
        if r.state == RecipientState.SENT and r.recipient in targets
    ]
    now = timezone.now()
    with transaction.atomic():
        done = Send.objects.filter(pk__in=sent, status__in=OPEN)
        charge(done)
        moved = done.update(status=SendStatus.SENT, sent_at=now)
        for state, reason in FAILED_STATES.items():
            ids = [
                targets[r.recipient]
                for r in results.rows
                if r.state == state and r.recipient in targets
            ]
            bad = Send.objects.filter(pk__in=ids, status__in=OPEN)
            release(bad)
            bad.update(status=SendStatus.FAILED, reason=reason)
        fields: dict[str, object] = {}
        if results.msgid and results.msgid != task.msgid:
            fields["msgid"] = results.msgid
        if sent and task.confirmed_at is None:
            fields["confirmed_at"] = now
        if not Send.objects.filter(task=task, status__in=OPEN).exists():
            fields["status"] = TaskStatus.DONE
        if fields:
            StaffTask.objects.filter(pk=task.pk).update(**fields)
    return moved


def refresh_task(task: StaffTask) -> int:
    try:
        results = transport_for(task.channel).results(ref_of(task))
    except DeliveryError as exc:
        log.warning("results of staff task #%s: %s", task.pk, exc)
        return 0
    return _apply(task, results)


def _close(task: StaffTask, status: str, reason: str) -> None:
    with transaction.atomic():
        left = Send.objects.filter(task=task, status__in=OPEN)
        release(left)
        left.update(status=SendStatus.FAILED, reason=reason)
        StaffTask.objects.filter(pk=task.pk).exclude(status=TaskStatus.DONE).update(
            status=status, lease_until=None
        )


def expire_task(task: StaffTask) -> None:
    """WeCom gets a cancel (nothing more can go out), then the last results are read."""
    transport = transport_for(task.channel)
    try:
        transport.cancel(ref_of(task))
    except DeliveryError as exc:
        log.warning("cancel of expired task #%s: %s", task.pk, exc)
    refresh_task(task)
    _close(task, TaskStatus.EXPIRED, Reason.NOT_CONFIRMED)


def _claim_reminder(task: StaffTask, now: datetime, after: timedelta) -> bool:
    """Record a reminder if one is allowed now (≤ 3 in 24 h, ``after`` since the last)."""
    with transaction.atomic():
        row = StaffTask.objects.select_for_update().get(pk=task.pk)
        recent = [datetime.fromisoformat(t) for t in row.reminded_at]
        recent = [t for t in recent if t > now - timedelta(hours=24)]
        last = max(recent, default=row.created_at)
        if (
            len(recent) >= REMINDS_PER_DAY
            or now - last < after
            or row.status != TaskStatus.AWAITING
        ):
            return False
        row.reminded_at = [*row.reminded_at, now.isoformat()]
        row.save(update_fields=["reminded_at"])
        return True


def remind_task(
    task: StaffTask, now: datetime | None = None, after: timedelta | None = None
) -> bool:
    now = now or timezone.now()
    after = after if after is not None else timedelta(hours=Rules.current().remind_after_hours)
    if not _claim_reminder(task, now, after):
        return False
    try:
        transport_for(task.channel).remind(ref_of(task))
    except DeliveryError as exc:
        log.warning("reminder of staff task #%s: %s", task.pk, exc)
        return False
    return True


def follow_up(now: datetime | None = None) -> dict[str, int]:
    """The periodic job: read results, remind who has not confirmed, expire the late."""
    now = now or timezone.now()
    counts = {"sent": 0, "reminded": 0, "expired": 0}
    awaiting = StaffTask.objects.filter(status=TaskStatus.AWAITING).select_related("staff", "plan")
    for task in awaiting.order_by("pk"):
        counts["sent"] += refresh_task(task)
        task.refresh_from_db(fields=["status", "confirmed_at"])
        if task.status != TaskStatus.AWAITING:
            continue
        if task.expires_at and task.expires_at <= now:
            expire_task(task)
            counts["expired"] += 1
        elif task.confirmed_at is None and remind_task(task, now):
            counts["reminded"] += 1
    return counts


def cancel_plan(plan: SendPlan) -> int:
    """Stop what has not gone out: pending tasks are dropped, tasks at WeCom cancelled
    (sends already sent stay sent: WeCom cannot recall them)."""
    with transaction.atomic():
        SendPlan.objects.filter(pk=plan.pk).update(status="cancelled")
    cancelled = 0
    for task in plan.tasks.filter(
        ~Q(status__in=[TaskStatus.DONE, TaskStatus.FAILED, TaskStatus.EXPIRED])
    ).select_related("staff"):
        if task.msgid or task.jobid:
            try:
                transport_for(task.channel).cancel(ref_of(task))
            except DeliveryError as exc:
                log.warning("cancel of staff task #%s: %s", task.pk, exc)
            refresh_task(task)
        _close(task, TaskStatus.CANCELLED, Reason.CANCELLED)
        cancelled += 1
    direct = Send.objects.filter(plan=plan, task__isnull=True, status__in=OPEN)
    release(direct)
    direct.update(status=SendStatus.FAILED, reason=Reason.CANCELLED)
    return cancelled


def reconcile(now: datetime | None = None, days: int = 3) -> dict[str, int]:
    """Nightly: WeCom's results against our log for recent tasks, and WeCom's list of
    tasks against ours (a task WeCom holds that we never recorded is counted and logged)."""
    now = now or timezone.now()
    since = now - timedelta(days=days)
    recent = (
        StaffTask.objects.filter(created_at__gte=since)
        .exclude(msgid="")
        .select_related("staff", "plan")
    )
    report = {"tasks": 0, "corrected": 0, "unknown_at_wecom": 0}
    ours: dict[str, set[str]] = {}
    for task in recent.order_by("pk"):
        report["tasks"] += 1
        report["corrected"] += refresh_task(task)
        ours.setdefault(task.channel, set()).add(task.msgid)
    for channel, msgids in ours.items():
        try:
            theirs = transport_for(channel).listed(since, now)
        except DeliveryError as exc:
            log.warning("reconciliation list of %s: %s", channel, exc)
            continue
        unknown = theirs - msgids
        report["unknown_at_wecom"] += len(unknown)
        if unknown:
            log.warning(
                "WeCom holds %d %s tasks we did not record: %s",
                len(unknown),
                channel,
                sorted(unknown)[:10],
            )
    return report


def request_reminder(task: StaffTask) -> None:
    """From the console: remind now (still within WeCom's 3 a day), in the worker."""
    from siyu.messaging.tasks import remind_now

    transaction.on_commit(lambda: remind_now.enqueue(task.pk))


def request_cancel(plan: SendPlan) -> None:
    from siyu.messaging.tasks import cancel_now

    SendPlan.objects.filter(pk=plan.pk).update(status="cancelled")
    transaction.on_commit(lambda: cancel_now.enqueue(plan.pk))
