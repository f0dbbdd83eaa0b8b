"""Staff tasks, the rules that make them, follow-up notes, quotas and loss alerts.

No I/O and no calls into other apps here: the verbs (``tasks.py``, ``rules.py``,
``loss.py``, ``notes.py``, ``quotas.py``) write these rows.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from siyu.core.models import OrgUnit, Staff
from siyu.customers.models import Customer


class TaskKind(models.TextChoices):
    CHAT = "chat", _("Chat with a script")
    CALL = "call", _("Call")
    SEND_MATERIAL = "send_material", _("Send a material")
    INVITE_GROUP = "invite_group", _("Invite to a group")
    BIRTHDAY = "birthday", _("Birthday greeting")
    ORDER_FOLLOWUP = "order_followup", _("Follow up an order")


class TaskState(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    SKIPPED = "skipped", _("Skipped")
    OVERDUE = "overdue", _("Overdue")
    CANCELLED = "cancelled", _("Cancelled")


# A rep can still finish an overdue task: both are "to do" on her page.
PENDING = (TaskState.OPEN, TaskState.OVERDUE)


class Outcome(models.TextChoices):
    REACHED = "reached", _("Reached")
    CONVERTED = "converted", _("Bought")
    NO_ANSWER = "no_answer", _("No answer")
    NOT_INTERESTED = "not_interested", _("Not interested")
    SKIPPED = "skipped", _("Skipped")
    OVERDUE = "overdue", _("Overdue")
    CANCELLED = "cancelled", _("Cancelled")


class Task(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="staff_todos")
    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="todos")
    kind = models.CharField(_("kind"), max_length=20, choices=TaskKind.choices)
    title = models.CharField(_("title"), max_length=200)
    due_at = models.DateTimeField(_("due"))
    state = models.CharField(max_length=10, choices=TaskState.choices, default=TaskState.OPEN)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True, default="")
    outcome_note = models.CharField(max_length=200, blank=True, default="")
    # Who asked for it ("console", "rule", "journey") and its key there: with the source
    # the idempotency key, so a rule or a journey step firing twice makes one task.
    source = models.CharField(max_length=40)
    source_key = models.CharField(max_length=128)
    material_id = models.BigIntegerField(null=True, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        Staff, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    # When it went overdue (kept when it is done late: the board counts both).
    overdue_at = models.DateTimeField(null=True, blank=True)
    reminded_soon_at = models.DateTimeField(null=True, blank=True)
    reminded_overdue_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "source_key"], name="wb_task_source_key")
        ]
        indexes = [
            models.Index(fields=["staff", "state", "due_at"], name="wb_task_staff_due"),
            models.Index(fields=["state", "due_at"], name="wb_task_state_due"),
            models.Index(fields=["customer", "state"], name="wb_task_customer"),
            models.Index(fields=["staff", "closed_at"], name="wb_task_staff_closed"),
        ]

    def __str__(self) -> str:
        return self.title


class RuleTrigger(models.TextChoices):
    EVENT = "event", _("A customer event")
    BIRTHDAY = "birthday", _("Birthday")
    PAID_ORDER = "paid_order", _("A paid order")


class TaskRule(models.Model):
    """When to make a task for the customer's primary owner. ``condition`` is
    ``{"property": "opens", "op": ">=", "value": 3}`` on the event's properties."""

    name = models.CharField(_("name"), max_length=100)
    trigger = models.CharField(_("trigger"), max_length=20, choices=RuleTrigger.choices)
    event_type = models.CharField(_("event type"), max_length=60, blank=True, default="")
    condition = models.JSONField(default=dict, blank=True)
    # One task per (rule, customer, this property's value): the 4th open of the same
    # article does not make a second task. Empty: one per event.
    once_per = models.CharField(max_length=60, blank=True, default="")
    kind = models.CharField(_("kind"), max_length=20, choices=TaskKind.choices)
    title = models.CharField(_("title"), max_length=200)
    due_hours = models.PositiveIntegerField(_("due within (hours)"), default=24)
    days_after = models.PositiveIntegerField(_("days after"), default=0)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.name


class FollowNote(models.Model):
    """跟进记录: what a rep wrote after talking to the customer."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="follow_notes")
    staff = models.ForeignKey(
        Staff, null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_notes"
    )
    task = models.ForeignKey(
        Task, null=True, blank=True, on_delete=models.SET_NULL, related_name="notes"
    )
    text = models.CharField(_("note"), max_length=1000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["customer", "-created_at"], name="wb_note_customer")]


class QuotaMetric(models.TextChoices):
    NEW_CONTACTS = "new_contacts", _("New contacts a day")
    TASKS_DONE = "tasks_done", _("Tasks done a day")
    FIRST_REPLY = "first_reply", _("First reply within N minutes (share)")


class Quota(models.Model):
    """A daily target for one staff member or for each staff member of a store (the
    staff's own quota wins over the store's)."""

    staff = models.ForeignKey(Staff, null=True, blank=True, on_delete=models.CASCADE)
    org_unit = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.CASCADE)
    metric = models.CharField(_("metric"), max_length=20, choices=QuotaMetric.choices)
    target = models.PositiveIntegerField(_("target"))
    minutes = models.PositiveIntegerField(_("within minutes"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(staff__isnull=False) ^ Q(org_unit__isnull=False),
                name="wb_quota_one_holder",
            ),
            models.UniqueConstraint(
                fields=["staff", "metric"], condition=Q(staff__isnull=False), name="wb_quota_staff"
            ),
            models.UniqueConstraint(
                fields=["org_unit", "metric"],
                condition=Q(org_unit__isnull=False),
                name="wb_quota_unit",
            ),
        ]


class LossKind(models.TextChoices):
    # del_follow_user: the customer deleted the rep (流失提醒).
    CUSTOMER_LEFT = "customer_left", _("Customer deleted the staff member")
    # del_external_contact: the rep deleted the customer (删人提醒).
    STAFF_DELETED = "staff_deleted", _("Staff member deleted the customer")


class LossAlert(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="loss_alerts")
    staff = models.ForeignKey(
        Staff, null=True, blank=True, on_delete=models.SET_NULL, related_name="loss_alerts"
    )
    kind = models.CharField(max_length=20, choices=LossKind.choices)
    occurred_at = models.DateTimeField()
    # The customer event it came from: the change feed delivers at least once.
    event_id = models.BigIntegerField(unique=True)
    notified_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["staff", "-occurred_at"], name="wb_loss_staff"),
            models.Index(fields=["customer", "-occurred_at"], name="wb_loss_customer"),
            models.Index(fields=["-occurred_at"], name="wb_loss_time"),
        ]
