"""Record what a channel cost, for CAC."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from siyu.channels.models import Channel, ChannelSpend


@transaction.atomic
def record_spend(
    channel: Channel, *, period_start: date, period_end: date, amount_fen: int, note: str = ""
) -> ChannelSpend:
    """One amount per channel and period; recording the same period again replaces it
    (a corrected invoice), so re-importing a spend sheet is idempotent."""
    if period_end < period_start:
        raise ValueError("period_end is before period_start")
    if amount_fen < 0:
        raise ValueError("amount_fen must not be negative")
    spend, _ = ChannelSpend.objects.update_or_create(
        channel=channel,
        period_start=period_start,
        period_end=period_end,
        defaults={"amount_fen": amount_fen, "note": note},
    )
    return spend
