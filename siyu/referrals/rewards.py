"""Pay out rewards whose hold has ended, and claw back on refund.

Paying is a conditional UPDATE from ``held`` (the one winner pays) followed, in the same
transaction, by loyalty's award and campaigns' issue, each idempotent by a key naming the
reward: a worker that dies half-way and runs again pays once. A refund inside the hold
cancels the reward before anything was paid; a refund after it takes the points back
(as many as the customer still has) and the coupon when it is still unused (a used one is
recorded as not recoverable)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from siyu.campaigns.claim import claim_coupon
from siyu.campaigns.refusals import Refused
from siyu.campaigns.revoke import Revoke, revoke_issued
from siyu.customers.models import Order
from siyu.loyalty.ledger import Award, InsufficientPoints, award_points, balance, spend_points
from siyu.referrals.models import Programme, Qualifier, Referral, Reward, RewardStatus

CHUNK = 200


def release_due(now: datetime | None = None) -> int:
    """Pay every held reward whose hold has ended, a chunk at a time; returns how many."""
    now = now or timezone.now()
    paid = 0
    while True:
        ids = list(
            Reward.objects.filter(status=RewardStatus.HELD, release_at__lte=now)
            .order_by("release_at", "pk")
            .values_list("pk", flat=True)[:CHUNK]
        )
        if not ids:
            return paid
        paid += sum(pay_reward(pk, now) for pk in ids)


@transaction.atomic
def pay_reward(reward_id: int, now: datetime) -> bool:
    won = Reward.objects.filter(pk=reward_id, status=RewardStatus.HELD).update(
        status=RewardStatus.PAID, paid_at=now
    )
    if not won:
        return False
    reward = Reward.objects.select_related("programme").get(pk=reward_id)
    if reward.points:
        award_points(
            reward.customer_id,
            Award(
                rule="referral",
                source="referral",
                source_id=f"reward:{reward.pk}",
                points=reward.points,
                reason=reward.programme.name,
            ),
            at=now,
        )
    if reward.coupon_id is not None:
        try:
            claim_coupon(
                reward.coupon_id, reward.customer_id, source="referral",
                issue_key=f"referral:{reward.pk}", now=now,
            )  # fmt: skip
        except Refused as refused:
            Reward.objects.filter(pk=reward.pk).update(reason=refused.code)
    return True


def keeps_qualifying(programme: Programme, order: Order) -> bool:
    kept = order.paid_fen - order.refunded_fen
    return kept > 0 and (
        programme.qualifier != Qualifier.FIRST_ORDER or kept >= programme.min_order_fen
    )


def claw_back_order(order_id: int, now: datetime | None = None) -> int:
    """Claw back the rewards of referrals qualified by this order when its refunds take it
    below the programme's threshold; returns how many rewards."""
    now = now or timezone.now()
    order = Order.objects.filter(pk=order_id).first()
    if order is None:
        return 0
    done = 0
    for referral in Referral.objects.filter(order_id=order_id).select_related("programme"):
        if keeps_qualifying(referral.programme, order):
            continue
        for reward_id in referral.rewards.values_list("pk", flat=True):
            done += claw_back(reward_id, now)
    return done


@transaction.atomic
def claw_back(reward_id: int, now: datetime) -> int:
    """1 when this call clawed the reward back, 0 when it was already."""
    unpaid = Reward.objects.filter(
        pk=reward_id, status__in=[RewardStatus.HELD, RewardStatus.REVIEW]
    ).update(status=RewardStatus.CLAWED_BACK, clawed_points=F("points"), reason="refund")
    if unpaid:
        return 1
    reward = Reward.objects.select_for_update().get(pk=reward_id)
    if reward.status != RewardStatus.PAID:
        return 0
    take = min(reward.points, balance(reward.customer_id, now))
    if take > 0:
        try:
            spend_points(reward.customer_id, take, key=f"referral-clawback:{reward.pk}",
                         reason="referral refund", at=now)  # fmt: skip
        except InsufficientPoints:
            take = 0
    coupon = revoke_issued(f"referral:{reward.pk}") if reward.coupon_id is not None else None
    Reward.objects.filter(pk=reward.pk).update(
        status=RewardStatus.CLAWED_BACK, clawed_points=take, reason="refund",
        coupon_clawback="" if coupon in (None, Revoke.NONE) else str(coupon),
    )  # fmt: skip
    return 1
