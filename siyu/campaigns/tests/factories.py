"""Small builders for campaign tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from siyu.campaigns.checkout import CartLine
from siyu.campaigns.models import CampaignStatus, Coupon, CouponKind, SkuPrice
from siyu.customers.merge import merge_customers
from siyu.customers.models import Customer
from siyu.customers.tests.factories import make_customer

NOW = datetime(2026, 6, 1, 4, tzinfo=UTC)


def make_coupon(**fields: Any) -> Coupon:
    values: dict[str, Any] = {
        "name": "满200减30",
        "kind": CouponKind.THRESHOLD,
        "tiers": [[20000, 3000]],
        "status": CampaignStatus.PUBLISHED,
        "created_at": NOW,
    }
    values.update(fields)
    return Coupon.objects.create(**values)


def merged_pair(tag: str) -> tuple[Customer, Customer]:
    """Two profiles of one person, the second merged into the first."""
    survivor, other = make_customer(f"oU-{tag}-a"), make_customer(f"oU-{tag}-b")
    merge_customers(survivor, other, reason="test")
    other.refresh_from_db()
    return survivor, other


def cart(fen: int) -> list[CartLine]:
    """A one-line cart of a SKU listed at ``fen`` (checkout prices carts from list prices)."""
    SkuPrice.objects.get_or_create(sku=f"T-{fen}", defaults={"list_price_fen": fen})
    return [CartLine(f"T-{fen}", 1)]
