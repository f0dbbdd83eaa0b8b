"""Earning rules: purchases through the change feed (multiplier by tier and category,
refunds taken back), tasks, birthdays, limits per day and period, and the refusal of a
rule that rewards sharing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from siyu.customers.events import record_event
from siyu.customers.models import Customer
from siyu.customers.orders import OrderInput, OrderLineInput, RefundInput, upsert_order
from siyu.loyalty.earn import award_birthdays, award_by_rule
from siyu.loyalty.feed import poll_changes
from siyu.loyalty.ledger import balance, pending
from siyu.loyalty.models import EarningRule, PointsBucket, RuleKind, Status, Tier, TierStatus
from siyu.loyalty.rules import RuleRefused, check_rule, set_rule_status
from siyu.loyalty.tests.factories import T0, make_person, make_rule

pytestmark = pytest.mark.django_db


def _order(
    no: str, lines: tuple[OrderLineInput, ...], refunds: tuple[RefundInput, ...] = ()
) -> OrderInput:
    paid = sum(ln.paid_fen for ln in lines)
    return OrderInput("miniprogram", no, T0, paid, paid, lines=lines, refunds=refunds)


def _line(paid_fen: int, category: str = "coffee") -> OrderLineInput:
    return OrderLineInput("sku-" + category, category, 1, paid_fen, paid_fen, category=category)


def test_a_purchase_earns_per_yuan_with_category_and_tier_multipliers() -> None:
    lei = make_person()
    make_rule(points_per_yuan=1, category_multipliers={"beans": 200}, pending_days=7)
    gold = Tier.objects.create(name="金卡", rank=2, status=Status.ACTIVE, points_multiplier=150)
    TierStatus.objects.create(customer=lei, tier=gold, since=T0, review_at=T0)
    upsert_order(lei, _order("A1", (_line(10000), _line(5000, "beans"))))
    poll_changes()
    # (100 元 × 100% + 50 元 × 200%) × 150% = 300, pending through the refund window.
    assert pending(lei.pk) == 300
    poll_changes()  # the feed again: nothing twice
    assert PointsBucket.objects.filter(customer=lei).count() == 1


def test_a_refund_through_the_feed_takes_back_its_share() -> None:
    lei = make_person()
    make_rule(points_per_yuan=2)
    upsert_order(lei, _order("A2", (_line(20000),)))
    poll_changes()
    assert balance(lei.pk) == 400
    refund = RefundInput("R1", 5000, T0 + timedelta(days=1))
    upsert_order(lei, _order("A2", (_line(20000),), (refund,)))
    poll_changes()
    assert balance(lei.pk) == 300


def test_a_task_event_earns_once_per_event() -> None:
    lei = make_person()
    make_rule(RuleKind.TASK, task_event="review_posted", points=20)
    record_event(lei, type="review_posted", occurred_at=T0, idempotency_key="rv1")
    record_event(lei, type="page_view", occurred_at=T0, idempotency_key="pv1")
    poll_changes()
    assert balance(lei.pk) == 20


def test_limits_per_day_and_period_hold_per_customer() -> None:
    lei, yue = make_person(), make_person()
    rule = make_rule(RuleKind.TASK, task_event="review_posted", points=5, limit_per_day=2,
                     limit_per_period=3, limit_period="week")  # fmt: skip
    days = [T0, T0, T0, T0 + timedelta(days=1), T0 + timedelta(days=1), T0 + timedelta(days=7)]
    got = [
        award_by_rule(rule, lei.pk, 5, source="event", source_id=f"e{i}", at=at) is not None
        for i, at in enumerate(days)
    ]
    # Two on Monday, the week's third on Tuesday, then the week is full; next Monday opens.
    assert got == [True, True, False, True, False, True]
    assert award_by_rule(rule, yue.pk, 5, source="event", source_id="y1", at=T0) is not None


def test_a_repeated_award_does_not_use_up_a_limit() -> None:
    lei = make_person()
    rule = make_rule(RuleKind.TASK, task_event="x", points=5, limit_per_day=1)
    for _ in range(3):
        award_by_rule(rule, lei.pk, 5, source="event", source_id="same", at=T0)
    assert award_by_rule(rule, lei.pk, 5, source="event", source_id="same", at=T0) is not None


def test_a_rule_that_rewards_sharing_is_refused_with_the_reason() -> None:
    share = EarningRule(
        name="分享得积分", kind=RuleKind.TASK, task_event="referral_shared", points=5
    )
    with pytest.raises(RuleRefused, match="诱导分享"):
        check_rule(share)
    with pytest.raises(RuleRefused, match="诱导分享"):
        check_rule(EarningRule(name="x", kind="share", points=5))
    saved = make_rule(RuleKind.TASK, task_event="moments_forward", points=5, status=Status.DRAFT)
    with pytest.raises(RuleRefused):
        set_rule_status(saved, Status.ACTIVE)
    saved.refresh_from_db()
    assert saved.status == Status.DRAFT
    check_rule(EarningRule(name="评价", kind=RuleKind.TASK, task_event="review_posted", points=5))


def test_birthday_points_come_once_a_year_in_the_birthday_month() -> None:
    lei = make_person()
    Customer.objects.filter(pk=lei.pk).update(birthday=date(1994, 3, 18))
    make_person()  # no birthday
    make_rule(RuleKind.BIRTHDAY, points=100)
    assert award_birthdays(T0) == 1
    assert award_birthdays(T0 + timedelta(days=3)) == 0
    assert award_birthdays(T0 + timedelta(days=40)) == 0  # April: not the month
    assert balance(lei.pk, T0) == 100
