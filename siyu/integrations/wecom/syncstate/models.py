"""Sync runs with their per-staff checkpoints, mirrored group chats, transfer jobs."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from siyu.core.models import Staff
from siyu.customers.models import Customer


class RunKind(models.TextChoices):
    FULL = "full", _("full sync")
    RECONCILE = "reconcile", _("reconciliation")


class RunStatus(models.TextChoices):
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class SyncRun(models.Model):
    kind = models.CharField(max_length=10, choices=RunKind.choices)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING)
    # Counters (e.g. customers_created, follows_added, removed, unchanged) and per-staff
    # errors: the report an operator reads with `siyu wecom sync --report`.
    counts = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)
    unknown_userids = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["kind", "-created_at"], name="wecom_syncrun_kind_time")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} {self.status}"


class SyncCheckpoint(models.Model):
    """Where a run stands for one staff member: the next batch/get_by_user cursor, saved
    after each page, so an interrupted run resumes at the page it had not finished."""

    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="checkpoints")
    userid = models.CharField(max_length=64)
    cursor = models.CharField(max_length=255, blank=True, default="")
    pages = models.PositiveIntegerField(default=0)
    done = models.BooleanField(default=False)
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "userid"], name="wecom_checkpoint_once")
        ]

    def __str__(self) -> str:
        return f"{self.run_id}/{self.userid}@{self.cursor or 'start'}"


class GroupChat(models.Model):
    """A WeCom customer group as last seen by a sync (groups app may take this over)."""

    chat_id = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200, blank=True, default="")
    owner_userid = models.CharField(max_length=64, blank=True, default="")
    member_count = models.PositiveIntegerField(default=0)
    status = models.PositiveSmallIntegerField(default=0)
    synced_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.name or self.chat_id


class TransferStatus(models.TextChoices):
    PENDING = "pending", _("waiting for the customer")
    DONE = "done", _("transferred")
    REFUSED = "refused", _("refused by the customer")
    LIMITED = "limited", _("taker over the customer limit")
    FAILED = "failed", _("rejected by WeCom")


class TransferJob(models.Model):
    from_staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    to_staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    resigned = models.BooleanField(default=False)
    message = models.CharField(max_length=200, blank=True, default="")
    finished = models.BooleanField(default=False)
    # Chat ids of the staff member's groups handed to the taker, and those WeCom refused
    # (an operator does these in the WeCom admin).
    groups_moved = models.JSONField(default=list, blank=True)
    groups_left_out = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(finished=False),
                name="wecom_transfer_open",
            )
        ]

    def __str__(self) -> str:
        return f"transfer #{self.pk} {self.from_staff_id}→{self.to_staff_id}"


class TransferItem(models.Model):
    job = models.ForeignKey(TransferJob, on_delete=models.CASCADE, related_name="items")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    external_userid = models.CharField(max_length=64)
    status = models.CharField(
        max_length=10, choices=TransferStatus.choices, default=TransferStatus.PENDING
    )
    wecom_status = models.PositiveSmallIntegerField(null=True, blank=True)
    errcode = models.IntegerField(default=0)
    fail_reason = models.CharField(max_length=64, blank=True, default="")
    updated_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["job", "external_userid"], name="wecom_transfer_item_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.job_id}/{self.external_userid} {self.status}"
