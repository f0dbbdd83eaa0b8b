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


class CustomerFacts(models.Model):
    """One buyer's order aggregates, the read model segments and layering evaluate against
    at scale (siyu/segments/facts.py keeps it from the change feed; the ORM over orders
    stays the reference). ``customer_id`` is a plain number, not a foreign key: the row is
    derived from the orders, so a merge does not move it, the feed recomputes both
    profiles. A customer without orders has no row."""

    customer_id = models.BigIntegerField(primary_key=True)
    orders = models.PositiveIntegerField(default=0)
    net_fen = models.BigIntegerField(default=0)  # paid minus refunded, all orders
    first_paid_at = models.DateTimeField(null=True)
    last_paid_at = models.DateTimeField(null=True)
    # The latest order strictly before the last one ("won back" after a silence).
    prev_paid_at = models.DateTimeField(null=True)
    # The 2nd … 5th latest paid_at (ties counted apart): "at least k orders since t" is
    # exactly "the k-th latest order is paid at or after t", for k up to 5.
    paid_at_2 = models.DateTimeField(null=True)
    paid_at_3 = models.DateTimeField(null=True)
    paid_at_4 = models.DateTimeField(null=True)
    paid_at_5 = models.DateTimeField(null=True)

    class Meta:
        indexes = [
            # The customer list sorted by last order / by spend walks these (console/list_facts).
            models.Index(fields=["last_paid_at", "customer_id"], name="facts_last_paid"),
            models.Index(fields=["net_fen", "customer_id"], name="facts_net_spend"),
        ]


class FactsState(models.Model):
    """Whether the read model holds every customer yet (its first fill is done)."""

    key = models.CharField(max_length=20, unique=True, default="default")
    filled_at = models.DateTimeField(null=True, blank=True)
