"""Organisation tree, staff and the audit log: the parts every domain app leans on."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgKind(models.TextChoices):
    BRAND = "brand", _("Brand")
    REGION = "region", _("Region")
    STORE = "store", _("Store")


class OrgUnit(models.Model):
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=OrgKind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Materialised path "/1/4/9/" so "this unit and everything under it" is one indexed
    # prefix match instead of a recursive query.
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    OPERATOR = "operator", _("Operator")
    STORE_MANAGER = "store_manager", _("Store manager")
    SALES = "sales", _("Sales staff")


class Staff(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff"
    )
    display_name = models.CharField(_("name"), max_length=100)
    wecom_userid = models.CharField(
        _("WeCom userid"), max_length=64, null=True, blank=True, unique=True
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="staff")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "staff"

    def __str__(self) -> str:
        return self.display_name


class AuditLog(models.Model):
    """Append-only record of sensitive actions: PII views and exports, merges, unmerges."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    action = models.CharField(max_length=50, db_index=True)
    target_type = models.CharField(max_length=50)
    target_id = models.CharField(max_length=64)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["target_type", "target_id"])]


class CounterWindow(models.Model):
    """How much of a limit one key used in one window (see siyu/core/counters.py)."""

    key = models.CharField(max_length=200)
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    count = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window_start"], name="counter_window_unique")
        ]
