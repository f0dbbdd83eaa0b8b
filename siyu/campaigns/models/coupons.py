from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from siyu.customers.models import Customer, Order


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    PAUSED = "paused", _("Paused")
    ENDED = "ended", _("Ended")


class CouponKind(models.TextChoices):
    FIXED = "fixed", _("Fixed amount off")
    PERCENT = "percent", _("Percent off with a cap")
    THRESHOLD = "threshold", _("Spend thresholds (满减)")
    FREE_SHIPPING = "free_shipping", _("Free shipping")
    GIFT = "gift", _("Gift")


class Stacking(models.TextChoices):
    EXCLUSIVE = "exclusive", _("Exclusive: used alone")
    COMBINABLE = "combinable", _("Combinable with other kinds")


class PeriodKind(models.TextChoices):
    DAY = "day", _("Per day")
    WEEK = "week", _("Per week")
    MONTH = "month", _("Per month")


class Coupon(models.Model):
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=CouponKind.choices)
    status = models.CharField(
        max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    amount_fen = models.BigIntegerField(default=0)  # fixed: amount off
    percent_off = models.PositiveSmallIntegerField(default=0)  # percent: 1–99
    cap_fen = models.BigIntegerField(null=True, blank=True)  # percent: largest discount
    # 满减: [[threshold_fen, off_fen], ...]; the highest threshold reached applies.
    tiers = models.JSONField(default=list, blank=True)
    min_spend_fen = models.BigIntegerField(default=0)
    gift_sku = models.CharField(max_length=64, blank=True, default="")
    stacking = models.CharField(
        max_length=12, choices=Stacking.choices, default=Stacking.COMBINABLE
    )
    # Public code a customer types to claim (one code, many claims); blank: no code.
    public_code = models.CharField(max_length=32, blank=True, default="")
    uses_code_pool = models.BooleanField(default=False)
    total_limit = models.PositiveIntegerField(null=True, blank=True)
    issued = models.PositiveIntegerField(default=0)
    per_person_limit = models.PositiveIntegerField(default=1)
    period_limit = models.PositiveIntegerField(null=True, blank=True)
    period = models.CharField(max_length=6, choices=PeriodKind.choices, default=PeriodKind.DAY)
    claim_from = models.DateTimeField(null=True, blank=True)
    claim_until = models.DateTimeField(null=True, blank=True)
    valid_days = models.PositiveIntegerField(null=True, blank=True)  # after the claim
    use_until = models.DateTimeField(null=True, blank=True)
    holdout_percent = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            # The database, not Python, refuses the 101st coupon of 100.
            models.CheckConstraint(
                condition=Q(total_limit__isnull=True) | Q(issued__lte=F("total_limit")),
                name="coupon_issued_le_limit",
            ),
            models.CheckConstraint(condition=Q(percent_off__lte=99), name="coupon_percent_le_99"),
            models.CheckConstraint(
                condition=Q(holdout_percent__lte=50), name="coupon_holdout_le_50"
            ),
            models.UniqueConstraint(
                fields=["public_code"], condition=~Q(public_code=""), name="coupon_public_code"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CouponAllowance(models.Model):
    """How many of a coupon one person has claimed: one row per (coupon, person), taken
    with ``claimed = claimed + 1 WHERE claimed < limit``. Merges add the two counts."""

    coupon = models.ForeignKey(Coupon, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    claimed = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["coupon", "customer"], name="coupon_allowance_once")
        ]


class IssuedStatus(models.TextChoices):
    AVAILABLE = "available", _("Available")
    RESERVED = "reserved", _("Reserved at checkout")
    USED = "used", _("Used")
    EXPIRED = "expired", _("Expired")
    # Taken back before it was used (a referral reward whose friend's order was refunded).
    REVOKED = "revoked", _("Revoked")


class IssuedCoupon(models.Model):
    coupon = models.ForeignKey(Coupon, on_delete=models.CASCADE, related_name="issued_coupons")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    code = models.CharField(max_length=32, null=True, blank=True, unique=True)
    status = models.CharField(
        max_length=10, choices=IssuedStatus.choices, default=IssuedStatus.AVAILABLE
    )
    source = models.CharField(max_length=40, blank=True, default="")
    # Idempotency of an issue that can arrive twice (a journey step, a purchase reward).
    issue_key = models.CharField(max_length=120, null=True, blank=True, unique=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    reserved_until = models.DateTimeField(null=True, blank=True)
    reserved_platform = models.CharField(max_length=20, blank=True, default="")
    reserved_order_no = models.CharField(max_length=64, blank=True, default="")
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["customer", "status"], name="issued_customer_status"),
            # The reservation timer: rows due for release are claimed by this index.
            models.Index(fields=["status", "reserved_until"], name="issued_reserved_due"),
            models.Index(fields=["reserved_platform", "reserved_order_no"], name="issued_order"),
            # The expiry sweep: coupons past their validity, by the same kind of index.
            models.Index(fields=["status", "expires_at"], name="issued_expiry_due"),
        ]


class CouponCode(models.Model):
    """A unique code of a coupon's pool, handed to exactly one claim."""

    coupon = models.ForeignKey(Coupon, on_delete=models.CASCADE, related_name="codes")
    code = models.CharField(max_length=32, unique=True)
    issued = models.OneToOneField(
        IssuedCoupon, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["coupon", "issued"], name="coupon_code_free")]


class Redemption(models.Model):
    """An issued coupon used on an imported order (any platform)."""

    issued = models.OneToOneField(IssuedCoupon, on_delete=models.CASCADE, related_name="redemption")
    coupon = models.ForeignKey(Coupon, on_delete=models.CASCADE, related_name="redemptions")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="+")
    discount_fen = models.BigIntegerField()
    order_paid_fen = models.BigIntegerField()
    created_at = models.DateTimeField()


class HoldoutMember(models.Model):
    """A person a mass issue left out on purpose, to measure lift against."""

    coupon = models.ForeignKey(Coupon, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["coupon", "customer"], name="holdout_once")]
