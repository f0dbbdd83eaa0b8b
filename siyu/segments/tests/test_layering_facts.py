"""Layering read from the order facts gives the same figures as layering aggregated from
the orders (random buyers, every table, both RFM modes, a scoped viewer); the page and the
API read the facts once they are filled."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from siyu.customers.scope import visible_customers
from siyu.demo.brand import Brand
from siyu.segments import layering
from siyu.segments.facts import fill_facts
from siyu.segments.models import CustomerFacts
from siyu.segments.tests.factories import NOW, buy, make_customer, random_population
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


def test_the_layering_page_reads_the_facts_once_filled(brand: Brand) -> None:
    person = make_customer("事实买家")
    buy(person, NOW - timedelta(days=1), 12345)
    client = Client()
    client.force_login(brand.lin_yue.user)
    fill_facts()
    CustomerFacts.objects.filter(customer_id=person.pk).update(net_fen=777)
    # Deliberately different from the orders, to show which path the page took.
    rows = client.get("/segments/layering/rfm.csv").content.decode().splitlines()
    assert any(line.startswith(f"{person.pk},") and line.split(",")[5] == "777" for line in rows)
    past = client.get("/segments/layering/rfm.csv", {"as_of": NOW.date().isoformat()})
    rows = past.content.decode().splitlines()
    assert any(line.split(",")[5] == "12345" for line in rows if line.startswith(f"{person.pk},"))
