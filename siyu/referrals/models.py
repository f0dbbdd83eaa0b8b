"""Referral programmes, invite codes, referrals, their rewards, the review queue,
任务宝 completions and ambassador commissions.

Every row that can be written twice carries a unique key (design rule 4): one referral per
(programme, invitee) — the first touch wins — one reward per ``key``, one 任务宝 gift per
(programme, inviter), one commission per (order, level). Gift stock is a counter with a
CHECK behind the conditional UPDATE that takes it.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from siyu.core.models import Staff
from siyu.customers.models import Customer, Order


class ProgrammeKind(models.TextChoices):
    REFERRAL = "referral", _("Invite a friend")
    TASK = "task", _("Invite N friends for a gift")
    AMBASSADOR = "ambassador", _("Ambassador programme")


class Qualifier(models.TextChoices):
    EVENT = "event", _("A customer event (adds us on WeCom, joins a group)")
    FIRST_ORDER = "first_order", _("First paid order over a threshold")


class Programme(models.Model):
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(max_length=12, choices=ProgrammeKind.choices)
    is_active = models.BooleanField(default=True)
    qualifier = models.CharField(max_length=12, choices=Qualifier.choices)
    # The customer event type that qualifies (``wecom_contact_added``, a group join…).
    event_type = models.CharField(max_length=64, blank=True, default="")
    min_order_fen = models.BigIntegerField(default=0)
    inviter_points = models.PositiveIntegerField(default=0)
    invitee_points = models.PositiveIntegerField(default=0)
    inviter_coupon_id = models.BigIntegerField(null=True, blank=True)
    invitee_coupon_id = models.BigIntegerField(null=True, blank=True)
    # Rewards wait this long (the refund window) before they are paid out.
    hold_days = models.PositiveSmallIntegerField(default=7)
    # [{"friends": 3, "points": 100}, …]: extra rewards at a count of qualified friends.
    milestones = models.JSONField(default=list, blank=True)
    # Abuse limits: attributions per inviter per day before review.
    velocity_per_day = models.PositiveSmallIntegerField(default=20)
    # 任务宝: invite this many to unlock the gift; gift stock.
    task_target = models.PositiveSmallIntegerField(default=0)
    gift_name = models.CharField(max_length=100, blank=True, default="")
    # How the gift reaches the inviter: a coupon and/or points are issued at the unlock;
    # neither: a physical gift that staff hand over (or ship) and mark in the console.
    gift_coupon_id = models.BigIntegerField(null=True, blank=True)
    gift_points = models.PositiveIntegerField(default=0)
    gift_stock = models.PositiveIntegerField(default=0)
    gift_given = models.PositiveIntegerField(default=0)
    # Ambassador: commission in basis points per level (at most two), freeze before settling.
    commission_bp = models.JSONField(default=list, blank=True)
    freeze_days = models.PositiveSmallIntegerField(default=15)
    entry_fee_fen = models.BigIntegerField(default=0)
    # What a reward costs the brand, per point (for ROI): fen per 100 points.
    point_cost_fen_per_100 = models.PositiveIntegerField(default=100)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(gift_given__lte=F("gift_stock")), name="referral_gift_given_le_stock"
            )
        ]

    def __str__(self) -> str:
        return self.name


class ReferralCode(models.Model):
    """一客一码: one code per customer (or staff member) and programme. A customer's first
    code is made under a lock on their profile; after a merge the person keeps both codes
    (both are printed on posters somewhere), so customers are not unique here."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="codes")
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    staff = models.ForeignKey(
        Staff, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    code = models.CharField(max_length=16, unique=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "staff"],
                condition=Q(staff__isnull=False),
                name="referral_code_one_per_staff",
            ),
        ]


class ReferralStatus(models.TextChoices):
    ATTRIBUTED = "attributed", _("Invited, not yet qualified")
    QUALIFIED = "qualified", _("Qualified")
    REVIEW = "review", _("Under review")
    REJECTED = "rejected", _("Rejected")


class Via(models.TextChoices):
    WECOM = "wecom", _("WeCom contact code")
    SCENE = "scene", _("Mini-program scene")
    LINK = "link", _("Invite link")


