from __future__ import annotations

from datetime import datetime

import pytest

from siyu.customers.autotag import check_rule, recompute_rule_tag
from siyu.customers.events import record_event
from siyu.customers.models import Customer, CustomerTag, TagKind, TagSource
from siyu.customers.orders import OrderInput, RefundInput, import_order
from siyu.customers.tagging import add_tag, ensure_tag
from siyu.customers.tests.factories import at, make_customer

NOW = at(2026, 11, 17)


def buy(c: Customer, no: str, fen: int, when: datetime | None = None, refund: int = 0) -> None:
    refunds = (RefundInput(f"R{no}", refund, at(2026, 11, 1)),) if refund else ()
    import_order(
        c, OrderInput("miniprogram", no, when or at(2026, 10, 1), fen, fen, refunds=refunds)
    )


@pytest.mark.django_db
def test_repeat_buyer_tag_follows_behaviour_and_leaves_manual_tags_alone() -> None:
    frequent, once, manual = make_customer("oF"), make_customer("oO"), make_customer("oM")
    for i in range(3):
        buy(frequent, f"F{i}", 3000)
    buy(once, "O1", 3000)
    tag = ensure_tag(
        "行为",
        "复购3次+",
        kind=TagKind.RULE,
        rule={"metric": "order_count", "op": ">=", "value": 3, "window_days": 90},
    )
    add_tag(manual, tag, source=TagSource.MANUAL)

    assert recompute_rule_tag(tag, NOW) == (1, 0)
    holders = set(CustomerTag.objects.filter(tag=tag).values_list("customer_id", "source"))
    assert holders == {(frequent.pk, "rule"), (manual.pk, "manual")}

    buy(once, "O2", 3000)
    buy(once, "O3", 3000)
    assert recompute_rule_tag(tag, NOW) == (1, 0)
    # Orders older than the window stop counting: everyone drops out 90 days later.
    assert recompute_rule_tag(tag, at(2027, 3, 1)) == (0, 2)
    assert CustomerTag.objects.filter(tag=tag, customer=manual).exists()


@pytest.mark.django_db
def test_spend_rule_uses_paid_amount_net_of_refunds() -> None:
    big, refunded = make_customer("oB"), make_customer("oR")
    buy(big, "B1", 60000)
    buy(refunded, "R1", 60000, refund=30000)
    tag = ensure_tag(
        "价值",
        "高消费",
        kind=TagKind.RULE,
        rule={"metric": "paid_fen_total", "op": ">=", "value": 50000},
    )
    recompute_rule_tag(tag, NOW)
    assert list(CustomerTag.objects.filter(tag=tag).values_list("customer_id", flat=True)) == [
        big.pk
    ]


@pytest.mark.django_db
def test_dormant_and_event_rules() -> None:
    dormant, recent = make_customer("oD"), make_customer("oN")
    buy(dormant, "D1", 1000, when=at(2026, 5, 1))
    buy(recent, "N1", 1000, when=at(2026, 11, 10))
    record_event(recent, type="coupon_claim", occurred_at=at(2026, 11, 11), idempotency_key="c1")
    sleeping = ensure_tag(
        "生命周期",
        "沉睡60天",
        kind=TagKind.RULE,
        rule={"metric": "days_since_last_order", "op": ">=", "value": 60},
    )
    hunter = ensure_tag(
        "行为",
        "领券",
        kind=TagKind.RULE,
        rule={
            "metric": "event_count",
            "op": ">=",
            "value": 1,
            "event_type": "coupon_claim",
            "window_days": 30,
        },
    )
    recompute_rule_tag(sleeping, NOW)
    recompute_rule_tag(hunter, NOW)
    assert list(CustomerTag.objects.filter(tag=sleeping).values_list("customer_id", flat=True)) == [
        dormant.pk
    ]
    assert list(CustomerTag.objects.filter(tag=hunter).values_list("customer_id", flat=True)) == [
        recent.pk
    ]


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"metric": "age", "op": ">=", "value": 1}, "metric must be"),
        ({"metric": "order_count", "op": "~", "value": 1}, "op must be"),
        ({"metric": "order_count", "op": ">=", "value": "3"}, "integer"),
        ({"metric": "event_count", "op": ">=", "value": 1}, "event_type"),
        ({"metric": "order_count", "op": ">=", "value": 1, "window_days": 0}, "window_days"),
    ],
)
def test_bad_rules_are_refused_with_a_reason(rule: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_rule(rule)
