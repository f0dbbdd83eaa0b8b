"""Layering from the read model's buyers gives the SQL path's figures: random buyers (orders
on the thresholds' very boundaries included), random thresholds in both RFM modes, the
brand and a store manager's scope, on DuckDB and on ClickHouse's engine (chdb). The page
reads the read model for HQ and the SQL for a past date or when it is switched off."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.test import Client
from django.test.utils import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siyu.analytics.readmodel.engines import DuckDBEngine, Engine
from siyu.analytics.readmodel.scope import Filter, read_filter
from siyu.analytics.readmodel.sync import build
from siyu.customers.scope import visible_customers
from siyu.demo.brand import Brand
from siyu.segments import layering
from siyu.segments import layering_columns as columns
from siyu.segments.facts import fill_facts
from siyu.segments.models import CustomerFacts
from siyu.segments.tests.factories import NOW, buy, make_customer, random_population
from siyu.segments.thresholds import Thresholds

pytestmark = pytest.mark.django_db


@pytest.fixture
def engine(read_model_engine: Engine) -> Engine:
    return read_model_engine


def _increasing(low: int, high: int) -> st.SearchStrategy[list[int]]:
    return st.lists(st.integers(low, high), min_size=4, max_size=4, unique=True).map(sorted)


@st.composite
def thresholds(draw: st.DrawFn) -> Thresholds:
    if draw(st.booleans()):
        return Thresholds(high_score=draw(st.integers(2, 5)))
    medium = draw(st.integers(0, 200_000))
    new = draw(st.integers(1, 100))
    active = draw(st.integers(new, 200))
    return Thresholds(
        rfm_mode="fixed",
        recency_days=draw(_increasing(1, 400)),
        frequency=draw(_increasing(0, 12)),
        monetary_fen=draw(_increasing(0, 400_000)),
        high_score=draw(st.integers(2, 5)),
        value_medium_fen=medium,
        value_high_fen=draw(st.integers(medium + 1, 400_000)),
        new_days=new,
        active_days=active,
        churn_days=draw(st.integers(active + 1, 400)),
    )


def _figures_sql(t: Thresholds, now: object, scope: object) -> tuple[object, ...]:
    return (
        layering.rfm_scores(t, now, scope, facts=True),  # type: ignore[arg-type]
        layering.rfm_layers(t, now, scope, facts=True),  # type: ignore[arg-type]
        layering.value_lifecycle_matrix(t, now, scope, facts=True),  # type: ignore[arg-type]
        layering.matrix_rows(t, now, scope, facts=True),  # type: ignore[arg-type]
        layering.pareto_curve(scope, facts=True),  # type: ignore[arg-type]
        layering.pareto_curve(scope, list(range(1, 101)), facts=True),  # type: ignore[arg-type]
    )


def _figures_columns(b: columns.Buyers, t: Thresholds, now: object) -> tuple[object, ...]:
    return (
        columns.rfm_scores(b, t, now),  # type: ignore[arg-type]
        columns.rfm_layers(b, t, now),  # type: ignore[arg-type]
        columns.value_lifecycle_matrix(b, t, now),  # type: ignore[arg-type]
        columns.matrix_rows(b, t, now),  # type: ignore[arg-type]
        columns.pareto_curve(b),
        columns.pareto_curve(b, list(range(1, 101))),
    )


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(seed=st.integers(0, 10_000), t=thresholds(), days_later=st.sampled_from([0, 1, 30, 90]))
def test_the_read_models_buyers_give_the_sql_layers(
    brand: Brand, engine: Engine, seed: int, t: Thresholds, days_later: int
) -> None:
    with transaction.atomic():
        random_population(brand, seed, n=30)
        fill_facts()
        build(engine)
        # Some orders fall exactly on a boundary (the population's day windows), so the
        # comparisons' "at or after" is tested, not only the distances far from it.
        now = NOW + timedelta(days=days_later)
        manager = brand.wang_qiang.user
        for scope, found in ((None, Filter(None)), (visible_customers(manager), None)):
            found = found or read_filter(manager, None)
            assert found is not None
            b = columns.read_buyers(engine, found)
            assert _figures_columns(b, t, now) == _figures_sql(t, now, scope)
        transaction.set_rollback(True)


def test_an_empty_brand_has_empty_layers(brand: Brand) -> None:
    engine = DuckDBEngine()
    build(engine)
    b = columns.read_buyers(engine, Filter(None))
    t = Thresholds()
    assert _figures_columns(b, t, NOW) == _figures_sql(t, NOW, None)


def test_hq_reads_the_read_model_and_a_past_date_the_orders(brand: Brand) -> None:
    person = make_customer("事实买家")
    buy(person, NOW - timedelta(days=1), 12345)
    fill_facts()
    # Deliberately different from the orders, to show which path the page took.
    CustomerFacts.objects.filter(customer_id=person.pk).update(net_fen=777)
    client = Client()
    client.force_login(brand.lin_yue.user)

    def net_fen(**query: str) -> str:
        lines = client.get("/segments/layering/rfm.csv", query).content.decode().splitlines()
        (line,) = [line for line in lines if line.startswith(f"{person.pk},")]
        return line.split(",")[5]

    assert net_fen() == "12345"  # the read model, built from the orders
    page = client.get("/segments/layering/").content.decode()
    assert 'class="muted small freshness"' in page
    with override_settings(SIYU_ANALYTICS_READ_MODEL=False):
        assert net_fen() == "777"  # the facts
        assert (
            'class="muted small freshness"'
            not in client.get("/segments/layering/").content.decode()
        )
    assert net_fen(as_of=NOW.date().isoformat()) == "12345"  # the orders paid by then


def test_the_exports_read_from_the_read_model_are_the_sql_paths_byte_for_byte(
    brand: Brand,
) -> None:
    random_population(brand, 3, n=40)
    fill_facts()
    client = Client()
    client.force_login(brand.lin_yue.user)
    for table in ("rfm", "matrix", "pareto"):
        url = f"/segments/layering/{table}.csv"
        ours = client.get(url).content
        with override_settings(SIYU_ANALYTICS_READ_MODEL=False):
            theirs = client.get(url).content
        assert ours == theirs
        assert len(ours.splitlines()) > 20
