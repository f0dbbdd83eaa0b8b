"""The send log and what plans it: settings, plans, staff tasks, recipients' zones.

A ``Send`` is one message to one recipient on one channel, written before anything leaves
(rule 7) with its policy decision. Its idempotency key is the unique
(source, source id, recipient, channel): planning the same send again finds its rows and
writes none. WeCom's platform budget is a ledger kept on the same rows: ``budget_state``
moves reserved → charged (WeCom reported it sent) or reserved → released (expired,
cancelled, refused), each by one conditional UPDATE, so a message is charged at most once.
"""

from __future__ import annotations

from datetime import time

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from siyu.core.models import Staff
from siyu.customers.models import Customer


class Channel(models.TextChoices):
    WECOM_CUSTOMER = "wecom_customer", _("WeCom mass message to customers")
    WECOM_GROUP = "wecom_group", _("WeCom mass message to customer groups")
    WECOM_MOMENT = "wecom_moment", _("WeCom moments post")
    WECOM_APP = "wecom_app", _("WeCom app message to staff")
    OA_TEMPLATE = "oa_template", _("Official-account template message")
    WEBHOOK = "webhook", _("Outbound webhook")


# Sent by a staff member after they confirm a task WeCom pushed to them.
STAFF_CONFIRMED = (Channel.WECOM_CUSTOMER, Channel.WECOM_GROUP, Channel.WECOM_MOMENT)
# Counted against WeCom's per-customer / per-group monthly budget.
BUDGETED = (Channel.WECOM_CUSTOMER, Channel.WECOM_GROUP)
# To customers (consent, caps and quiet hours apply); the others go to staff or groups.
TO_CUSTOMERS = (Channel.WECOM_CUSTOMER, Channel.OA_TEMPLATE, Channel.WEBHOOK)


class Priority(models.TextChoices):
    # Order confirmations, pickup codes: exempt from frequency caps and quiet hours.
    TRANSACTIONAL = "transactional", _("Transactional")
    MARKETING = "marketing", _("Marketing")


class SendStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    DEFERRED = "deferred", _("Deferred to the end of quiet hours")
    BLOCKED = "blocked", _("Blocked")
    AWAITING_STAFF = "awaiting_staff", _("Awaiting staff confirmation")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


# A send in one of these takes a place under the caps (blocked and failed ones do not).
COUNTING = (
    SendStatus.QUEUED,
    SendStatus.DEFERRED,
    SendStatus.AWAITING_STAFF,
    SendStatus.SENT,
)
OPEN = (SendStatus.QUEUED, SendStatus.DEFERRED, SendStatus.AWAITING_STAFF)


class Reason(models.TextChoices):
    NONE = "", _("None")
    NO_CONSENT = "no_consent", _("No consent for this purpose")
    NOT_REACHABLE = "not_reachable", _("Unsubscribed or deleted contact")
    DAY_CAP = "day_cap", _("Daily cap across channels reached")
    WEEK_CAP = "week_cap", _("Weekly cap across channels reached")
    CHANNEL_DAY_CAP = "channel_day_cap", _("Daily cap of the channel reached")
    CHANNEL_WEEK_CAP = "channel_week_cap", _("Weekly cap of the channel reached")
    WECOM_BUDGET = "wecom_budget", _("WeCom's mass-message budget used up")
    QUIET_HOURS = "quiet_hours", _("Quiet hours")
    STAFF_LIMIT = "staff_limit", _("Staff daily limit reached")
    NOT_CONFIRMED = "not_confirmed", _("Staff did not confirm before the task expired")
    CANCELLED = "cancelled", _("Cancelled")
    NOT_FRIEND = "not_friend", _("WeCom: the customer is no longer a contact")
    WECOM_LIMIT = "wecom_limit", _("WeCom: the customer already received a mass message")
    REFUSED = "refused", _("Refused by the channel")
    OA_UNSUBSCRIBED = "oa_unsubscribed", _("WeChat: the follower unsubscribed from the account")
    USER_BLOCKED = "user_blocked", _("WeChat: the follower refused the account's messages")
    DELIVERY_FAILED = "delivery_failed", _("Delivery failed after retries")


