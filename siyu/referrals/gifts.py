"""How a 任务宝 gift reaches the inviter once unlocked.

A programme's gift is a coupon and/or points, issued in the unlock's own transaction, each
idempotent by a key naming the gift (an unlock run twice issues once); or, with neither, a
physical gift that staff hand over in store or ship, marked in the console with a note (a
tracking number, the store). A coupon the campaign refuses (sold out, ended) leaves the gift
waiting with the refusal's code, so staff see it and hand something over instead."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from siyu.campaigns.claim import claim_coupon
from siyu.campaigns.refusals import Refused
from siyu.loyalty.ledger import Award, award_points
from siyu.referrals.models import GiftStatus, Programme, TaskGift

ALREADY = _("This gift was already handed over or issued.")


class GiftError(ValueError):
    pass


def fulfil_unlocked(gift: TaskGift, programme: Programme, at: datetime) -> None:
    """Issue what can be issued, in the caller's transaction."""
    if not programme.gift_points and programme.gift_coupon_id is None:
        return  # a physical gift: staff hand it over
    if programme.gift_points:
        award_points(
            gift.customer_id,
            Award(
                rule="referral_gift", source="referral", source_id=f"gift:{gift.pk}",
                points=programme.gift_points, reason=programme.gift_name or programme.name,
            ),
            at=at,
        )  # fmt: skip
    if programme.gift_coupon_id is not None:
        try:
            with transaction.atomic():
                claim_coupon(
                    programme.gift_coupon_id, gift.customer_id, source="referral",
                    issue_key=f"referral-gift:{gift.pk}", now=at,
                )  # fmt: skip
        except Refused as refused:
            TaskGift.objects.filter(pk=gift.pk).update(reason=refused.code[:40])
            gift.reason = refused.code[:40]
            return
    TaskGift.objects.filter(pk=gift.pk).update(status=GiftStatus.ISSUED, fulfilled_at=at)
    gift.status, gift.fulfilled_at = GiftStatus.ISSUED, at


def hand_over(gift_id: int, *, staff_id: int | None, note: str, at: datetime) -> None:
    """Mark a waiting gift handed over; only the first mark counts."""
    done = TaskGift.objects.filter(pk=gift_id, status=GiftStatus.AWAITING).update(
        status=GiftStatus.HANDED_OVER, fulfilled_at=at, fulfilled_by_id=staff_id,
        note=note.strip()[:200],
    )  # fmt: skip
    if not done:
        raise GiftError(str(ALREADY))
