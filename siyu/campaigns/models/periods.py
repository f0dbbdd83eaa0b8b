from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from siyu.campaigns.models.coupons import Coupon
from siyu.campaigns.models.lottery import Lottery
from siyu.customers.models import Customer


class CouponPeriodClaim(models.Model):
    """How many of a coupon one person claimed in one period (day, week or month in the
    brand's calendar). A row per person, not a counter key: a merge adds the two profiles'
    rows of the same period (merge hook), so a person who claimed through both stays
    within the period limit."""

    coupon = models.ForeignKey(Coupon, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    period_start = models.DateTimeField()
    claimed = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["coupon", "customer", "period_start"], name="coupon_period_once"
            )
        ]


class LotteryDayDraws(models.Model):
    """A person's draws of a lottery on one brand day; combined on merge like the above."""

    lottery = models.ForeignKey(Lottery, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    day_start = models.DateTimeField()
    drawn = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["lottery", "customer", "day_start"], name="lottery_day_once"
            )
        ]


class SkuPrice(models.Model):
    """The shop's list price of a SKU: what checkout prices a cart from (the caller names
    SKUs and quantities, never the amounts)."""

    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=100, blank=True, default="")
    list_price_fen = models.BigIntegerField(_("list price (fen)"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(list_price_fen__gte=0), name="sku_price_not_negative"
            )
        ]
