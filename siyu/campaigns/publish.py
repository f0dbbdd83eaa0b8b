"""Creating campaigns and moving them through draft → published ⇄ paused → ended."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from siyu.campaigns.lottery import publish_lottery
from siyu.campaigns.models import CampaignStatus, Coupon, CouponKind, GroupBuyDeal, Lottery
from siyu.campaigns.sharing import check_reward_trigger


class CampaignInvalid(ValueError):
    pass


@dataclass(frozen=True)
class CouponSpec:
    name: str
    kind: str
    amount_fen: int = 0
    percent_off: int = 0
    cap_fen: int | None = None
    tiers: tuple[tuple[int, int], ...] = ()
    min_spend_fen: int = 0
    gift_sku: str = ""
    stacking: str = "combinable"
    public_code: str = ""
    total_limit: int | None = None
    per_person_limit: int = 1
    period_limit: int | None = None
    period: str = "day"
    valid_days: int | None = None
    holdout_percent: int = 0
    trigger: str = "claim"


def _check(spec: CouponSpec) -> None:
    check_reward_trigger(spec.trigger)
    if spec.kind == CouponKind.FIXED and spec.amount_fen <= 0:
        raise CampaignInvalid(_("A fixed-amount coupon needs an amount above zero."))
    if spec.kind == CouponKind.PERCENT and not 1 <= spec.percent_off <= 99:
        raise CampaignInvalid(_("Percent off must be between 1 and 99."))
    if spec.kind == CouponKind.THRESHOLD and not spec.tiers:
        raise CampaignInvalid(_("A 满减 coupon needs at least one threshold."))
    if any(off >= threshold for threshold, off in spec.tiers):
        raise CampaignInvalid(_("Each threshold must be larger than what it takes off."))
    if spec.kind == CouponKind.GIFT and not spec.gift_sku:
        raise CampaignInvalid(_("A gift coupon needs the gift's SKU."))
    if not 0 <= spec.holdout_percent <= 50:
        raise CampaignInvalid(_("The holdout is between 0 and 50 percent."))


def create_coupon(spec: CouponSpec, now: datetime | None = None) -> Coupon:
    """A draft coupon; refused (CampaignInvalid, SharingRewardRefused) with the reason."""
    _check(spec)
    return Coupon.objects.create(
        name=spec.name,
        kind=spec.kind,
        amount_fen=spec.amount_fen,
        percent_off=spec.percent_off,
        cap_fen=spec.cap_fen,
        tiers=[list(t) for t in sorted(spec.tiers)],
        min_spend_fen=spec.min_spend_fen,
        gift_sku=spec.gift_sku,
        stacking=spec.stacking,
        public_code=spec.public_code.strip().upper(),
        total_limit=spec.total_limit,
        per_person_limit=spec.per_person_limit,
        period_limit=spec.period_limit,
        period=spec.period,
        valid_days=spec.valid_days,
        holdout_percent=spec.holdout_percent,
        created_at=now or timezone.now(),
    )


MODELS: dict[str, type[Coupon] | type[Lottery] | type[GroupBuyDeal]] = {
    "coupon": Coupon,
    "lottery": Lottery,
    "deal": GroupBuyDeal,
}
MOVES = {
    "publish": ({CampaignStatus.DRAFT, CampaignStatus.PAUSED}, CampaignStatus.PUBLISHED),
    "pause": ({CampaignStatus.PUBLISHED}, CampaignStatus.PAUSED),
    "end": ({CampaignStatus.PUBLISHED, CampaignStatus.PAUSED}, CampaignStatus.ENDED),
}


@transaction.atomic
def move_campaign(kind: str, pk: int, action: str) -> str:
    """Publish, pause or end a campaign; returns its new status. A lottery's first
    publication freezes its odds (lottery.publish_lottery)."""
    model, (before, after) = MODELS[kind], MOVES[action]
    row = model.objects.select_for_update().get(pk=pk)
    if row.status not in before:
        raise CampaignInvalid(_("This campaign cannot be moved from its current status."))
    if isinstance(row, Lottery) and row.published_at is None:
        publish_lottery(row.pk)
        return CampaignStatus.PUBLISHED
    model.objects.filter(pk=pk).update(status=after)
    return after
