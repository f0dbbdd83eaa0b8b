"""Channel spend, the one table analytics owns. It moves to the channels app when that
exists; until then nothing outside siyu.analytics reads it."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ChannelSpend(models.Model):
    channel = models.CharField(_("channel"), max_length=60)  # a tag name in group "渠道"
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))  # inclusive, as invoices are written
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            # One row per channel and period: recording it again corrects the amount.
            models.UniqueConstraint(
                fields=["channel", "period_start", "period_end"], name="spend_unique_period"
            ),
            models.CheckConstraint(condition=models.Q(amount_fen__gte=0), name="spend_amount_ge_0"),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="spend_period_order",
            ),
        ]
        indexes = [models.Index(fields=["period_start", "period_end"], name="spend_period")]

    def __str__(self) -> str:
        return f"{self.channel} {self.period_start}–{self.period_end}"
