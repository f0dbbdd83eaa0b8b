"""Record what a channel cost over a period (the input of CAC, ROI and payback)."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from siyu.analytics.models import ChannelSpend


@transaction.atomic
def record_channel_spend(
    channel: str, period_start: date, period_end: date, amount_fen: int
) -> tuple[ChannelSpend, bool]:
    """Idempotent on (channel, period): a repeat with another amount corrects it.
    Returns the row and whether it was created."""
    channel = channel.strip()
    if not channel:
        raise ValueError("channel is required")
    if amount_fen < 0:
        raise ValueError("amount must not be negative")
    if period_end < period_start:
        raise ValueError("the period must not end before it starts")
    return ChannelSpend.objects.update_or_create(
        channel=channel,
        period_start=period_start,
        period_end=period_end,
        defaults={"amount_fen": amount_fen},
    )
