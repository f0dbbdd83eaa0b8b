from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from siyu.campaigns.models.coupons import CampaignStatus
from siyu.customers.models import Customer


class FlashSale(models.Model):
    """A flash sale (秒杀) with its own stock, apart from the SKU's."""

    name = models.CharField(_("name"), max_length=100)
    sku = models.CharField(max_length=64)
    price_fen = models.BigIntegerField()
    stock = models.PositiveIntegerField()
    sold = models.PositiveIntegerField(default=0)
    per_person_limit = models.PositiveIntegerField(default=1)
    pay_minutes = models.PositiveIntegerField(default=15)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(sold__lte=F("stock")), name="flash_sold_le_stock")
        ]


class FlashAllowance(models.Model):
    sale = models.ForeignKey(FlashSale, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    taken = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sale", "customer"], name="flash_allowance_once")
        ]


class FlashOrderStatus(models.TextChoices):
    UNPAID = "unpaid", _("Awaiting payment")
    PAID = "paid", _("Paid")
    LAPSED = "lapsed", _("Not paid in time, stock returned")


class FlashOrder(models.Model):
    sale = models.ForeignKey(FlashSale, on_delete=models.CASCADE, related_name="orders")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField()
    status = models.CharField(
        max_length=8, choices=FlashOrderStatus.choices, default=FlashOrderStatus.UNPAID
    )
    pay_by = models.DateTimeField()
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["status", "pay_by"], name="flash_unpaid_due")]


class WindowKind(models.TextChoices):
    LIMITED = "limited", _("Limited-time discount")
    EARLY_BIRD = "early_bird", _("Early-bird price")
    ADD_ON = "add_on", _("Add-on at a special price (加价购)")


class PriceWindow(models.Model):
    """A special price of a SKU inside a window; an add-on needs ``threshold_fen`` of
    other goods in the cart."""

    kind = models.CharField(max_length=10, choices=WindowKind.choices)
    sku = models.CharField(max_length=64)
    price_fen = models.BigIntegerField()
    threshold_fen = models.BigIntegerField(default=0)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="window_ordered")
        ]


class Bundle(models.Model):
    """A scene kit (a camping kit): these SKUs together for one price."""

    name = models.CharField(_("name"), max_length=100)
    skus = models.JSONField(default=list)
    price_fen = models.BigIntegerField()
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
