"""The worker's side of sending: create due staff tasks at WeCom, deliver due direct sends.

Claims are short transactions (SKIP LOCKED on PostgreSQL) that lease the row; the call
is made outside any transaction (rule 7), then its answer is recorded.

Exactly once across a killed worker: a task's lease runs out and the next worker takes
it again, but before creating it anew it asks WeCom for a task this one created after
the first attempt began (``TaskTransport.find``: same sender, same text, same
recipients). WeCom has no idempotency key for ``add_msg_template``; that lookup is ours.
Direct sends carry their idempotency key to the channel (the webhook's header, WeCom's
duplicate check of app messages), so a repeated delivery is dropped by the receiver.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from siyu.core.clock import fixed_window
from siyu.core.counters import take, used
from siyu.core.id_sets import among
from siyu.core.models import Staff
from siyu.customers.consent import consenting
from siyu.customers.models import Identity
from siyu.messaging.budget import release
from siyu.messaging.models import (
    OPEN,
    Channel,
    PlanStatus,
    Reason,
    Send,
    SendPlan,
    SendStatus,
    StaffTask,
    TaskStatus,
)
from siyu.messaging.policy import Rules
from siyu.messaging.transport import (
    Created,
    DeliveryError,
    DirectMessage,
    TaskSpec,
    transport_for,
)

log = logging.getLogger(__name__)
LEASE = timedelta(seconds=120)
BATCH = 100
MAX_ATTEMPTS = 6
RETRY_AFTER = (
    timedelta(seconds=10),
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
)
WECOM_EXTERNAL = "wecom_external_userid"
# WeCom: an app may message one member at most 30 times a minute.
APP_PER_MINUTE = 30


def _skip_locked(rows: QuerySet[StaffTask]) -> QuerySet[StaffTask]:
    """Only the task rows: locked with the joined plan too, a second worker's claim skipped
    every task of a plan while the first held its claim, found none and stopped."""
    if connection.vendor != "postgresql":
        return rows
    return rows.select_for_update(skip_locked=True, of=("self",))


def claim_task(now: datetime) -> StaffTask | None:
    due = Q(status=TaskStatus.PENDING, due_at__lte=now) | Q(
        status=TaskStatus.CREATING, lease_until__lt=now
    )
    with transaction.atomic():
        task = (
            _skip_locked(StaffTask.objects.filter(due, plan__status=PlanStatus.PLANNED))
            .order_by("due_at", "pk")
            .first()
        )
        if task is None:
            return None
        task.status = TaskStatus.CREATING
        task.attempts += 1
        task.lease_until = now + LEASE
        task.attempt_started_at = task.attempt_started_at or now
        task.save(update_fields=["status", "attempts", "lease_until", "attempt_started_at"])
        return task


def withdrawn(plan: SendPlan, sends: QuerySet[Send]) -> int:
    """Block the open sends whose customer withdrew consent since they were planned."""
    if not plan.purpose:
        return 0
    # The task's customers are read once and tested as a chunk on the consent index:
    # a per-send "latest decision" subquery was planned as a hash of every consent of
    # the brand (240 ms a 10,000-recipient task at 1M customers, most of its database time).
    open_rows = list(
        sends.filter(status__in=OPEN, customer__isnull=False).values_list("pk", "customer_id")
    )
    agreed = consenting([customer for _pk, customer in open_rows], plan.purpose)
    gone_ids = [pk for pk, customer in open_rows if customer not in agreed]
    if not gone_ids:
        return 0
    gone = among(Send.objects.filter(status__in=OPEN), "id", gone_ids)
    with transaction.atomic():
        release(gone)
        return gone.update(status=SendStatus.BLOCKED, reason=Reason.NO_CONSENT)


def external_ids(sends: QuerySet[Send]) -> dict[str, int]:
    """external_userid (or chat id, or executor userid) → send id, for the open sends."""
    rows = list(
        sends.filter(status__in=OPEN).values_list(
            "pk", "customer_id", "chat_id", "staff_id", "channel"
        )
    )
    if not rows:
        return {}
    channel = rows[0][4]
    if channel == Channel.WECOM_GROUP:
        return {chat: pk for pk, _c, chat, _s, _ch in rows}
    if channel == Channel.WECOM_MOMENT:
        users = dict(
            Staff.objects.filter(pk__in=[s for *_x, s, _ch in rows]).values_list(
                "pk", "wecom_userid"
            )
        )
        return {str(users[s]): pk for pk, _c, _chat, s, _ch in rows if users.get(s)}
    by_customer = {c: pk for pk, c, _chat, _s, _ch in rows}
    idents = among(Identity.objects.filter(type=WECOM_EXTERNAL), "customer", list(by_customer))
    return {value: by_customer[c] for c, value in idents.values_list("customer_id", "value")}


def task_spec(task: StaffTask, targets: dict[str, int]) -> TaskSpec:
    sender = (task.staff.wecom_userid or "") if task.staff is not None else ""
    started = task.attempt_started_at or timezone.now()
    return TaskSpec(
        task.pk, task.channel, sender, tuple(sorted(targets)), task.plan.content, started
    )


def _fail_task(task: StaffTask, reason: str, error: str) -> None:
    sends = Send.objects.filter(task=task, status__in=OPEN)
    with transaction.atomic():
        release(sends)
        sends.update(status=SendStatus.FAILED, reason=reason, last_error=error[:500])
        StaffTask.objects.filter(pk=task.pk).update(
            status=TaskStatus.FAILED, last_error=error[:2000], lease_until=None
        )


def _record_created(
    task: StaffTask, created: Created, targets: dict[str, int], expiry_hours: int
) -> None:
    now = timezone.now()
    refused = [targets[r] for r in created.refused if r in targets]
    with transaction.atomic():
        StaffTask.objects.filter(pk=task.pk).update(
            status=TaskStatus.AWAITING,
            msgid=created.msgid,
            jobid=created.jobid,
            lease_until=None,
            expires_at=now + timedelta(hours=expiry_hours),
            last_error="",
        )
        bad = Send.objects.filter(pk__in=refused)
        release(bad)
        bad.update(status=SendStatus.FAILED, reason=Reason.REFUSED)
        waiting = Send.objects.filter(
            task=task, status__in=[SendStatus.QUEUED, SendStatus.DEFERRED]
        )
        # Open sends with no WeCom id to address (no external_userid on record) cannot go.
        addressed = set(targets.values())
        lost = [pk for pk in waiting.values_list("pk", flat=True) if pk not in addressed]
        if lost:
            unaddressed = Send.objects.filter(pk__in=lost)
            release(unaddressed)
            unaddressed.update(status=SendStatus.FAILED, reason=Reason.NOT_REACHABLE)
        waiting.update(status=SendStatus.AWAITING_STAFF, external_id=created.msgid or created.jobid)


def create_task(task: StaffTask) -> str:
    sends = Send.objects.filter(task=task)
    withdrawn(task.plan, sends)
    targets = external_ids(sends)
    if not targets:
        _fail_task(task, Reason.NOT_REACHABLE, "no recipient left")
        return TaskStatus.FAILED
    spec = task_spec(task, targets)
    transport = transport_for(task.channel)
    try:
        created = transport.find(spec) if task.attempts > 1 else None
        created = created or transport.create(spec)
    except DeliveryError as exc:
        if exc.retry and task.attempts < MAX_ATTEMPTS:
            wait = RETRY_AFTER[min(task.attempts, len(RETRY_AFTER)) - 1]
            StaffTask.objects.filter(pk=task.pk).update(
                status=TaskStatus.PENDING,
                due_at=timezone.now() + wait,
                lease_until=None,
                last_error=str(exc)[:2000],
            )
            return TaskStatus.PENDING
        _fail_task(task, Reason.REFUSED, str(exc))
        return TaskStatus.FAILED
    _record_created(task, created, targets, Rules.current().task_expiry_hours)
    return TaskStatus.AWAITING


def create_due_tasks(limit: int = 20) -> int:
    made = 0
    while made < limit and (task := claim_task(timezone.now())) is not None:
        made += 1
        try:
            create_task(task)
        except LookupError as exc:
            log.warning("staff task #%s waits: %s", task.pk, exc)
            StaffTask.objects.filter(pk=task.pk).update(status=TaskStatus.PENDING, lease_until=None)
            return made
    return made


def claim_sends(now: datetime, limit: int = BATCH) -> list[Send]:
    with transaction.atomic():
        rows = Send.objects.filter(
            status__in=[SendStatus.QUEUED, SendStatus.DEFERRED],
            task__isnull=True,
            due_at__lte=now,
            plan__status=PlanStatus.PLANNED,
        )
        if connection.vendor == "postgresql":
            rows = rows.select_for_update(skip_locked=True, of=("self",))
        claimed = list(rows.select_related("plan", "staff").order_by("due_at", "pk")[:limit])
        Send.objects.filter(pk__in=[s.pk for s in claimed]).update(
            due_at=now + LEASE, attempts=F("attempts") + 1
        )
        for s in claimed:
            s.attempts += 1
        return claimed


def _message(send: Send) -> DirectMessage:
    userid = (send.staff.wecom_userid or "") if send.staff is not None else ""
    openid = ""
    if send.channel == Channel.OA_TEMPLATE and send.customer_id:
        found = Identity.objects.filter(customer_id=send.customer_id, type="wechat_openid")
        openid = found.values_list("value", flat=True).first() or ""
    key = f"{send.source}:{send.source_id}:{send.recipient}:{send.channel}"
    return DirectMessage(
        send.pk, key, send.channel, send.plan.content, userid, openid, send.customer_id
    )


def _rate_room(send: Send, now: datetime) -> datetime | None:
    """For an app message over WeCom's 30 a minute per member: when to try again.

    Counted in minutes aligned to the clock, but WeCom (and the simulator) may count any
    60 seconds: 30 at 12:00:59 and 30 at 12:01:00 were 60 within two seconds, refused with
    45033 and retried. So a minute may use only what the one before left: any 60 seconds
    span at most the two, and hold at most 30."""
    if send.channel != Channel.WECOM_APP or not send.staff_id:
        return None
    key = f"wecom_app:{send.staff_id}"
    window = fixed_window(now, 60)
    room = APP_PER_MINUTE - used(key, fixed_window(window.start - timedelta(seconds=1), 60))
    return None if room > 0 and take(key, window, room) else window.end


def deliver(send: Send) -> str:
    now = timezone.now()
    later = _rate_room(send, now)
    if later is not None:
        Send.objects.filter(pk=send.pk).update(due_at=later, attempts=max(send.attempts - 1, 0))
        return SendStatus.QUEUED
    try:
        external = transport_for(send.channel).deliver(_message(send))
    except DeliveryError as exc:
        return _retry_or_fail(send, exc)
    Send.objects.filter(pk=send.pk, status__in=OPEN).update(
        status=SendStatus.SENT, sent_at=timezone.now(), external_id=external[:64], last_error=""
    )
    return SendStatus.SENT


def _retry_or_fail(send: Send, exc: DeliveryError) -> str:
    rows = Send.objects.filter(pk=send.pk, status__in=OPEN)
    if exc.blocked:
        release(rows)
        rows.update(status=SendStatus.BLOCKED, reason=exc.blocked, last_error=str(exc)[:2000])
        return SendStatus.BLOCKED
    if exc.retry and send.attempts < MAX_ATTEMPTS:
        wait = RETRY_AFTER[min(send.attempts, len(RETRY_AFTER)) - 1]
        rows.update(due_at=timezone.now() + wait, last_error=str(exc)[:2000])
        return SendStatus.QUEUED
    rows.update(status=SendStatus.FAILED, reason=Reason.DELIVERY_FAILED, last_error=str(exc)[:2000])
    return SendStatus.FAILED


def deliver_due(limit: int = BATCH) -> int:
    claimed = claim_sends(timezone.now(), limit)
    if not claimed:
        return 0
    plans = {s.plan_id: s.plan for s in claimed}
    for plan in plans.values():
        withdrawn(plan, Send.objects.filter(pk__in=[s.pk for s in claimed if s.plan_id == plan.pk]))
    still = set(
        Send.objects.filter(pk__in=[s.pk for s in claimed], status__in=OPEN).values_list(
            "pk", flat=True
        )
    )
    for send in claimed:
        if send.pk in still:
            try:
                deliver(send)
            except LookupError as exc:
                log.warning("send #%s waits: %s", send.pk, exc)
    return len(claimed)


def poll_delivery() -> int:
    """The worker's poller (registered in MessagingConfig.ready)."""
    return create_due_tasks() + deliver_due()
