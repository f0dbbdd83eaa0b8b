"""Orders from a repeat-purchase process with heterogeneous customers.

BG/NBD-like: while "alive", a customer buys at their own Poisson rate λ ~ Gamma, and after
each purchase drops out with their own probability p ~ Beta. Basket value varies per
customer (Gamma), so a few customers carry a large share of GMV, as in real shops.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from siyu.demo.catalog import SKUS, STORE_DRINKS, Sku
from siyu.demo.plan import LinePlan, OrderPlan, RefundPlan

# Gamma(r, θ) purchase rate per day: mean r·θ ≈ 8 purchases a year, long right tail.
RATE_SHAPE = 0.9
RATE_SCALE = 8.0 / 365 / 0.9
# Beta(a, b) dropout after each purchase: mean ≈ 0.125.
DROPOUT_A, DROPOUT_B = 1.0, 7.0
# Gamma basket value in fen: mean ≈ ¥110.
BASKET_SHAPE, BASKET_SCALE = 2.5, 11000 / 2.5
REFUND_RATE = 0.05
MAX_ORDERS = 60


@dataclass(frozen=True)
class Buyer:
    """A customer's latent purchase behaviour."""

    rate_per_day: float
    dropout: float
    basket_fen: float


def draw_buyer(rng: random.Random, *, boost: float = 1.0) -> Buyer:
    return Buyer(
        rate_per_day=rng.gammavariate(RATE_SHAPE, RATE_SCALE) * boost,
        dropout=rng.betavariate(DROPOUT_A, DROPOUT_B) / boost,
        basket_fen=rng.gammavariate(BASKET_SHAPE, BASKET_SCALE) * boost,
    )


def purchase_times(
    rng: random.Random, buyer: Buyer, start: datetime, end: datetime
) -> list[datetime]:
    """Purchase moments in [start, end): Poisson arrivals until the customer drops out."""
    times: list[datetime] = []
    t = start
    while len(times) < MAX_ORDERS:
        gap_days = rng.expovariate(buyer.rate_per_day) if buyer.rate_per_day > 0 else 1e9
        # A very slow buyer's next purchase can lie centuries away: stop before timedelta
        # overflows rather than after.
        if gap_days >= (end - t).total_seconds() / 86400:
            break
        t += timedelta(days=gap_days)
        times.append(shop_hours(rng, t))
        if rng.random() < buyer.dropout:
            break
    return times


def shop_hours(rng: random.Random, t: datetime) -> datetime:
    """Move a moment into the day's shopping hours (08:00-22:59 local)."""
    return t.replace(hour=rng.randint(8, 22), minute=rng.randint(0, 59), second=rng.randint(0, 59))


def basket(rng: random.Random, target_fen: float, *, in_store: bool) -> tuple[LinePlan, ...]:
    """Lines whose value lands near ``target_fen``; store visits are mostly drinks."""
    menu = STORE_DRINKS if in_store else SKUS
    chosen: dict[str, int] = {}
    total = 0
    while not chosen or (total < target_fen and len(chosen) < 4):
        sku = rng.choice(menu)
        chosen[sku.sku] = chosen.get(sku.sku, 0) + 1
        total += sku.price_fen
    by_code = {s.sku: s for s in menu}
    return tuple(line_for(by_code[code], qty, rng) for code, qty in sorted(chosen.items()))


def line_for(sku: Sku, quantity: int, rng: random.Random) -> LinePlan:
    gross = sku.price_fen * quantity
    # A third of lines carry a promotion (member price, coupon): 5-20% off, whole fen.
    discount = gross * rng.choice((5, 10, 15, 20)) // 100 if rng.random() < 0.33 else 0
    return LinePlan(sku.sku, sku.name, sku.category, quantity, sku.price_fen, gross - discount)


def make_order(
    rng: random.Random,
    *,
    platform: str,
    order_no: str,
    store: str,
    paid_at: datetime,
    target_fen: float,
    now: datetime,
) -> OrderPlan:
    lines = basket(rng, target_fen * rng.uniform(0.6, 1.4), in_store=platform == "pos")
    order = OrderPlan(platform, order_no, store, paid_at, lines)
    if rng.random() >= REFUND_RATE:
        return order
    refunded_at = min(paid_at + timedelta(days=rng.randint(1, 10)), now)
    # Half the refunds return the whole order, half one line (a damaged kettle, a wrong bean).
    amount = order.paid_fen if rng.random() < 0.5 else rng.choice(lines).paid_fen
    if amount <= 0:
        return order
    return OrderPlan(
        platform,
        order_no,
        store,
        paid_at,
        lines,
        (RefundPlan(f"R{order_no}", amount, refunded_at),),
    )


def lifecycle_stage(arrived_at: datetime, order_times: list[datetime], now: datetime) -> str:
    """Stage from recency: buyers lapse after 60 days and churn after 180; contacts who
    never bought are at risk after 30 days."""
    if not order_times:
        age = (now - arrived_at).days
        return "prospect" if age <= 30 else ("at_risk" if age <= 180 else "churned")
    ordered = sorted(order_times)
    since_last = (now - ordered[-1]).days
    if since_last > 180:
        return "churned"
    if since_last > 60:
        return "at_risk"
    gaps = [(b - a).days for a, b in itertools.pairwise(ordered)]
    if gaps and gaps[-1] > 180:
        return "won_back"
    return "new" if len(ordered) == 1 else "active"


def spending_power(basket_fen: float, order_count: int) -> str:
    yearly = basket_fen * order_count
    if order_count == 0:
        return "unknown"
    if yearly >= 300_000:
        return "premium"
    if yearly >= 100_000:
        return "high"
    return "medium" if yearly >= 30_000 else "low"
