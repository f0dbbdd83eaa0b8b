from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from siyu.campaigns.models.coupons import CampaignStatus
from siyu.customers.models import Customer


class Lottery(models.Model):
    name = models.CharField(_("name"), max_length=100)
    status = models.CharField(
        max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    draws_per_day = models.PositiveIntegerField(default=1)
    draws_total = models.PositiveIntegerField(default=3)
    # Kept secret while the lottery runs; its SHA-256 is published with the odds, and the
    # seed is handed to an auditor, who replays every draw from it (lottery.replay_draws).
    seed = models.CharField(max_length=64, blank=True, default="")
    seed_sha256 = models.CharField(max_length=64, blank=True, default="")
    published_odds = models.JSONField(default=list, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    draws_made = models.PositiveIntegerField(default=0)
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.name


class Prize(models.Model):
    lottery = models.ForeignKey(Lottery, on_delete=models.CASCADE, related_name="prizes")
    name = models.CharField(_("name"), max_length=100)
    value_fen = models.BigIntegerField(default=0)
    weight = models.PositiveIntegerField(default=0)
    stock = models.PositiveIntegerField(default=0)
    awarded = models.PositiveIntegerField(default=0)
    # Given when the drawn prize is out of stock (unlimited; weight is ignored).
    is_consolation = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(is_consolation=True) | Q(awarded__lte=F("stock")),
                name="prize_awarded_le_stock",
            ),
        ]


class DrawAllowance(models.Model):
    lottery = models.ForeignKey(Lottery, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    drawn = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["lottery", "customer"], name="draw_allowance_once")
        ]


class Draw(models.Model):
    """The draw log: one row per draw, numbered; replayable from the seed."""

    lottery = models.ForeignKey(Lottery, on_delete=models.CASCADE, related_name="draws")
    seq = models.PositiveIntegerField()
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    roll = models.BigIntegerField()
    picked = models.ForeignKey(Prize, null=True, on_delete=models.CASCADE, related_name="+")
    prize = models.ForeignKey(Prize, null=True, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["lottery", "seq"], name="draw_seq_once")]
