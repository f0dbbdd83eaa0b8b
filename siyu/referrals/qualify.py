"""A referral qualifies once: the conditional UPDATE from ``attributed`` is the one
winner, however many deliveries of the qualifying event (the feed is at least once) or
workers run at the same time; its rewards are written in the same transaction under
unique keys. Rewards wait out the hold (the refund window) before they are paid; a
referral the abuse screen doubts has its rewards held under review instead."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction

from siyu.referrals.abuse import screen_referral
from siyu.referrals.fission import maybe_unlock
from siyu.referrals.models import (
    Programme,
    Referral,
    ReferralCode,
    ReferralStatus,
    ReviewCase,
    Reward,
    RewardRole,
    RewardStatus,
)


@transaction.atomic
def qualify_referral(
    referral_id: int, *, by: str, at: datetime, order_id: int | None = None
) -> list[Reward]:
    """Qualify the referral and write its rewards; [] when it had qualified (or was
    rejected) already."""
    referral = Referral.objects.select_related("programme").get(pk=referral_id)
    if referral.status != ReferralStatus.ATTRIBUTED:
        return []
    # One inviter's qualifications run one at a time, so milestone counts are exact.
    ReferralCode.objects.select_for_update().filter(pk=referral.code_id).first()
    reasons = screen_referral(referral, at)
    status = ReferralStatus.REVIEW if reasons else ReferralStatus.QUALIFIED
    won = Referral.objects.filter(pk=referral.pk, status=ReferralStatus.ATTRIBUTED).update(
        status=status, qualified_by=by[:40], qualified_at=at, order_id=order_id
    )
    if not won:
        return []
    referral.status, referral.qualified_at = status, at
    if reasons:
        ReviewCase.objects.create(referral=referral, reasons=reasons, created_at=at)
    rewards = _referral_rewards(referral, at)
    if not reasons:
        rewards += inviter_progress(referral, at)
    return rewards


def inviter_progress(referral: Referral, at: datetime) -> list[Reward]:
    """The inviter's milestones and 任务宝 gift, counted again now that this referral
    qualified (at once, or when a person approved it from the review queue). The caller
    holds the inviter's code row, so the counts are exact."""
    if referral.inviter_id is None:
        return []
    rewards = _milestones(referral.programme, referral.inviter_id, at)
    maybe_unlock(referral.programme, referral.inviter_id, at)
    return rewards


def _held(at: datetime, programme: Programme) -> datetime:
    return at + timedelta(days=programme.hold_days)


def _reward(programme: Programme, referral: Referral | None, **fields: object) -> Reward | None:
    try:
        with transaction.atomic():
            return Reward.objects.create(programme=programme, referral=referral, **fields)
    except IntegrityError:
        return None  # written already (a second delivery): once per key


def _referral_rewards(referral: Referral, at: datetime) -> list[Reward]:
    programme = referral.programme
    status = RewardStatus.REVIEW if referral.status == ReferralStatus.REVIEW else RewardStatus.HELD
    sides = [(RewardRole.INVITEE, referral.invitee_id, programme.invitee_points,
              programme.invitee_coupon_id)]  # fmt: skip
    if referral.inviter_id is not None:
        sides.append((RewardRole.INVITER, referral.inviter_id, programme.inviter_points,
                      programme.inviter_coupon_id))  # fmt: skip
    out = []
    for role, customer_id, points, coupon_id in sides:
        if not points and coupon_id is None:
            continue
        reward = _reward(
            programme, referral, customer_id=customer_id, role=role,
            key=f"ref:{referral.pk}:{role}", points=points, coupon_id=coupon_id,
            status=status, release_at=_held(at, programme), created_at=at,
        )  # fmt: skip
        if reward is not None:
            out.append(reward)
    return out


def qualified_count(programme_id: int, inviter_id: int) -> int:
    return Referral.objects.filter(
        programme_id=programme_id, inviter_id=inviter_id, status=ReferralStatus.QUALIFIED
    ).count()


def _milestones(programme: Programme, inviter_id: int, at: datetime) -> list[Reward]:
    count = qualified_count(programme.pk, inviter_id)
    out = []
    for step in programme.milestones:
        friends, points = int(step.get("friends", 0)), int(step.get("points", 0))
        if friends <= 0 or count < friends or (points <= 0 and not step.get("coupon_id")):
            continue
        reward = _reward(
            programme, None, customer_id=inviter_id, role=RewardRole.MILESTONE,
            key=f"ms:{programme.pk}:{inviter_id}:{friends}", points=max(points, 0),
            coupon_id=step.get("coupon_id"), status=RewardStatus.HELD,
            release_at=_held(at, programme), created_at=at,
        )  # fmt: skip
        if reward is not None:
            out.append(reward)
    return out
