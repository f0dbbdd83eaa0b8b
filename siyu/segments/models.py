"""Segments, their dynamic membership, frozen snapshots, and the stored layering thresholds."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from siyu.customers.models import Customer


class Segment(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.CharField(_("description"), max_length=500, blank=True, default="")
    # The rule tree as validated by siyu.segments.rules.RuleTree (JSON, see docs there).
    rule = models.JSONField(_("rule"))
    # Inactive segments keep their history but are no longer refreshed.
    is_active = models.BooleanField(default=True)
    member_count = models.PositiveIntegerField(default=0)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """One stint of a customer in a segment: joining opens a row, leaving closes it. A
    customer who comes back gets a new row, so the history of entries and exits is kept."""

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="memberships")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    joined_at = models.DateTimeField()
    left_at = models.DateTimeField(null=True, blank=True)
    # Which conditions held when the customer joined / left: {"conditions": [...]}.
    reason = models.JSONField(default=dict)
    exit_reason = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            # Two refreshes racing (per-customer and full) must not open two stints.
            models.UniqueConstraint(
                fields=["segment", "customer"],
                condition=models.Q(left_at__isnull=True),
                name="membership_one_open",
            )
        ]
        indexes = [
            models.Index(fields=["segment", "left_at", "customer"], name="membership_current"),
            models.Index(fields=["customer", "left_at"], name="membership_customer"),
        ]


class Snapshot(models.Model):
    """A frozen member list: who was in the segment at ``taken_at``."""

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="snapshots")
    name = models.CharField(_("name"), max_length=100, blank=True, default="")
    rule = models.JSONField()
    member_count = models.PositiveIntegerField(default=0)
    taken_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-taken_at"]


class SnapshotMember(models.Model):
    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="members")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "customer"], name="snapshot_member_unique")
        ]


class LayeringSettings(models.Model):
    """The operator's thresholds for RFM and the value × lifecycle matrix. One row; the
    JSON is validated by siyu.segments.thresholds.Thresholds."""

    key = models.CharField(max_length=20, unique=True, default="default")
    thresholds = models.JSONField(default=dict)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
