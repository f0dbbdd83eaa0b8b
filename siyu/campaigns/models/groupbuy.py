from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from siyu.campaigns.models.coupons import CampaignStatus
from siyu.customers.models import Customer


class GroupBuyDeal(models.Model):
    name = models.CharField(_("name"), max_length=100)
    sku = models.CharField(max_length=64)
    price_fen = models.BigIntegerField()
    group_size = models.PositiveSmallIntegerField(default=3)
    window_minutes = models.PositiveIntegerField(default=24 * 60)
    # At the deadline a short group succeeds anyway (虚拟成团) instead of being refunded.
    virtual_success = models.BooleanField(default=False)
    status = models.CharField(
        max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(group_size__gte=2), name="deal_size_ge_2")
        ]

    def __str__(self) -> str:
        return self.name


class GroupStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("group buy", "Open")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed, refunded")


class BuyGroup(models.Model):
    deal = models.ForeignKey(GroupBuyDeal, on_delete=models.CASCADE, related_name="groups")
    size = models.PositiveSmallIntegerField()
    seats_paid = models.PositiveSmallIntegerField(default=0)
    virtual_seats = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(max_length=10, choices=GroupStatus.choices, default=GroupStatus.OPEN)
    deadline = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            # Never 4 in a 3-seat group, whatever the application does.
            models.CheckConstraint(
                condition=Q(seats_paid__lte=F("size")), name="group_seats_le_size"
            )
        ]
        indexes = [models.Index(fields=["status", "deadline"], name="group_open_due")]


class SeatStatus(models.TextChoices):
    JOINED = "joined", _("Joined, awaiting payment")
    PAID = "paid", _("Paid")
    REFUND_DUE = "refund_due", _("To be refunded")
    REFUNDED = "refunded", _("Refunded")


class GroupSeat(models.Model):
    group = models.ForeignKey(BuyGroup, on_delete=models.CASCADE, related_name="seats")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    platform = models.CharField(max_length=20)
    order_no = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=SeatStatus.choices, default=SeatStatus.JOINED)
    refund_reason = models.CharField(max_length=40, blank=True, default="")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["platform", "order_no"], name="seat_order_once"),
        ]
