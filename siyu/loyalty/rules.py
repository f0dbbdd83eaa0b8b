"""Earning rules: what a brand may configure, and the limits an award must pass.

WeChat's platform rules forbid rewarding sharing itself (诱导分享: points, draws or coupons
for forwarding or sharing): such a rule is refused with the reason, when it is created and
again when it is published.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from siyu.core import counters
from siyu.core.clock import Period, day_of, month_of, week_of
from siyu.loyalty.models import EarningRule, LimitPeriod, RuleKind, Status

# Event types and words that name sharing; a task on any of them rewards sharing itself.
SHARE_EVENTS = {"referral_shared", "share", "shared", "forward", "forwarded"}
SHARE_WORDS = ("share", "forward", "分享", "转发")


class RuleRefused(ValueError):
    """A rule the platform rules or the program do not allow; the message says why."""


def check_rule(rule: EarningRule) -> None:
    """Raise ``RuleRefused`` with the reason when ``rule`` may not run."""
    if rule.kind not in RuleKind.values:
        if any(word in rule.kind.lower() for word in SHARE_WORDS):
            raise RuleRefused(_share_reason())
        raise RuleRefused(_("Unknown kind of rule."))
    event = rule.task_event.strip().lower()
    if rule.kind == RuleKind.TASK:
        if not event:
            raise RuleRefused(_("A task rule needs the event that completes the task."))
        if event in SHARE_EVENTS or any(word in event for word in SHARE_WORDS):
            raise RuleRefused(_share_reason())
    if rule.kind == RuleKind.PURCHASE and rule.points_per_yuan == 0:
        raise RuleRefused(_("A purchase rule needs points per yuan."))
    if rule.kind != RuleKind.PURCHASE and rule.points == 0:
        raise RuleRefused(_("The rule needs a number of points."))
    for value in [*rule.category_multipliers.values(), *rule.streak_rewards.values()]:
        if not isinstance(value, int) or value < 0:
            raise RuleRefused(_("Multipliers and streak rewards are whole numbers."))


def _share_reason() -> str:
    return _(
        "WeChat's platform rules forbid rewarding sharing (诱导分享): points, draws or "
        "coupons may reward a purchase, a check-in or a task, never the share itself."
    )


@transaction.atomic
def set_rule_status(rule: EarningRule, status: Status) -> EarningRule:
    """Publish or pause; publishing checks the rule again."""
    if status == Status.ACTIVE:
        check_rule(rule)
    rule.status = status
    rule.save(update_fields=["status", "updated_at"])
    return rule


def _period(rule: EarningRule, at: datetime) -> Period:
    if rule.limit_period == LimitPeriod.DAY:
        return day_of(at)
    if rule.limit_period == LimitPeriod.WEEK:
        return week_of(at)
    return month_of(at)


def take_limits(rule: EarningRule, customer_id: int, at: datetime) -> bool:
    """Count one award of ``rule`` to the customer against its limits (atomically, in the
    database); False when a limit is reached. Call inside the award's transaction, so a
    failed award gives the count back."""
    base = f"loyalty:{rule.pk}:{customer_id}"
    if rule.limit_per_day and not counters.take(f"{base}:day", day_of(at), rule.limit_per_day):
        return False
    if rule.limit_per_period:
        window = _period(rule, at)
        if not counters.take(f"{base}:{rule.limit_period}", window, rule.limit_per_period):
            return False
    return True
