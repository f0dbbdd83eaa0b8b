"""任务宝 / 群裂变: "invite N friends to add us (or join the group) and unlock a gift".

The inviter's progress is their qualified referrals in the programme (the programme's
qualifying event says what counts: a WeCom add, a group join). Reaching the target takes
one gift from the programme's stock with a conditional UPDATE — the CHECK
``gift_given <= gift_stock`` stands behind it — and writes the inviter's one ``TaskGift``
(unique per programme and person) in the same transaction, issuing its coupon or points
there too (``gifts``): a second unlock of the same inviter, or the 101st of 100, takes
nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from siyu.campaigns.person import person_id_of
from siyu.campaigns.refusals import Refused
from siyu.referrals.gifts import fulfil_unlocked
from siyu.referrals.models import Programme, ProgrammeKind, Referral, ReferralStatus, TaskGift

NOT_YET = _("Invite more friends to unlock this gift.")


@dataclass(frozen=True)
class Progress:
    target: int
    qualified: int
    waiting: int  # invited, not yet qualified (or under review)
    unlocked: bool
    gifts_left: int
    gift_status: str | None = None


def progress_of(programme: Programme, customer_id: int) -> Progress:
    person = person_id_of(customer_id)
    mine = Referral.objects.filter(programme=programme, inviter_id=person)
    qualified = mine.filter(status=ReferralStatus.QUALIFIED).count()
    waiting = mine.filter(status__in=[ReferralStatus.ATTRIBUTED, ReferralStatus.REVIEW]).count()
    gifts = TaskGift.objects.filter(programme=programme, customer_id=person)
    status = gifts.values_list("status", flat=True).first()
    return Progress(
        target=programme.task_target,
        qualified=qualified,
        waiting=waiting,
        unlocked=status is not None,
        gifts_left=max(programme.gift_stock - programme.gift_given, 0),
        gift_status=status,
    )


def unlock_gift(programme_id: int, customer_id: int, *, at: datetime) -> TaskGift:
    """The inviter's gift once they reached the target; ``Refused("sold_out")`` when the
    stock is gone, ``Refused("not_yet")`` before the target."""
    person = person_id_of(customer_id)
    found = TaskGift.objects.filter(programme_id=programme_id, customer_id=person).first()
    if found is not None:
        return found
    programme = Programme.objects.get(pk=programme_id)
    if programme.kind != ProgrammeKind.TASK or not programme.task_target:
        raise Refused("not_published")
    qualified = Referral.objects.filter(
        programme=programme, inviter_id=person, status=ReferralStatus.QUALIFIED
    ).count()
    if qualified < programme.task_target:
        raise Refused("not_yet", str(NOT_YET))
    try:
        with transaction.atomic():
            took = Programme.objects.filter(pk=programme_id, gift_given__lt=F("gift_stock")).update(
                gift_given=F("gift_given") + 1
            )
            if not took:
                raise Refused("sold_out")
            gift = TaskGift.objects.create(programme=programme, customer_id=person, created_at=at)
            fulfil_unlocked(gift, programme, at)
            return gift
    except IntegrityError:
        # The same inviter unlocking twice at once: the stock taken here is rolled back.
        return TaskGift.objects.get(programme_id=programme_id, customer_id=person)


def maybe_unlock(programme: Programme, inviter_id: int, at: datetime) -> TaskGift | None:
    """After a qualification: the gift if the target is reached and stock is left."""
    if programme.kind != ProgrammeKind.TASK:
        return None
    try:
        return unlock_gift(programme.pk, inviter_id, at=at)
    except Refused:
        return None