class BudgetState(models.TextChoices):
    NONE = "", _("Not budgeted")
    RESERVED = "reserved", _("Reserved")
    CHARGED = "charged", _("Charged")
    RELEASED = "released", _("Released")


class BudgetRule(models.TextChoices):
    # WeCom: "每位客户/每个客户群每月最多可接收条数为当月天数", or 7/week or 1/day if chosen.
    MONTH_DAYS = "month_days", _("As many a month as the month has days")
    WEEK_7 = "week_7", _("7 a week")
    DAY_1 = "day_1", _("1 a day")


class MessagingSettings(models.Model):
    """One row: the brand's caps, quiet hours and WeCom budget rule (0 = no cap)."""

    budget_rule = models.CharField(
        _("WeCom budget rule"),
        max_length=12,
        choices=BudgetRule.choices,
        default=BudgetRule.MONTH_DAYS,
    )
    day_cap = models.PositiveIntegerField(_("messages a day, all channels"), default=2)
    week_cap = models.PositiveIntegerField(_("messages a week, all channels"), default=5)
    # {"wecom_customer": [day, week], ...}; a channel missing here has no cap of its own.
    channel_caps = models.JSONField(_("caps per channel"), default=dict, blank=True)
    quiet_start = models.TimeField(_("quiet hours start"), default=time(22, 0))
    quiet_end = models.TimeField(_("quiet hours end"), default=time(8, 0))
    staff_daily_limit = models.PositiveIntegerField(
        _("messages a staff member sends a day"), default=20000
    )
    task_expiry_hours = models.PositiveIntegerField(
        _("staff tasks expire after (hours)"), default=72
    )
    remind_after_hours = models.PositiveIntegerField(_("remind staff after (hours)"), default=4)
    updated_at = models.DateTimeField(auto_now=True)


class RecipientZone(models.Model):
    """The customer's own time zone, when known (caps and quiet hours follow it)."""

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="+")
    zone = models.CharField(max_length=64)
    updated_at = models.DateTimeField(auto_now=True)


class PlanStatus(models.TextChoices):
    # Being written in chunks: its staff tasks are not created at WeCom before it is whole.
    PLANNING = "planning", _("Being planned")
    PLANNED = "planned", _("Planned")
    CANCELLED = "cancelled", _("Cancelled")


class SendPlan(models.Model):
    """One call of the send verb (a mass send, a journey step, a notice)."""

    source = models.CharField(_("source"), max_length=40)
    source_id = models.CharField(_("source id"), max_length=64)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    purpose = models.CharField(_("purpose"), max_length=20, blank=True, default="")
    priority = models.CharField(
        _("priority"), max_length=16, choices=Priority.choices, default=Priority.MARKETING
    )
    content = models.JSONField(_("content"), default=dict)
    title = models.CharField(_("title"), max_length=200, blank=True, default="")
    audience = models.CharField(_("audience"), max_length=200, blank=True, default="")
    status = models.CharField(
        max_length=12, choices=PlanStatus.choices, default=PlanStatus.PLANNING
    )
    scheduled_at = models.DateTimeField(_("scheduled at"))
    created_by = models.ForeignKey(
        Staff, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # {"queued": n, "blocked:no_consent": n, ...} as decided when planned.
    summary = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    # The customer a notice to staff is about ("张敏 正在第 3 次阅读…"): its text names her,
    # so her deletion blanks it (siyu/messaging/forget.py).
    about = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "source_id", "channel"], name="sendplan_once")
        ]
        indexes = [models.Index(fields=["-created_at"], name="sendplan_recent")]

    def __str__(self) -> str:
        return self.title or f"{self.source}:{self.source_id}"


class TaskStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be created")
    CREATING = "creating", _("Being created")
    AWAITING = "awaiting", _("Awaiting staff confirmation")
    DONE = "done", _("Sent")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Cancelled")


