"""The DuckDB path over the Arrow snapshot agrees with the ORM path on the same data."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.utils import timezone

from siyu.analytics.cohorts import cohort_curves
from siyu.analytics.gmv import gmv_factors
from siyu.analytics.periods import Period
from siyu.analytics.warehouse import load_snapshot, month_factors, retention_matrix
from siyu.customers.identity_rules import IdentityInput
from siyu.customers.models import Customer
from siyu.customers.orders import OrderInput, import_order
from siyu.customers.profiles import upsert_customer
from siyu.demo.brand import Brand

pytestmark = pytest.mark.django_db
FEB, MAR = 2025 * 12 + 1, 2025 * 12 + 2


def test_duckdb_factors_and_retention_match_the_orm(shop: dict[str, Customer]) -> None:
    snapshot = load_snapshot()
    before, after = month_factors(snapshot, FEB, MAR)
    everyone = Customer.objects.all()
    assert before == gmv_factors(everyone, Period(date(2025, 2, 1), date(2025, 3, 1)))
    assert after == gmv_factors(everyone, Period(date(2025, 3, 1), date(2025, 4, 1)))
    matrix = retention_matrix(snapshot)
    for cohort in cohort_curves(everyone, until=date(2025, 3, 31)):
        month = cohort.month.year * 12 + cohort.month.month - 1
        for k, share in enumerate(cohort.retention):
            assert matrix.get((month, k), 0.0) == share


def test_duckdb_buckets_months_in_the_brand_zone(brand: Brand) -> None:
    """01:00 on 1 March in Shanghai is still February in UTC: the columnar path must put
    the order (and the customer acquired then) into March, as the dashboards do."""
    c = upsert_customer(
        [IdentityInput("phone", "13900007777")], fields={}, source="t", at=local(2025, 3, 1, 1)
    )
    import_order(
        c,
        OrderInput("pos", "Z1", paid_at=local(2025, 3, 1, 0, 30), total_fen=900, paid_fen=900),
    )
    snapshot = load_snapshot()
    before, after = month_factors(snapshot, FEB, MAR)
    assert (before.orders, after.orders, after.users) == (0, 1, 1)
    assert after == gmv_factors(Customer.objects.all(), Period(date(2025, 3, 1), date(2025, 4, 1)))
    assert retention_matrix(snapshot) == {(MAR, 0): 1.0}


def local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=timezone.get_default_timezone())
