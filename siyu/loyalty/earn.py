"""Earning verbs: purchase, task, birthday. Each award passes its rule's limits and is
idempotent per (rule, source, source id). Check-in lives in ``checkin.py``."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from siyu.core.clock import local_date
from siyu.customers.models import Customer, Order
from siyu.loyalty.ledger import Award, _insert_award, award_exists, award_points
from siyu.loyalty.models import EarningRule, PointsBucket, RuleKind, Status
from siyu.loyalty.perks import birthday_multiplier, points_multiplier
from siyu.loyalty.rules import take_limits

CHUNK = 500


def award_by_rule(
    rule: EarningRule,
    customer_id: int,
    points: int,
    *,
    source: str,
    source_id: str,
    at: datetime,
    basis_fen: int = 0,
    reason: str = "",
) -> PointsBucket | None:
    """Award under ``rule`` if it is published and within its limits; None when not."""
    award = Award(
        rule=rule.key, source=source, source_id=source_id, points=points,
        pending_days=rule.pending_days, valid_days=rule.valid_days, basis_fen=basis_fen,
        reason=reason or rule.name,
    )  # fmt: skip
    if points <= 0 or rule.status != Status.ACTIVE:
        return None
    if award_exists(award):
        return award_points(customer_id, award, at=at)
    try:
        with transaction.atomic():
            if not take_limits(rule, customer_id, at):
                return None
            return _insert_award(customer_id, award, at)
    except IntegrityError:
        # A concurrent delivery won: its award stands, and our limit count rolled back.
        return award_points(customer_id, award, at=at)


def purchase_points(rule: EarningRule, order: Order, multiplier: int) -> int:
    """Points per 元 paid, each line times its category's multiplier (percent), all
    times the customer's multiplier (percent). Integer arithmetic, rounded down once."""
    lines = list(order.lines.all())
    cat = rule.category_multipliers
    if lines:
        weighted = sum(ln.paid_fen * int(cat.get(ln.category, 100)) for ln in lines)
    else:
        weighted = order.paid_fen * 100
    return weighted * rule.points_per_yuan * multiplier // (100 * 100 * 100)


def award_purchase(order: Order, *, at: datetime | None = None) -> list[PointsBucket]:
    """Award every published purchase rule for ``order`` (idempotent). The points date
    from the payment (``at`` defaults to it): an order imported late earns what it would
    have earned then, with the same pending period, expiry and daily limits."""
    now = at or order.paid_at
    rules = EarningRule.objects.filter(kind=RuleKind.PURCHASE, status=Status.ACTIVE)
    multiplier = points_multiplier(order.customer_id, order.paid_at)
    done = []
    for rule in rules.order_by("pk"):
        points = purchase_points(rule, order, multiplier)
        bucket = award_by_rule(
            rule, order.customer_id, points, source="order", source_id=str(order.pk), at=now,
            basis_fen=order.paid_fen,
        )  # fmt: skip
        if bucket is not None:
            done.append(bucket)
    return done


def award_task(customer_id: int, event_type: str, event_id: int, at: datetime) -> int:
    """Award the published task rules completed by an event; returns how many."""
    rules = EarningRule.objects.filter(kind=RuleKind.TASK, status=Status.ACTIVE)
    done = 0
    for rule in rules.filter(task_event=event_type).order_by("pk"):
        source_id = str(event_id)
        done += award_by_rule(rule, customer_id, rule.points, source="event", source_id=source_id,
                              at=at) is not None  # fmt: skip
    return done


def award_birthdays(at: datetime | None = None) -> int:
    """Once a year, in the birthday month (brand calendar), to every customer with a
    birthday; the tier's birthday multiplier applies. Idempotent (source id: the year)."""
    now = at or timezone.now()
    today = local_date(now)
    rules = list(EarningRule.objects.filter(kind=RuleKind.BIRTHDAY, status=Status.ACTIVE))
    if not rules:
        return 0
    done, after = 0, 0
    people = Customer.objects.filter(birthday__month=today.month, merged_into__isnull=True)
    while True:
        ids = list(people.filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)[:CHUNK])
        if not ids:
            return done
        for customer_id in ids:
            factor = birthday_multiplier(customer_id, now)
            for rule in rules:
                source_id = f"{today.year}:{customer_id}"
                if PointsBucket.objects.filter(rule=rule.key, source="birthday",
                                               source_id=source_id).exists():  # fmt: skip
                    continue
                points = rule.points * factor // 100
                done += award_by_rule(rule, customer_id, points, source="birthday",
                                      source_id=source_id, at=now) is not None  # fmt: skip
        after = ids[-1]