class StaffTask(models.Model):
    """One WeCom task a staff member confirms: a mass message (≤ 10,000 customers, or the
    sender's groups) or their part of a moments post."""

    plan = models.ForeignKey(SendPlan, on_delete=models.CASCADE, related_name="tasks")
    # None for a moments task: one WeCom job for all its executors (their sends say who).
    staff = models.ForeignKey(
        Staff, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    part = models.PositiveIntegerField(default=0)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    status = models.CharField(max_length=10, choices=TaskStatus.choices, default=TaskStatus.PENDING)
    due_at = models.DateTimeField()
    recipients = models.PositiveIntegerField(default=0)
    # WeCom's ids: msgid of a mass task; jobid then moment_id of a moments task.
    msgid = models.CharField(max_length=64, blank=True, default="")
    jobid = models.CharField(max_length=64, blank=True, default="")
    attempts = models.PositiveSmallIntegerField(default=0)
    attempt_started_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # When reminders went out (WeCom allows 3 per task per 24 h).
    reminded_at = models.JSONField(default=list, blank=True)
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["plan", "staff", "part"], name="stafftask_once")
        ]
        indexes = [
            models.Index(fields=["status", "due_at"], name="stafftask_status_due"),
            models.Index(fields=["staff", "status"], name="stafftask_staff_status"),
        ]


class Send(models.Model):
    # Foreign keys without indexes of their own: the composite indexes below lead with
    # them, and every index costs each of a million inserted rows.
    # Plan and task without a database constraint: the planner writes each send in the
    # transaction that created or locked its plan and task, and PostgreSQL checks a
    # constraint per row at commit (measured: the four checks were a quarter of a planned
    # chunk's server time). Deletes still cascade / set null through Django.
    # Customer and staff likewise (a million `FOR KEY SHARE` probes each, 10 % of a 1M
    # plan's server time): the planner holds the customer's row lock while it writes her
    # send, and staff are deactivated, not deleted, while they have sends planned.
    plan = models.ForeignKey(
        SendPlan,
        on_delete=models.CASCADE,
        related_name="sends",
        db_index=False,
        db_constraint=False,
    )
    source = models.CharField(max_length=40)
    source_id = models.CharField(max_length=64)
    # "c:<customer id>", "g:<chat id>" or "s:<staff id>": who receives it.
    recipient = models.CharField(max_length=80)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    priority = models.CharField(max_length=16, choices=Priority.choices, default=Priority.MARKETING)
    customer = models.ForeignKey(
        Customer,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    chat_id = models.CharField(max_length=64, blank=True, default="")
    # The sender (staff-confirmed channels) or the staff recipient (app messages).
    staff = models.ForeignKey(
        Staff,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    task = models.ForeignKey(
        StaffTask,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sends",
        db_index=False,
        db_constraint=False,
    )
    status = models.CharField(max_length=16, choices=SendStatus.choices)
    reason = models.CharField(max_length=20, choices=Reason.choices, blank=True, default="")
    # When it may go out (after quiet hours), and the recipient's calendar day then.
    due_at = models.DateTimeField()
    local_day = models.DateField()
    budget_state = models.CharField(
        max_length=10, choices=BudgetState.choices, blank=True, default=""
    )
    # Start of WeCom's budget window (month, week or day in China time) it is counted in.
    budget_window = models.DateTimeField(null=True, blank=True)
    # WeCom's msgid / the channel's message id.
    external_id = models.CharField(max_length=64, blank=True, default="")
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_id", "recipient", "channel"], name="send_once"
            )
        ]
        indexes = [
            # Caps and WeCom's budget both read a recipient's sends by local day (the
            # budget reads bound their days: windows.window_days): one index for both.
            models.Index(fields=["recipient", "local_day"], name="send_recipient_day"),
            models.Index(
                fields=["due_at"],
                condition=Q(status__in=["queued", "deferred"], task__isnull=True),
                name="send_direct_due",
            ),
            # No (staff, due_at) index: the per-staff daily limit reads its own counter
            # rows (StaffDayCount), and the index cost every inserted send (bench).
            models.Index(fields=["task", "status"], name="send_task_status"),
            models.Index(fields=["plan", "status"], name="send_plan_status"),
            models.Index(fields=["customer", "-created_at"], name="send_customer_recent"),
            # The official account's delivery report names the send by its msgid.
            models.Index(
                fields=["external_id"],
                condition=Q(channel="oa_template"),
                name="send_oa_msgid",
            ),
        ]


class StaffDayCount(models.Model):
    """How many sends a staff member was given on one brand day, across every plan: the
    per-staff daily limit is taken from this row under its lock (staffcap.py), so two
    plans planned at once never give one sender more than the limit."""

    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    sent = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["staff", "day"], name="staff_day_once")]
