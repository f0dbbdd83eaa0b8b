"""What a customer holds: check-ins, tier, paid memberships, redemptions."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from siyu.customers.models import Customer, Order
from siyu.loyalty.models.program import MallItem, PaidPlan, Tier


class CheckIn(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()  # the brand's calendar day
    streak = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "day"], name="loyalty_checkin_once_a_day")
        ]


class TierStatus(models.Model):
    """A customer's current tier; ``grace_until`` is set when a review found them below it."""

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="+")
    tier = models.ForeignKey(Tier, null=True, blank=True, on_delete=models.PROTECT)
    since = models.DateTimeField()
    review_at = models.DateTimeField()
    grace_until = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)


class TierChange(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    before = models.ForeignKey(Tier, null=True, on_delete=models.PROTECT, related_name="+")
    after = models.ForeignKey(Tier, null=True, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=20)
    created_at = models.DateTimeField(auto_now_add=True)


class MembershipStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    CANCELLED = "cancelled", _("Cancelled")


class PaidMembership(models.Model):
    """One purchase or renewal of a plan, from one order; terms chain end to start."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    plan = models.ForeignKey(PaidPlan, on_delete=models.PROTECT, related_name="memberships")
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.SET_NULL)
    source_key = models.CharField(max_length=120, unique=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    price_fen = models.BigIntegerField()
    status = models.CharField(
        max_length=10, choices=MembershipStatus.choices, default=MembershipStatus.ACTIVE
    )
    refund_fen = models.BigIntegerField(default=0)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(refund_fen__gte=0) & Q(refund_fen__lte=models.F("price_fen")),
                name="loyalty_membership_refund_range",
            ),
        ]
        indexes = [models.Index(fields=["status", "ends_at"], name="loyalty_membership_due")]


class DeliveryStatus(models.TextChoices):
    PLACED = "placed", _("Placed")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    ISSUED = "issued", _("Issued")
    CANCELLED = "cancelled", _("Cancelled")


class Redemption(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(MallItem, on_delete=models.PROTECT, related_name="redemptions")
    quantity = models.PositiveIntegerField(default=1)
    points = models.PositiveIntegerField()
    key = models.CharField(max_length=120, unique=True)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices)
    coupon_code = models.CharField(max_length=64, blank=True, default="")
    tracking_no = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
