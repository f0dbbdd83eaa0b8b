"""Rules over the read model select exactly the customers the facts compiler selects (and
so the reference): random populations, random rule trees with windows on their very
edges, the brand and a store manager's org units, on DuckDB and ClickHouse's engine
(chdb). A rule testing what the read model does not hold is left to the SQL path, and the
editor's live count says how old the read model's data is when it answered."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.test.utils import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siyu.analytics.readmodel.engines import Engine
from siyu.analytics.readmodel.scope import Filter, read_filter
from siyu.analytics.readmodel.sync import build
from siyu.customers.models import Customer
from siyu.customers.scope import visible_customers
from siyu.demo.brand import Brand
from siyu.segments import readmodel_rules
from siyu.segments.facts import fill_facts
from siyu.segments.fast import matching_fast
from siyu.segments.rules import parse_rule
from siyu.segments.tests.factories import NOW, WINDOWS, buy, make_customer, random_population
from siyu.segments.tests.test_compiler import tree_strategy

pytestmark = pytest.mark.django_db

ORDERS = st.builds(
    lambda metric, w, op, v: {
        "kind": "orders",
        "metric": metric,
        "window_days": None if metric == "recency_days" else w,
        "op": op if metric != "recency_days" or op not in ("=", "!=") else "<=",
        "value": v * (20_000 if metric == "monetary" else 1),
    },
    st.sampled_from(["frequency", "monetary", "recency_days"]),
    st.sampled_from([None, *WINDOWS]),
    st.sampled_from([">=", ">", "<=", "<", "=", "!="]),
    st.sampled_from([0, 1, 2, 3, *WINDOWS]),
)


@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(seed=st.integers(0, 10_000), days_later=st.sampled_from([0, 0, 1, 30]), data=st.data())
def test_rules_over_the_read_model_select_what_the_facts_select(
    brand: Brand, read_model_engine: Engine, seed: int, days_later: int, data: st.DataObject
) -> None:
    engine = read_model_engine
    with transaction.atomic():
        pools = random_population(brand, seed, n=30)
        for k, days in enumerate(WINDOWS):  # orders exactly on each window's edge
            buy(make_customer(f"边界{k}"), NOW - timedelta(days=days), 20_000 * (k + 1))
        fill_facts()
        build(engine)
        now = NOW + timedelta(days=days_later)
        manager = brand.wang_qiang.user
        trees = st.one_of(
            tree_strategy(pools),
            ORDERS,
            st.builds(lambda a, b: {"kind": "and", "rules": [a, b]}, ORDERS, tree_strategy(pools)),
            st.builds(lambda a: {"kind": "not", "rule": a}, ORDERS),
        )
        answered = 0
        for _ in range(40):
            raw: dict[str, Any] = data.draw(trees)
            tree = parse_rule(raw)
            for scope, found in (
                (Customer.objects.all(), Filter(None)),
                (visible_customers(manager), read_filter(manager, None)),
            ):
                assert found is not None
                ids = readmodel_rules.member_ids(engine, tree, now, found)
                if ids is None:
                    continue
                answered += 1
                want = sorted(matching_fast(tree, now, base=scope).values_list("pk", flat=True))
                assert ids == want, raw
                assert readmodel_rules.count(engine, tree, now, found) == len(want), raw
        assert answered  # most drawn trees are answerable: orders, tags, profile fields
        transaction.set_rollback(True)


def test_what_the_read_model_does_not_hold_is_left_to_sql(read_model_engine: Engine) -> None:
    build(read_model_engine)
    events = parse_rule({"kind": "event", "event_type": "page_view", "op": ">=", "value": 1})
    inside = parse_rule({"kind": "and", "rules": [
        {"kind": "orders", "metric": "frequency", "op": ">=", "value": 1},
        {"kind": "not", "rule": {"kind": "event", "event_type": "page_view", "op": ">=", "value": 1}},
    ]})  # fmt: skip
    for tree in (events, inside):
        assert readmodel_rules.count(read_model_engine, tree, NOW, Filter(None)) is None


def test_the_editors_count_reads_the_read_model_and_says_how_old(
    client: Client, brand: Brand
) -> None:
    for i in range(3):
        buy(make_customer(f"老客{i}"), NOW - timedelta(days=1 + i), 10_000)
    client.force_login(brand.lin_yue.user)
    rule = '{"kind": "orders", "metric": "frequency", "op": ">=", "value": 1}'
    with override_settings(SIYU_ANALYTICS_MAX_AGE=0):  # rebuilt on each read (tests)
        response = client.post("/segments/count/", {"mode": "json", "rule": rule})
    assert response.context["count"] == 3
    assert 'class="muted small freshness"' in response.content.decode()
    with override_settings(SIYU_ANALYTICS_READ_MODEL=False):
        response = client.post("/segments/count/", {"mode": "json", "rule": rule})
    assert response.context["count"] == 3
    assert response.context["freshness"] is None
    assert "freshness" not in response.content.decode()


def test_every_order_condition_on_the_window_edges(brand: Brand, read_model_engine: Engine) -> None:
    """Each metric, operator, window and a value on every edge, over buyers whose orders
    fall exactly N days ago: where ``>=`` and ``>`` part."""
    for k, days in enumerate(WINDOWS):
        person = make_customer(f"边界{k}")
        buy(person, NOW - timedelta(days=days), 20_000)
        if k % 2:
            buy(person, NOW - timedelta(days=days + 1), 20_000)
    make_customer("未购")
    fill_facts()
    build(read_model_engine)
    checked = 0
    for metric in ("frequency", "monetary", "recency_days"):
        for window in (None, *WINDOWS) if metric != "recency_days" else (None,):
            for op in (">=", ">", "<=", "<", "=", "!="):
                if metric == "recency_days" and op in ("=", "!="):
                    continue
                values = [0, 1, 2, *WINDOWS] if metric != "monetary" else [0, 20_000, 40_000]
                for value in values:
                    raw = {"kind": "orders", "metric": metric, "op": op, "value": value}
                    if window is not None:
                        raw["window_days"] = window
                    tree = parse_rule(raw)
                    want = sorted(matching_fast(tree, NOW).values_list("pk", flat=True))
                    got = readmodel_rules.member_ids(read_model_engine, tree, NOW, Filter(None))
                    assert got == want, raw
                    checked += 1
    assert checked > 200
