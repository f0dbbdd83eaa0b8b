"""Durable timers of campaigns, claimed in batches by their indexed due time: lapsed coupon
reservations, coupons past their validity, unpaid flash-sale orders, group-buy deadlines."""

from __future__ import annotations

from siyu.campaigns.checkout import release_lapsed
from siyu.campaigns.expire import expire_coupons
from siyu.campaigns.flash import lapse_unpaid
from siyu.campaigns.groupbuy import settle_due


def poll_timers() -> int:
    return release_lapsed() + expire_coupons() + lapse_unpaid() + settle_due()
