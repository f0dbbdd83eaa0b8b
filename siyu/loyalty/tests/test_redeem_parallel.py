"""Concurrent redemptions from real processes never oversell stock nor pass the
per-customer limit (PostgreSQL)."""

from __future__ import annotations

import pytest
from django.db import connection

from siyu.loyalty.ledger import InsufficientPoints
from siyu.loyalty.models import ItemKind, MallItem, Redemption, Status
from siyu.loyalty.redeem import RedeemRefused, redeem_item
from siyu.loyalty.tests.factories import give, make_person
from siyu.loyalty.tests.parallel import run_in_processes


def _redeem(customer_id: int, item_id: int, key: str) -> str:
    try:
        redeem_item(customer_id, item_id, key=key)
    except (RedeemRefused, InsufficientPoints):
        return "refused"
    return "redeemed"


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_parallel_redemptions_never_oversell() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite runs one writer at a time")
    people = [make_person() for _ in range(8)]
    for person in people:
        give(person, 100)
    mug = MallItem.objects.create(
        name="杯", kind=ItemKind.GOODS, points_cost=10, stock=5, status=Status.ACTIVE
    )
    capped = MallItem.objects.create(
        name="豆", kind=ItemKind.GOODS, points_cost=10, stock=100, per_customer_limit=2,
        status=Status.ACTIVE,
    )  # fmt: skip
    jobs = [(p.pk, mug.pk, f"m{i}") for i, p in enumerate(people)]
    jobs += [(people[0].pk, capped.pk, f"c{i}") for i in range(6)]
    outcomes = run_in_processes(_redeem, jobs)
    assert outcomes.count("redeemed") == 5 + 2, outcomes
    mug.refresh_from_db()
    assert mug.stock == 0
    assert Redemption.objects.filter(item=mug).count() == 5
    assert Redemption.objects.filter(item=capped, customer=people[0]).count() == 2
