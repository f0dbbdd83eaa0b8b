"""签到: one check-in per customer and brand day; a streak counts consecutive days, and a
streak reaching a length the rule names earns that reward once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from siyu.core.clock import local_date
from siyu.loyalty.earn import award_by_rule
from siyu.loyalty.ledger import Award, award_points
from siyu.loyalty.models import CheckIn, EarningRule, RuleKind, Status


@dataclass(frozen=True)
class CheckInResult:
    day: str
    streak: int
    points: int
    already: bool


def check_in(customer_id: int, *, at: datetime | None = None) -> CheckInResult:
    """Check in for today (brand calendar); a second check-in the same day changes
    nothing and says so."""
    now = at or timezone.now()
    today = local_date(now)
    existing = CheckIn.objects.filter(customer_id=customer_id, day=today).first()
    if existing is not None:
        return CheckInResult(today.isoformat(), existing.streak, 0, already=True)
    try:
        with transaction.atomic():
            before = CheckIn.objects.filter(
                customer_id=customer_id, day=today - timedelta(days=1)
            ).first()
            streak = before.streak + 1 if before is not None else 1
            CheckIn.objects.create(customer_id=customer_id, day=today, streak=streak)
            points = _reward(customer_id, today.isoformat(), streak, now)
    except IntegrityError:
        row = CheckIn.objects.get(customer_id=customer_id, day=today)
        return CheckInResult(today.isoformat(), row.streak, 0, already=True)
    return CheckInResult(today.isoformat(), streak, points, already=False)


def _reward(customer_id: int, day: str, streak: int, at: datetime) -> int:
    total = 0
    rules = EarningRule.objects.filter(kind=RuleKind.CHECKIN, status=Status.ACTIVE)
    for rule in rules.order_by("pk"):
        daily = award_by_rule(rule, customer_id, rule.points, source="checkin",
                              source_id=f"{customer_id}:{day}", at=at)  # fmt: skip
        total += daily.points if daily is not None else 0
        bonus = int(rule.streak_rewards.get(str(streak), 0))
        if bonus:
            # The streak bonus passes no daily limit: it is part of the day's check-in.
            extra = Award(
                rule=rule.key, source="streak", source_id=f"{customer_id}:{day}", points=bonus,
                pending_days=rule.pending_days, valid_days=rule.valid_days,
                reason=f"{rule.name} ×{streak}",
            )  # fmt: skip
            total += award_points(customer_id, extra, at=at).points
    return total
