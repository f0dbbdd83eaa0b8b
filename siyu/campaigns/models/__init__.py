"""Promotions: coupons, lottery, group buy, flash sale, price rules.

Every limited counter here (stock, per-person allowances, seats, prize stock) is one
conditional UPDATE or a CHECK constraint in the database, never a count in Python.
"""

from siyu.campaigns.models.coupons import (
    CampaignStatus,
    Coupon,
    CouponAllowance,
    CouponCode,
    CouponKind,
    HoldoutMember,
    IssuedCoupon,
    IssuedStatus,
    Redemption,
    Stacking,
)
from siyu.campaigns.models.groupbuy import (
    BuyGroup,
    GroupBuyDeal,
    GroupSeat,
    GroupStatus,
    SeatStatus,
)
from siyu.campaigns.models.lottery import Draw, DrawAllowance, Lottery, Prize
from siyu.campaigns.models.periods import CouponPeriodClaim, LotteryDayDraws, SkuPrice
from siyu.campaigns.models.sales import (
    Bundle,
    FlashAllowance,
    FlashOrder,
    FlashOrderStatus,
    FlashSale,
    PriceWindow,
    WindowKind,
)

__all__ = [
    "Bundle",
    "BuyGroup",
    "CampaignStatus",
    "Coupon",
    "CouponAllowance",
    "CouponCode",
    "CouponKind",
    "CouponPeriodClaim",
    "Draw",
    "DrawAllowance",
    "FlashAllowance",
    "FlashOrder",
    "FlashOrderStatus",
    "FlashSale",
    "GroupBuyDeal",
    "GroupSeat",
    "GroupStatus",
    "HoldoutMember",
    "IssuedCoupon",
    "IssuedStatus",
    "Lottery",
    "LotteryDayDraws",
    "PriceWindow",
    "Prize",
    "Redemption",
    "SeatStatus",
    "SkuPrice",
    "Stacking",
    "WindowKind",
]
