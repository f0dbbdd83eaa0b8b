"""山茶咖啡's loyalty program: three tiers, the earning rules, a paid plan, the points mall,
and 赵蕾's ledger (her orders earn through the same verb the change feed calls; the
worker's feed consumer awards everyone else's orders when the demo runs). Her shares earn
nothing on purpose: rewarding sharing is what WeChat forbids (诱导分享)."""

from __future__ import annotations

from datetime import datetime, timedelta

from siyu.customers.models import Customer, CustomerStatus, Order
from siyu.loyalty.checkin import check_in
from siyu.loyalty.expire import activate_points, expire_points
from siyu.loyalty.feed import handle_order
from siyu.loyalty.models import (
    DeliveryStatus,
    EarningRule,
    ItemKind,
    MallItem,
    PaidPlan,
    Program,
    RuleKind,
    Status,
    Tier,
)
from siyu.loyalty.program import create_config, set_config_status
from siyu.loyalty.redeem import redeem_item, set_delivery
from siyu.loyalty.tiers import evaluate_tier

TIERS = (
    Tier(name="银卡", rank=1, threshold=0),
    Tier(name="金卡", rank=2, threshold=3000, discount_percent=95, points_multiplier=125,
         free_shipping=True, birthday_multiplier=150),
    Tier(name="黑卡", rank=3, threshold=10000, discount_percent=90, points_multiplier=150,
         free_shipping=True, priority_purchase=True, exclusive_service=True,
         birthday_multiplier=200),
)  # fmt: skip


def _rules() -> list[EarningRule]:
    return [
        EarningRule(name="消费积分", kind=RuleKind.PURCHASE, points_per_yuan=1,
                    category_multipliers={"咖啡豆": 200}, pending_days=7, valid_days=365),
        EarningRule(name="每日签到", kind=RuleKind.CHECKIN, points=5,
                    streak_rewards={"7": 30, "30": 200}, valid_days=180),
        EarningRule(name="晒单评价", kind=RuleKind.TASK, points=20, task_event="review_posted",
                    limit_per_day=1, limit_per_period=4, valid_days=365),
        EarningRule(name="生日礼", kind=RuleKind.BIRTHDAY, points=100, valid_days=90),
    ]  # fmt: skip


def _publish(rows: list[EarningRule] | list[Tier] | list[PaidPlan] | list[MallItem]) -> None:
    for row in rows:
        set_config_status(create_config(row), Status.ACTIVE)


def build_loyalty(now: datetime) -> None:
    if Tier.objects.exists():
        return
    Program.objects.update_or_create(pk=1, defaults={"window_days": 365, "grace_days": 30})
    _publish([Tier(**{f: getattr(t, f) for f in _TIER_FIELDS}) for t in TIERS])
    _publish(_rules())
    _publish([PaidPlan(name="山茶会员年卡", sku="PLUS-YEAR", term_days=365, price_fen=19900,
                       discount_percent=90, free_shipping=True, points_multiplier=200)])  # fmt: skip
    _publish([
        MallItem(name="山茶马克杯", kind=ItemKind.GOODS, points_cost=1200, stock=50,
                 per_customer_limit=2),
        MallItem(name="经典挂耳 10 包", kind=ItemKind.GOODS, points_cost=600, stock=200),
        MallItem(name="满 200 减 30 券", kind=ItemKind.COUPON, points_cost=800, stock=500,
                 coupon_ref="MANJIAN-200-30"),
    ])  # fmt: skip
    zhao = Customer.objects.filter(display_name="赵蕾", status=CustomerStatus.ACTIVE).first()
    if zhao is not None:
        zhaos_ledger(zhao, now)


_TIER_FIELDS = ("name", "rank", "threshold", "discount_percent", "points_multiplier",
                "free_shipping", "priority_purchase", "exclusive_service",
                "birthday_multiplier")  # fmt: skip


def zhaos_ledger(zhao: Customer, now: datetime) -> None:
    """Her orders earn (bean lines double), a week of check-ins, a mug from the mall."""
    for order_id in (
        Order.objects.filter(customer=zhao).order_by("paid_at").values_list("pk", flat=True)
    ):
        handle_order(order_id)
    activate_points(now)
    expire_points(now)
    evaluate_tier(zhao.pk, at=now)
    for days in range(6, -1, -1):
        check_in(zhao.pk, at=now - timedelta(days=days))
    mug = MallItem.objects.get(name="山茶马克杯")
    row = redeem_item(zhao.pk, mug.pk, key="demo-zhao-mug", at=now)
    set_delivery(row.pk, DeliveryStatus.SHIPPED, tracking_no="SF1402226688")
