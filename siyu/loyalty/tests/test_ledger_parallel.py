"""Concurrent spends from real processes never overdraw (PostgreSQL: row locks in
(expires_at, id) order, and the CHECK on ``remaining`` behind them)."""

from __future__ import annotations

import pytest
from django.db import connection

from siyu.loyalty.ledger import InsufficientPoints, balance, spend_points
from siyu.loyalty.models import LedgerEntry
from siyu.loyalty.tests.factories import T0, give, make_person
from siyu.loyalty.tests.parallel import run_in_processes


def _spend(customer_id: int, points: int, key: str) -> str:
    try:
        spend_points(customer_id, points, key=key, at=T0)
    except InsufficientPoints:
        return "refused"
    return "spent"


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_parallel_spends_never_overdraw() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite runs one writer at a time")
    lei = make_person()
    for days in (10, 20, 30, 40):
        give(lei, 25, days=days)  # 100 points in four buckets
    outcomes = run_in_processes(_spend, [(lei.pk, 30, f"p{i}") for i in range(8)])
    assert outcomes.count("spent") == 3, outcomes
    assert outcomes.count("refused") == 5
    assert balance(lei.pk, T0) == 10
    spent = LedgerEntry.objects.filter(customer=lei, kind="spend")
    assert sum(e.points for e in spent) == -90
