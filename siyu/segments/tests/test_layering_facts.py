"""Layering read from the order facts gives the same figures as layering aggregated from
the orders (random buyers, every table, both RFM modes, a scoped viewer); the page and the
API read the facts once they are filled (test_layering_columns: which path a page takes)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from siyu.customers.scope import visible_customers
from siyu.demo.brand import Brand
from siyu.segments import layering
from siyu.segments.facts import fill_facts
from siyu.segments.tests.factories import NOW, random_population
from siyu.segments.thresholds import Thresholds

MODES = [Thresholds(), Thresholds(rfm_mode="fixed", high_score=2)]


@pytest.mark.parametrize("thresholds", MODES)
def test_facts_and_orders_give_the_same_layers(brand: Brand, thresholds: Thresholds) -> None:
    random_population(brand, 5, n=40)
    fill_facts()
    now = NOW + timedelta(days=1)  # every order is paid before the moment measured
    for scope in (None, visible_customers(brand.wang_qiang.user)):
        for facts in (False, True):
            got = (
                layering.rfm_scores(thresholds, now, scope, facts=facts),
                layering.rfm_layers(thresholds, now, scope, facts=facts),
                layering.value_lifecycle_matrix(thresholds, now, scope, facts=facts),
                layering.matrix_rows(thresholds, now, scope, facts=facts),
                layering.pareto_curve(scope, facts=facts),
            )
            if not facts:
                expected = got
        assert got == expected
        assert expected[0], "the random buyers must be layered"
