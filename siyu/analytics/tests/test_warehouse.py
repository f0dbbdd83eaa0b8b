"""The DuckDB path over the Arrow snapshot agrees with the ORM path on the same data."""

from __future__ import annotations

from datetime import date

import pytest

from siyu.analytics.cohorts import cohort_curves
from siyu.analytics.gmv import gmv_factors
from siyu.analytics.periods import Period
from siyu.analytics.warehouse import load_snapshot, month_factors, retention_matrix
from siyu.customers.models import Customer

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
