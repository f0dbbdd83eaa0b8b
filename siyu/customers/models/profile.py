from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from siyu.core.fields import EncryptedTextField
from siyu.core.models import OrgUnit, Staff


class Gender(models.TextChoices):
    UNKNOWN = "unknown", _("Unknown")
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")


class SpendingPower(models.TextChoices):
    UNKNOWN = "unknown", _("Unknown")
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    PREMIUM = "premium", _("Premium")


class LifecycleStage(models.TextChoices):
    PROSPECT = "prospect", _("Prospect")
    NEW = "new", _("New")
    ACTIVE = "active", _("Active")
    AT_RISK = "at_risk", _("At risk")
    CHURNED = "churned", _("Churned")
    WON_BACK = "won_back", _("Won back")


class CustomerStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    MERGED = "merged", _("Merged into another profile")


class Customer(models.Model):
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    real_name = EncryptedTextField(_("real name"), blank=True, default="")
    address = EncryptedTextField(_("address"), blank=True, default="")
    # Last four digits of the primary phone, for "search by phone suffix" without decrypting.
    phone_last4 = models.CharField(max_length=4, blank=True, default="", db_index=True)
    gender = models.CharField(max_length=10, choices=Gender.choices, default=Gender.UNKNOWN)
    birthday = models.DateField(null=True, blank=True)
    region = models.CharField(_("region"), max_length=100, blank=True, default="")
    occupation = models.CharField(_("occupation"), max_length=100, blank=True, default="")
    interests = models.JSONField(_("interests"), default=list, blank=True)
    spending_power = models.CharField(
        max_length=10, choices=SpendingPower.choices, default=SpendingPower.UNKNOWN
    )
    lifecycle_stage = models.CharField(
        max_length=10, choices=LifecycleStage.choices, default=LifecycleStage.PROSPECT
    )
    primary_owner = models.ForeignKey(
        Staff, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_customers"
    )
    org_unit = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.SET_NULL, related_name="customers"
    )
    status = models.CharField(
        max_length=10, choices=CustomerStatus.choices, default=CustomerStatus.ACTIVE
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="absorbed"
    )
    merge_count = models.PositiveIntegerField(default=0)
    needs_review = models.BooleanField(default=False)
    created_at = models.DateTimeField(db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    # When the brand acquired this person: given by an import, or the earliest order, event
    # or identity observation (customers/acquisition.py). Only ever moves earlier; the
    # analytics count users and cohorts by it, not by when the row was written here.
    first_seen_at = models.DateTimeField(_("acquired at"), null=True, blank=True, db_index=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "-id"], name="cust_status_id"),
            # The first screen's user count and the list's newest-first order (the
            # acquisition time, then id for ties) read this index alone.
            models.Index(fields=["status", "first_seen_at", "id"], name="cust_status_first_seen"),
            models.Index(fields=["primary_owner", "-id"], name="cust_owner_id"),
            models.Index(fields=["org_unit", "-id"], name="cust_org_id"),
            # A store manager's user count: index-only per unit of his subtree.
            models.Index(fields=["org_unit", "status", "first_seen_at"], name="cust_unit_acquired"),
            models.Index(fields=["display_name"], name="cust_display_name"),
        ]

    def __str__(self) -> str:
        return self.display_name or f"#{self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A new profile is first seen when it is created, unless told otherwise.
        if self.first_seen_at is None and self.created_at is not None:
            self.first_seen_at = self.created_at
        super().save(*args, **kwargs)


class CustomerFollow(models.Model):
    """A staff member who has this customer as a WeCom contact (several per customer)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="follows")
    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="follows")
    created_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "staff"], name="follow_unique_pair")
        ]
        indexes = [models.Index(fields=["staff", "customer"], name="follow_staff_customer")]
