"""Sync runs with their per-staff checkpoints. Group chats and transfer jobs are domain
tables: ``siyu/groups`` and ``siyu/transfers``."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


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
