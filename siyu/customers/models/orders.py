from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from siyu.core.models import OrgUnit
from siyu.customers.models.profile import Customer


class Platform(models.TextChoices):
    MINIPROGRAM = "miniprogram", _("Own mini-program")
    TAOBAO = "taobao", _("Taobao / Tmall")
    JD = "jd", _("JD")
    YOUZAN = "youzan", _("Youzan")
    POS = "pos", _("Store POS")
    OTHER = "other", _("Other")


class Order(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="orders")
    platform = models.CharField(max_length=20, choices=Platform.choices)
    order_no = models.CharField(max_length=64)
    store = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    total_fen = models.BigIntegerField()
    paid_fen = models.BigIntegerField()
    refunded_fen = models.BigIntegerField(default=0)
    paid_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The digest of the import rows this order was created from (``imports.lazy_orders``):
    # while the order is as created (updated_at = created_at) a re-run with the same
    # rows takes its lines as unchanged without reading them. Null (not blank): adding a
    # nullable column leaves SQLite's table as it is, where a default would rebuild it.
    import_digest = models.CharField(max_length=32, null=True, blank=True, editable=False)  # noqa: DJ001

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["platform", "order_no"], name="order_unique_no"),
            models.CheckConstraint(condition=models.Q(paid_fen__gte=0), name="order_paid_ge_0"),
            models.CheckConstraint(
                condition=models.Q(refunded_fen__lte=models.F("paid_fen")),
                name="order_refund_le_paid",
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "-paid_at"], name="order_customer_time"),
            models.Index(fields=["paid_at"], name="order_paid_at"),
        ]


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    sku = models.CharField(max_length=64)
    product_name = models.CharField(max_length=200)
    category = models.CharField(max_length=100, blank=True, default="")
    quantity = models.PositiveIntegerField()
    unit_price_fen = models.BigIntegerField()
    paid_fen = models.BigIntegerField()


class Refund(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="refunds")
    refund_no = models.CharField(max_length=64)
    amount_fen = models.BigIntegerField()
    refunded_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["order", "refund_no"], name="refund_unique_no"),
            models.CheckConstraint(condition=models.Q(amount_fen__gt=0), name="refund_positive"),
        ]
