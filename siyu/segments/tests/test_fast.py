"""The facts compiler (the product path at scale) selects exactly the customers the
plain-Python reference selects, on random data and random rule trees; and the product's
reads use it once the facts are filled."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siyu.demo.brand import Brand
from siyu.segments.facts import fill_facts
from siyu.segments.fast import matching_fast
from siyu.segments.models import CustomerFacts
from siyu.segments.queries import live_count
from siyu.segments.rules import parse_rule
from siyu.segments.tests.factories import NOW, WINDOWS, buy, make_customer, random_population
from siyu.segments.tests.reference import load_world, matches
from siyu.segments.tests.test_compiler import OPS, tree_strategy

# Counts up to 7 reach past the 5th latest order the facts keep (the fallback).
counts = st.builds(
    lambda w, op, v: {
        "kind": "orders",
        "metric": "frequency",
        "window_days": w,
        "op": op,
        "value": v,
    },
    st.sampled_from([None, *WINDOWS]),
    st.sampled_from(OPS),
    st.integers(0, 7),
)


def _heavy_buyers() -> None:
    """A few customers with up to seven orders, some on the same day, across the windows."""
    for i in range(4):
        person = make_customer(f"常客{i}")
        for k in range(3 + i):
            buy(person, NOW - timedelta(days=[1, 5, 29, 30, 60, 89, 179][k]), 1000 * (k + 1))


@pytest.mark.parametrize("seed", [3])
def test_fast_rules_agree_with_the_reference_evaluator(brand: Brand, seed: int) -> None:
    pools = random_population(brand, seed)
    _heavy_buyers()
    fill_facts()
    world = load_world()
    trees = st.one_of(
        tree_strategy(pools),
        counts,
        st.builds(lambda a, b: {"kind": "and", "rules": [a, b]}, counts, tree_strategy(pools)),
    )

    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(trees)
    def check(data: dict[str, Any]) -> None:
        tree = parse_rule(data)
        got = set(matching_fast(tree, NOW).values_list("pk", flat=True))
        assert got == matches(tree, world, NOW), data

    check()


def test_the_editor_count_reads_the_facts_once_filled(brand: Brand) -> None:
    from siyu.customers.models import Customer

    person = make_customer("只看事实")
    buy(person, NOW - timedelta(days=1), 9000)
    rule = {"kind": "orders", "metric": "monetary", "op": ">=", "value": 9000}
    scope = Customer.objects.all()
    assert live_count(rule, scope, NOW).count == 1  # before the fill: the orders themselves
    fill_facts()
    CustomerFacts.objects.filter(customer_id=person.pk).update(net_fen=0)
    # Now the count follows the facts (here deliberately wrong, to show which path ran).
    assert live_count(rule, scope, NOW).count == 0
