"""The abuse screen a referral passes before its rewards are written (filled in below)."""

from __future__ import annotations

from datetime import datetime

from siyu.referrals.models import Referral


def screen_referral(referral: Referral, at: datetime) -> list[str]:
    """Reason codes for holding the referral for review; [] when it looks clean."""
    return []
