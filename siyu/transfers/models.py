"""Staff leaving or moving hand their customers to another staff member.

A job per hand-over, an item per customer whose status settles later (WeCom lets the
customer refuse within 24 h). Index and constraint names keep the ``wecom_`` prefix they
were created with when these tables lived in the WeCom adapter.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from siyu.core.models import Staff
from siyu.customers.models import Customer


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
