"""The 360 page's population facts: RFM boundaries from every active buyer (aggregated by
the database), the value model fitted on a bounded, evenly spread sample of buyers."""

from __future__ import annotations

import numpy as np
import pytest

from siyu.console import customer_summary
from siyu.console.customer_summary import population
from siyu.console.tests.factories import days_ago, make_customer
from siyu.console.tests.test_customer360_summary import _fresh_population  # noqa: F401
from siyu.customers.models import Customer
from siyu.customers.orders import OrderInput, import_order
from siyu.demo.brand import Brand

pytestmark = pytest.mark.django_db


def buy(c: Customer, no: str, days: int, fen: int) -> None:
    import_order(
        c,
        OrderInput(
            platform="taobao", order_no=no, paid_at=days_ago(days), total_fen=fen, paid_fen=fen
        ),
    )


def test_rfm_boundaries_count_every_buyer_and_the_fit_a_sample(
    brand: Brand, monkeypatch: pytest.MonkeyPatch
) -> None:
    spent = []
    for i in range(30):
        person = make_customer(f"客{i}", owner=brand.chen_jing)
        for k in range(1 + i % 3):
            buy(person, f"N{i}-{k}", 200 - 50 * k - i, 1000 + 100 * i)
        spent.append((1 + i % 3) * (1000 + 100 * i))
    make_customer("没买过", owner=brand.chen_jing)
    monkeypatch.setattr(customer_summary, "FIT_SAMPLE", 25)
    pop = population()
    assert list(pop.monetary) == sorted(spent)  # all 30 buyers, none who never bought
    assert list(pop.frequency) == sorted(float(1 + i % 3) for i in range(30))
    # The model saw only the sample: 15 of the 30 buyers, below the 30 it needs.
    assert pop.problem == "few_buyers"
    monkeypatch.setattr(customer_summary, "FIT_SAMPLE", 30)
    assert population(refresh=True).bg is not None


def test_the_sample_is_bounded_and_spread_over_all_buyers() -> None:
    ids = np.arange(1, 100_001)
    sample = customer_summary._fit_sample(ids)
    assert len(sample) <= customer_summary.FIT_SAMPLE
    assert sample[0] == 1
    assert sample[-1] > 99_000
    assert len(customer_summary._fit_sample(ids[:500])) == 500
