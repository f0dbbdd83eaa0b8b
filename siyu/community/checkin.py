"""群打卡: a member checks in for her group from the member centre. The day's streak and
its rewards are loyalty's check-in (one per customer and brand day, whichever group she
checks in from); the group keeps its own record of who checked in on which day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from siyu.community.models import GroupCheckIn
from siyu.groups.models import GroupChat, GroupMember
from siyu.loyalty.checkin import check_in


class CheckInRefused(ValueError):
    pass


@dataclass(frozen=True)
class GroupCheckInResult:
    day: str
    streak: int
    points: int
    already: bool
    group_today: int  # members of this group who checked in today


def group_check_in(
    customer_id: int, chat: GroupChat, *, at: datetime | None = None
) -> GroupCheckInResult:
    now = at or timezone.now()
    member = GroupMember.objects.filter(chat=chat, customer_id=customer_id, left_at__isnull=True)
    if not member.exists():
        raise CheckInRefused(_("Only members of this group can check in to it."))
    result = check_in(customer_id, at=now)
    day = datetime.fromisoformat(result.day).date()
    already = True
    try:
        with transaction.atomic():
            GroupCheckIn.objects.create(
                chat=chat, customer_id=customer_id, day=day, streak=result.streak,
                points=result.points, created_at=now,
            )  # fmt: skip
            already = False
    except IntegrityError:
        pass  # checked in to this group today already
    today = GroupCheckIn.objects.filter(chat=chat, day=day).count()
    return GroupCheckInResult(result.day, result.streak, result.points, already, today)
