"""What the brand configures: earning rules, tiers, paid plans and the points mall."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Published")
    PAUSED = "paused", _("Paused")


class RuleKind(models.TextChoices):
    PURCHASE = "purchase", _("Purchase")
    CHECKIN = "checkin", _("Check-in")
    TASK = "task", _("Task")
    BIRTHDAY = "birthday", _("Birthday")


class LimitPeriod(models.TextChoices):
    DAY = "day", _("Per day")
    WEEK = "week", _("Per week")
    MONTH = "month", _("Per month")


class EarningRule(models.Model):
    """How points are earned. Purchase: ``points_per_yuan`` per 元 paid, times the tier's
    and the category's multiplier (percent). Check-in: ``points`` a day, plus
    ``streak_rewards`` ({"7": 50}) on the day a streak reaches that length. Task:
    ``points`` when an event of type ``task_event`` is recorded. Birthday: ``points`` once a
    year in the birthday month. Limits count awards per customer per brand day and per
    ``limit_period`` (0: none)."""

    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=10, choices=RuleKind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    points = models.PositiveIntegerField(_("points"), default=0)
    points_per_yuan = models.PositiveIntegerField(_("points per yuan"), default=0)
    category_multipliers = models.JSONField(default=dict, blank=True)
    streak_rewards = models.JSONField(default=dict, blank=True)
    task_event = models.CharField(_("task event"), max_length=64, blank=True, default="")
    limit_per_day = models.PositiveIntegerField(_("awards per day"), default=0)
    limit_per_period = models.PositiveIntegerField(_("awards per period"), default=0)
    limit_period = models.CharField(
        max_length=10, choices=LimitPeriod.choices, default=LimitPeriod.MONTH
    )
    # Points become usable after this many days (cover the refund window) and last this long.
    pending_days = models.PositiveIntegerField(_("pending days"), default=0)
    valid_days = models.PositiveIntegerField(_("valid days"), default=365)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    @property
    def key(self) -> str:
        return f"rule:{self.pk}"


class TierBasis(models.TextChoices):
    POINTS = "points", _("Points earned")
    SPEND = "spend", _("Spend")


class Tier(models.Model):
    """A level. Qualification: ``threshold`` (points, or fen of spend) earned within the
    program's rolling window. Benefits are columns, so pages and checkout read them
    without parsing."""

    name = models.CharField(_("name"), max_length=40)
    rank = models.PositiveIntegerField(_("rank"), unique=True)
    threshold = models.BigIntegerField(_("threshold"), default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    discount_percent = models.PositiveIntegerField(_("price paid, percent"), default=100)
    free_shipping = models.BooleanField(_("free shipping"), default=False)
    priority_purchase = models.BooleanField(_("priority purchase"), default=False)
    birthday_multiplier = models.PositiveIntegerField(
        _("birthday multiplier, percent"), default=100
    )
    exclusive_service = models.BooleanField(_("exclusive service"), default=False)
    points_multiplier = models.PositiveIntegerField(_("points multiplier, percent"), default=100)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["rank"]
        constraints = [
            models.CheckConstraint(
                condition=Q(discount_percent__gte=1) & Q(discount_percent__lte=100),
                name="loyalty_tier_discount_range",
            ),
        ]


class Program(models.Model):
    """The one set of program-wide settings (row pk=1)."""

    basis = models.CharField(max_length=10, choices=TierBasis.choices, default=TierBasis.POINTS)
    window_days = models.PositiveIntegerField(default=365)
    review_every_days = models.PositiveIntegerField(default=90)
    grace_days = models.PositiveIntegerField(default=30)
    updated_at = models.DateTimeField(auto_now=True)


class PaidPlan(models.Model):
    """付费会员: bought as an order line with ``sku``; lasts ``term_days``."""

    name = models.CharField(_("name"), max_length=60)
    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    term_days = models.PositiveIntegerField(_("term in days"))
    price_fen = models.BigIntegerField(_("price"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    discount_percent = models.PositiveIntegerField(_("price paid, percent"), default=100)
    free_shipping = models.BooleanField(_("free shipping"), default=False)
    points_multiplier = models.PositiveIntegerField(_("points multiplier, percent"), default=100)
    remind_days = models.PositiveIntegerField(_("remind days before expiry"), default=7)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(term_days__gt=0), name="loyalty_plan_term_gt_0"),
            models.CheckConstraint(condition=Q(price_fen__gte=0), name="loyalty_plan_price_ge_0"),
        ]


class ItemKind(models.TextChoices):
    GOODS = "goods", _("Goods")
    COUPON = "coupon", _("Coupon")


class MallItem(models.Model):
    """积分商城: goods (with stock and delivery) or a coupon (issued by campaigns)."""

    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=10, choices=ItemKind.choices)
    points_cost = models.PositiveIntegerField(_("points"))
    stock = models.IntegerField(_("stock"), default=0)
    per_customer_limit = models.PositiveIntegerField(_("per customer"), default=0)
    coupon_ref = models.CharField(_("coupon"), max_length=64, blank=True, default="")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(stock__gte=0), name="loyalty_item_stock_ge_0"),
            models.CheckConstraint(condition=Q(points_cost__gt=0), name="loyalty_item_cost_gt_0"),
        ]
