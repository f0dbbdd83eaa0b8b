"""The demo's promotions: a 满减 coupon issued by a mass send (with a holdout) and used on
real orders, a lottery after purchase with published odds, a group buy that formed and one
still open. Deterministic: same people, same seed, same draws."""

from __future__ import annotations

from datetime import datetime, timedelta

from siyu.campaigns.checkout import CartLine, confirm_order, reserve_coupons
from siyu.campaigns.groupbuy import join_group, open_group, pay_seat
from siyu.campaigns.journey import issue_coupon
from siyu.campaigns.lottery import draw, publish_lottery
from siyu.campaigns.models import CampaignStatus, GroupBuyDeal, Lottery, Prize, SkuPrice
from siyu.campaigns.publish import CouponSpec, create_coupon, move_campaign
from siyu.campaigns.refusals import Refused
from siyu.customers.models import Customer, CustomerStatus, Order

LOTTERY_SEED = "shancha-demo-lottery-2026"


def _buyers(limit: int) -> list[Customer]:
    people = Customer.objects.filter(status=CustomerStatus.ACTIVE, orders__isnull=False).distinct()
    return list(people.order_by("pk")[:limit])


def _mass_send_coupon(now: datetime, buyers: list[Customer]) -> None:
    spec = CouponSpec(
        name="满200减30 · 双十一回访",
        kind="threshold",
        tiers=((20000, 3000), (50000, 8000)),
        total_limit=500,
        valid_days=30,
        holdout_percent=10,
        trigger="journey",
    )
    coupon = create_coupon(spec, now - timedelta(days=14))
    move_campaign("coupon", coupon.pk, "publish")
    zhao = Customer.objects.filter(display_name="赵蕾", status=CustomerStatus.ACTIVE).first()
    # 赵蕾 may be one of the buyers already: each person gets the coupon once.
    for person in dict.fromkeys([*buyers, *([zhao] if zhao else [])]):
        issued = issue_coupon(coupon.pk, person.pk, step_key=f"demo:mass:{coupon.pk}:{person.pk}")
        order = (
            Order.objects.filter(customer=person, total_fen__gte=20000).order_by("-paid_at").first()
        )
        if issued is None or order is None or person.pk % 3:
            continue
        # Checkout prices the cart from the shop's list prices: the order's lines.
        lines = list(order.lines.all())
        for line in lines:
            SkuPrice.objects.get_or_create(
                sku=line.sku, defaults={"list_price_fen": line.unit_price_fen}
            )
        reserve_coupons(
            person.pk, [issued.pk], platform=order.platform, order_no=order.order_no,
            lines=[CartLine(ln.sku, ln.quantity) for ln in lines], now=now - timedelta(days=7),
        )  # fmt: skip
        confirm_order(order, now - timedelta(days=7))


def _lottery(now: datetime, buyers: list[Customer]) -> None:
    lottery = Lottery.objects.create(
        name="买满即抽 · 山茶好礼",
        draws_per_day=1,
        draws_total=3,
        created_at=now - timedelta(days=10),
    )
    Prize.objects.create(lottery=lottery, name="手冲咖啡机", value_fen=299_900, weight=1, stock=2)
    Prize.objects.create(lottery=lottery, name="挂耳礼盒", value_fen=9_900, weight=20, stock=50)
    Prize.objects.create(lottery=lottery, name="5元无门槛券", value_fen=500, is_consolation=True)
    publish_lottery(lottery.pk, now - timedelta(days=10), seed=LOTTERY_SEED)
    for day, person in enumerate(buyers[:24]):
        try:
            draw(lottery.pk, person.pk, now=now - timedelta(days=9 - day % 9))
        except Refused:
            continue


def _group_buy(now: datetime, buyers: list[Customer]) -> None:
    deal = GroupBuyDeal.objects.create(
        name="3人团 · 云南小粒咖啡豆", sku="BEANS-YN-500", price_fen=5900, group_size=3,
        window_minutes=24 * 60, status=CampaignStatus.PUBLISHED, created_at=now - timedelta(days=3),
    )  # fmt: skip
    if len(buyers) < 4:
        return
    opened = now - timedelta(hours=30)
    seat = open_group(
        deal.pk, buyers[0].pk, platform="miniprogram", order_no="GB-DEMO-1", now=opened
    )
    for i, person in enumerate(buyers[1:3], start=2):
        join_group(
            seat.group_id, person.pk, platform="miniprogram", order_no=f"GB-DEMO-{i}", now=opened
        )
    for i in range(1, 4):
        pay_seat("miniprogram", f"GB-DEMO-{i}", opened + timedelta(minutes=10 * i))
    open_group(
        deal.pk,
        buyers[3].pk,
        platform="miniprogram",
        order_no="GB-DEMO-4",
        now=now - timedelta(hours=2),
    )
    pay_seat("miniprogram", "GB-DEMO-4", now - timedelta(hours=2))


def build_campaigns(now: datetime) -> None:
    buyers = _buyers(40)
    _mass_send_coupon(now, buyers)
    _lottery(now, buyers)
    _group_buy(now, buyers)
