"""Builders for segment tests. Customers are made through the customer verbs."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import count
from typing import Any

from siyu.core.models import Staff
from siyu.customers.consent import record_consent
from siyu.customers.events import record_event
from siyu.customers.identity_rules import IdentityInput
from siyu.customers.models import Customer, Tag
from siyu.customers.orders import OrderInput, OrderLineInput, RefundInput, import_order
from siyu.customers.profiles import upsert_customer
from siyu.customers.tagging import add_tag, ensure_tag
from siyu.demo.brand import Brand

NOW = datetime.fromisoformat("2025-06-15T12:00:00+00:00")
CORP = "wwcorp"
_numbers = count(13600000001)
_orders = count(1)
_events = count(1)

REGIONS = ["上海", "北京", ""]
EVENT_TYPES = ["view", "coupon_used"]
CATEGORIES = ["咖啡豆", "挂耳", "周边"]
CHANNELS = ["抖音", "门店", "小红书"]
WINDOWS = [7, 30, 90, 180]


def make_customer(name: str, *, at: datetime = NOW, **fields: Any) -> Customer:
    phone = str(next(_numbers))
    identities = [IdentityInput("phone", phone)]
    if fields.pop("wecom", False):
        identities.append(IdentityInput("wecom_external_userid", f"wm{phone}", CORP))
    return upsert_customer(
        identities, fields={"display_name": name, **fields}, source="test", at=at
    )


def buy(
    customer: Customer,
    at: datetime,
    paid_fen: int,
    *,
    refund_fen: int = 0,
    category: str = "咖啡豆",
) -> None:
    n = next(_orders)
    refunds = (RefundInput(f"R{n}", refund_fen, at),) if refund_fen else ()
    import_order(
        customer,
        OrderInput(
            platform="miniprogram",
            order_no=f"SEG{n}",
            paid_at=at,
            total_fen=paid_fen,
            paid_fen=paid_fen,
            lines=(OrderLineInput("SKU", "商品", 1, paid_fen, paid_fen, category),),
            refunds=refunds,
        ),
    )


def event(customer: Customer, type: str, at: datetime, **properties: Any) -> None:
    record_event(
        customer,
        type=type,
        occurred_at=at,
        properties=properties,
        source="test",
        idempotency_key=f"seg-test-{next(_events)}",
    )


@dataclass(frozen=True)
class Pools:
    """The ids a random rule may refer to."""

    tag_ids: list[int]
    staff_ids: list[int]
    org_unit_ids: list[int]


def _offset(rng: random.Random) -> timedelta:
    # Some times fall exactly on a window edge (N days ago), where >= and > differ.
    if rng.random() < 0.3:
        return timedelta(days=rng.choice(WINDOWS))
    return timedelta(days=rng.randint(0, 400), seconds=rng.randint(0, 86399))


def _random_fields(rng: random.Random, brand: Brand, staff: list[Staff]) -> dict[str, Any]:
    stores = list(brand.stores.values())
    birthday = date(1990, rng.randint(1, 12), 1) if rng.random() < 0.7 else None
    return {
        "gender": rng.choice(["female", "male", "unknown"]),
        "region": rng.choice(REGIONS),
        "lifecycle_stage": rng.choice(["new", "active", "churned", "at_risk"]),
        "spending_power": rng.choice(["low", "high", "unknown"]),
        "birthday": birthday,
        "org_unit": rng.choice([*stores[:3], None]),
        "primary_owner": rng.choice([*staff, None]),
    }


def _random_activity(rng: random.Random, customer: Customer, tags: list[Tag]) -> None:
    for tag in rng.sample(tags, rng.randint(0, 3)):
        add_tag(customer, tag)
    for _ in range(rng.randint(0, 4)):
        paid = rng.choice([1000, 5000, 20000])
        buy(
            customer,
            NOW - _offset(rng),
            paid,
            refund_fen=rng.choice([0, 0, paid // 2, paid]),
            category=rng.choice(CATEGORIES),
        )
    for _ in range(rng.randint(0, 4)):
        amount = rng.choice([1, 3, 2.5, "7", True, None])
        props = {} if amount is None else {"amount": amount}
        event(customer, rng.choice(EVENT_TYPES), NOW - _offset(rng), **props)
    for _ in range(rng.randint(0, 2)):
        record_consent(
            customer,
            purpose=rng.choice(["marketing", "analysis"]),
            granted=rng.random() < 0.6,
            policy_version="v1",
            source="test",
            at=NOW - _offset(rng),
        )


def random_population(brand: Brand, seed: int, n: int = 30) -> Pools:
    rng = random.Random(seed)
    staff = [brand.chen_jing, brand.wang_qiang]
    tags = [ensure_tag("兴趣", name) for name in ["手冲", "拿铁", "甜点"]]
    tags += [ensure_tag("渠道", name) for name in CHANNELS]
    for i in range(n):
        created = NOW - _offset(rng)
        customer = make_customer(
            f"随机{seed}-{i}",
            at=created,
            wecom=rng.random() < 0.5,
            **_random_fields(rng, brand, staff),
        )
        _random_activity(rng, customer, tags)
    units = [brand.brand, *list(brand.regions.values())[:1], *list(brand.stores.values())[:2]]
    return Pools([t.pk for t in tags], [s.pk for s in staff], [u.pk for u in units])
