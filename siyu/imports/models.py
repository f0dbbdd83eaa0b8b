"""One uploaded CSV file and its progress through validation and import."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from siyu.core.fields import EncryptedTextField


class ImportKind(models.TextChoices):
    CUSTOMERS = "customers", _("Customers")
    ORDERS = "orders", _("Orders")


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to start")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Finished")
    REJECTED = "rejected", _("Rejected: the file has invalid rows")
    FAILED = "failed", _("Failed")


class ImportJob(models.Model):
    kind = models.CharField(_("kind"), max_length=10, choices=ImportKind.choices)
    file_name = models.CharField(_("file name"), max_length=255)
    status = models.CharField(
        _("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    skip_invalid = models.BooleanField(_("skip invalid rows"), default=False)
    # Orders stored with other content are corrected (audited) instead of reported.
    update_existing = models.BooleanField(_("correct stored orders"), default=False)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    imported_rows = models.PositiveIntegerField(default=0)  # rows of written items
    invalid_rows = models.PositiveIntegerField(default=0)  # rows with a problem, not written
    # Customers or orders, by what the import did with them.
    created_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    # Where a run stopped (entries of the parsed file committed, chunk by chunk): a worker
    # killed mid-import leaves the job RUNNING, and the requeued task continues from here.
    resume_position = models.PositiveIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    # [{"row": 3, "field": "phone", "message": "..."}], row numbers as the user sees them in
    # a spreadsheet (header is row 1). Messages never echo personal data in full.
    error_report = models.JSONField(default=list, blank=True)
    message = models.CharField(max_length=500, blank=True, default="")
    # The decoded file, encrypted because customer files carry phones and names; emptied
    # once the import finishes so personal data is not kept longer than the job needs it.
    content = EncryptedTextField(blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.file_name

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 100 if self.is_finished else 0
        return min(100, self.processed_rows * 100 // self.total_rows)

    @property
    def is_finished(self) -> bool:
        return self.status in {ImportStatus.DONE, ImportStatus.REJECTED, ImportStatus.FAILED}
