"""What a set of coupons takes off an order, in one defined order. Pure: no database.

Order of application (each step sees the amount the steps before it left):

1. 满减 thresholds (the highest tier the amount reaches),
2. fixed amounts,
3. percent off, capped,
4. free shipping (the shipping fee, never goods),
5. gifts (a SKU added, no money).

A coupon's minimum spend is checked against the amount left when its turn comes, so a
满减 coupon can make a later coupon's threshold unreachable, never the other way round.
An exclusive coupon is used alone; at most one coupon of each kind per order. The payable
amount never goes below zero and discounts never exceed the goods.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from siyu.campaigns.models import Coupon, CouponKind, Stacking

APPLICATION_ORDER = (
    CouponKind.THRESHOLD,
    CouponKind.FIXED,
    CouponKind.PERCENT,
    CouponKind.FREE_SHIPPING,
    CouponKind.GIFT,
)


@dataclass(frozen=True)
class Offer:
    key: int
    kind: str
    stacking: str = Stacking.COMBINABLE
    amount_fen: int = 0
    percent_off: int = 0
    cap_fen: int | None = None
    tiers: tuple[tuple[int, int], ...] = ()
    min_spend_fen: int = 0
    gift_sku: str = ""

    @classmethod
    def of(cls, coupon: Coupon) -> Offer:
        return cls(
            key=coupon.pk,
            kind=coupon.kind,
            stacking=coupon.stacking,
            amount_fen=coupon.amount_fen,
            percent_off=coupon.percent_off,
            cap_fen=coupon.cap_fen,
            tiers=tuple((int(t), int(o)) for t, o in coupon.tiers),
            min_spend_fen=coupon.min_spend_fen,
            gift_sku=coupon.gift_sku,
        )


@dataclass(frozen=True)
class Applied:
    key: int
    goods_off_fen: int
    shipping_off_fen: int = 0
    gift_sku: str = ""


@dataclass(frozen=True)
class Quote:
    goods_fen: int
    shipping_fen: int
    applied: tuple[Applied, ...]

    @property
    def discount_fen(self) -> int:
        return sum(a.goods_off_fen + a.shipping_off_fen for a in self.applied)

    @property
    def payable_fen(self) -> int:
        return self.goods_fen + self.shipping_fen - self.discount_fen


class StackingError(ValueError):
    pass


def check_stacking(offers: Sequence[Offer]) -> None:
    if len(offers) > 1 and any(o.stacking == Stacking.EXCLUSIVE for o in offers):
        raise StackingError(_("An exclusive coupon cannot be combined with another coupon."))
    kinds = [o.kind for o in offers]
    if len(set(kinds)) != len(kinds):
        raise StackingError(_("Only one coupon of each kind can be used on an order."))


def tier_off(tiers: Sequence[tuple[int, int]], amount_fen: int) -> int:
    """满减: what the highest threshold reached takes off (0 below the lowest)."""
    reached = [off for threshold, off in tiers if amount_fen >= threshold]
    return max(reached, default=0)


def _goods_off(offer: Offer, left: int) -> int:
    if offer.kind == CouponKind.THRESHOLD:
        return tier_off(offer.tiers, left)
    if offer.kind == CouponKind.FIXED:
        return offer.amount_fen
    if offer.kind == CouponKind.PERCENT:
        off = left * offer.percent_off // 100
        return off if offer.cap_fen is None else min(off, offer.cap_fen)
    return 0


def apply_offers(goods_fen: int, shipping_fen: int, offers: Sequence[Offer]) -> Quote:
    if goods_fen < 0 or shipping_fen < 0:
        raise ValueError("amounts must not be negative")
    check_stacking(offers)
    ordered = sorted(offers, key=lambda o: (APPLICATION_ORDER.index(CouponKind(o.kind)), o.key))
    left, applied = goods_fen, []
    for offer in ordered:
        if left < offer.min_spend_fen:
            continue
        off = min(max(_goods_off(offer, left), 0), left)
        left -= off
        shipping = shipping_fen if offer.kind == CouponKind.FREE_SHIPPING else 0
        gift = offer.gift_sku if offer.kind == CouponKind.GIFT else ""
        applied.append(Applied(offer.key, off, shipping, gift))
    return Quote(goods_fen, shipping_fen, tuple(applied))
