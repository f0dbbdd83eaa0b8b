"""The points ledger: buckets (one per earn) and the append-only list of what happened.

Balance is never stored: it is the sum of ``remaining`` over the active, unexpired buckets
of a customer. Each bucket's ``remaining`` is checked by the database to lie between 0 and
its ``points``, so the balance cannot go negative whatever the code does.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from siyu.customers.models import Customer


class BucketStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACTIVE = "active", _("Active")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Cancelled")


class PointsBucket(models.Model):
    """One earn. ``points`` is what was awarded; ``reversed`` what refunds took back;
    ``remaining`` what is left to spend (or to expire)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    # The idempotency key of the award: a rule, the kind of source, the source's id.
    rule = models.CharField(max_length=40)
    source = models.CharField(max_length=20)
    source_id = models.CharField(max_length=64)
    points = models.IntegerField()
    remaining = models.IntegerField()
    reversed = models.IntegerField(default=0)
    status = models.CharField(max_length=10, choices=BucketStatus.choices)
    activates_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    # For purchase awards: the order's paid amount, so refunds reverse proportionally.
    basis_fen = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "source", "source_id"], name="loyalty_bucket_award_once"
            ),
            models.CheckConstraint(condition=Q(points__gt=0), name="loyalty_bucket_points_gt_0"),
            models.CheckConstraint(
                condition=Q(remaining__gte=0), name="loyalty_bucket_remaining_ge_0"
            ),
            models.CheckConstraint(
                condition=Q(remaining__lte=F("points") - F("reversed")),
                name="loyalty_bucket_remaining_le_points",
            ),
            models.CheckConstraint(
                condition=Q(reversed__gte=0) & Q(reversed__lte=F("points")),
                name="loyalty_bucket_reversed_in_range",
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "status", "expires_at"], name="loyalty_bucket_spend"),
            models.Index(fields=["status", "expires_at"], name="loyalty_bucket_expiry"),
            models.Index(fields=["status", "activates_at"], name="loyalty_bucket_activation"),
        ]


class EntryKind(models.TextChoices):
    EARN = "earn", _("Earned")
    ACTIVATE = "activate", _("Became usable")
    SPEND = "spend", _("Spent")
    RESTORE = "restore", _("Returned")
    REVERSE = "reverse", _("Reversed by a refund")
    EXPIRE = "expire", _("Expired")


class LedgerEntry(models.Model):
    """Append-only: rows are inserted by the verbs in ``siyu.loyalty`` and never updated.
    ``points`` is signed from the balance's point of view (an earn while pending is 0 for
    the balance; its activation adds). ``key`` makes every write that can arrive twice
    (awards, spends, reversals) happen once."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=EntryKind.choices)
    points = models.IntegerField()
    bucket = models.ForeignKey(
        PointsBucket, null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    key = models.CharField(max_length=120)
    # A reversal whose points were already spent and not covered by the balance.
    unrecovered = models.IntegerField(default=0)
    reason = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key"], name="loyalty_entry_key_once"),
        ]
        indexes = [models.Index(fields=["customer", "-id"], name="loyalty_entry_customer")]


class Allocation(models.Model):
    """Which buckets a spend took its points from, so a cancelled spend returns them."""

    entry = models.ForeignKey(LedgerEntry, on_delete=models.CASCADE, related_name="allocations")
    bucket = models.ForeignKey(PointsBucket, on_delete=models.PROTECT, related_name="+")
    points = models.IntegerField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(points__gt=0), name="loyalty_alloc_points_gt_0"),
        ]
