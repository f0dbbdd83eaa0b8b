"""The review queue: referrals held with their reasons, decided by a person. While a case
is open its rewards are held (status ``review``, never paid); approving puts them back
into the hold (paid when it ends) and counts the referral towards the inviter's
milestones and 任务宝 gift, rejecting refuses them."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Greatest
from django.utils import timezone

from siyu.referrals.models import (
    CaseStatus,
    Referral,
    ReferralCode,
    ReferralStatus,
    ReviewCase,
    Reward,
    RewardStatus,
)
from siyu.referrals.qualify import inviter_progress


class CaseClosed(ValueError):
    pass


@transaction.atomic
def hold_for_review(referral_id: int, reasons: list[str], *, at: datetime | None = None) -> bool:
    """Hold a referral found later (the ring sweep): its unpaid rewards stop, a case opens
    (or gains the reasons). False when there was nothing left to hold."""
    now = at or timezone.now()
    referral = Referral.objects.select_for_update().get(pk=referral_id)
    if referral.status == ReferralStatus.REJECTED:
        return False
    held = Reward.objects.filter(referral=referral, status=RewardStatus.HELD).update(
        status=RewardStatus.REVIEW
    )
    case, created = ReviewCase.objects.get_or_create(
        referral=referral, defaults={"reasons": reasons, "created_at": now}
    )
    if not created:
        if case.status != CaseStatus.OPEN and not held:
            return False
        case.reasons = sorted(set(case.reasons) | set(reasons))
        case.status = CaseStatus.OPEN
        case.save(update_fields=["reasons", "status"])
    if referral.status == ReferralStatus.QUALIFIED:
        Referral.objects.filter(pk=referral.pk).update(status=ReferralStatus.REVIEW)
    return True


@transaction.atomic
def decide_case(
    case_id: int, *, approve: bool, staff_id: int | None, at: datetime | None = None
) -> ReviewCase:
    now = at or timezone.now()
    case = ReviewCase.objects.select_for_update().get(pk=case_id)
    if case.status != CaseStatus.OPEN:
        raise CaseClosed(case.status)
    case.status = CaseStatus.APPROVED if approve else CaseStatus.REJECTED
    case.decided_by_id, case.decided_at = staff_id, now
    case.save(update_fields=["status", "decided_by", "decided_at"])
    rewards = Reward.objects.filter(referral_id=case.referral_id, status=RewardStatus.REVIEW)
    if approve:
        rewards.update(status=RewardStatus.HELD, release_at=Greatest("release_at", Value(now)))
        Referral.objects.filter(pk=case.referral_id).update(status=ReferralStatus.QUALIFIED)
        referral = Referral.objects.select_related("programme").get(pk=case.referral_id)
        # Lock the inviter's code as qualifying does: milestone counts are exact.
        ReferralCode.objects.select_for_update().filter(pk=referral.code_id).first()
        inviter_progress(referral, now)
    else:
        rewards.update(status=RewardStatus.REFUSED, reason="review")
        Referral.objects.filter(pk=case.referral_id).update(status=ReferralStatus.REJECTED)
    return case


def open_cases() -> list[ReviewCase]:
    return list(ReviewCase.objects.filter(status=CaseStatus.OPEN).order_by("created_at", "pk"))