class Referral(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="referrals")
    code = models.ForeignKey(ReferralCode, on_delete=models.CASCADE, related_name="referrals")
    # Plain profile ids, not foreign keys: the referral graph is history between profiles
    # (like the change feed) and a merge must not rewrite who invited whom; who is one
    # person is asked of the identity graph when it is read (``person_id_of``).
    inviter_id = models.BigIntegerField(null=True, blank=True)
    inviter_staff = models.ForeignKey(
        Staff, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    invitee_id = models.BigIntegerField(db_index=True)
    via = models.CharField(max_length=8, choices=Via.choices)
    status = models.CharField(
        max_length=12, choices=ReferralStatus.choices, default=ReferralStatus.ATTRIBUTED
    )
    # What qualified it: "event:<id>" or "order:<id>"; the order, for clawback on refund.
    qualified_by = models.CharField(max_length=40, blank=True, default="")
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    attributed_at = models.DateTimeField()
    qualified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "invitee_id"], name="referral_one_inviter_per_invitee"
            )
        ]
        indexes = [models.Index(fields=["inviter_id", "attributed_at"], name="referral_inviter_at")]


class RewardRole(models.TextChoices):
    INVITER = "inviter", _("Inviter")
    INVITEE = "invitee", _("Invitee")
    MILESTONE = "milestone", _("Milestone")


class RewardStatus(models.TextChoices):
    HELD = "held", _("Held for the refund window")
    REVIEW = "review", _("Held under review")
    PAID = "paid", _("Paid out")
    CLAWED_BACK = "clawed_back", _("Clawed back")
    REFUSED = "refused", _("Refused")


class Reward(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="rewards")
    referral = models.ForeignKey(
        Referral, null=True, blank=True, on_delete=models.CASCADE, related_name="rewards"
    )
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=10, choices=RewardRole.choices)
    key = models.CharField(max_length=80, unique=True)
    points = models.PositiveIntegerField(default=0)
    coupon_id = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=RewardStatus.choices)
    release_at = models.DateTimeField(db_index=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    clawed_points = models.PositiveIntegerField(default=0)
    # A paid coupon clawed back: "revoked" (taken back unused) or "used" (not recoverable).
    coupon_clawback = models.CharField(max_length=10, blank=True, default="")
    reason = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField()


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ReviewCase(models.Model):
    """A referral held for a person to look at, with the reasons it was held."""

    referral = models.OneToOneField(Referral, on_delete=models.CASCADE, related_name="case")
    reasons = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    decided_by = models.ForeignKey(
        Staff, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()


class GiftStatus(models.TextChoices):
    AWAITING = "awaiting", _("Waiting to be handed over")
    ISSUED = "issued", _("Issued (coupon or points)")
    HANDED_OVER = "handed_over", _("Handed over")


class TaskGift(models.Model):
    """任务宝: one gift per inviter and programme, taken from the programme's stock, and
    how it reached her: issued at the unlock, or waiting for staff to hand it over."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="gifts")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()
    status = models.CharField(
        max_length=12, choices=GiftStatus.choices, default=GiftStatus.AWAITING
    )
    # Why an issue did not happen (the coupon's refusal code), for staff to act on.
    reason = models.CharField(max_length=40, blank=True, default="")
    fulfilled_at = models.DateTimeField(null=True, blank=True)
    fulfilled_by = models.ForeignKey(
        Staff, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True, default="")  # tracking no., store

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["programme", "customer"], name="referral_one_gift")
        ]


class CommissionStatus(models.TextChoices):
    FROZEN = "frozen", _("Frozen until the refund window closes")
    SETTLED = "settled", _("Settled")
    VOID = "void", _("Void (refunded)")


class Commission(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="commissions")
    ambassador = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="+")
    level = models.PositiveSmallIntegerField()
    amount_fen = models.BigIntegerField()
    status = models.CharField(max_length=8, choices=CommissionStatus.choices)
    settle_at = models.DateTimeField(db_index=True)
    settled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "order", "level"], name="commission_one_per_level"
            ),
            models.CheckConstraint(condition=Q(level__in=[1, 2]), name="commission_two_levels"),
        ]
