"""RFM layers, the value × lifecycle matrix and the Pareto curve against a hand-computed
fixture of five buyers and one prospect."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import translation
from pydantic import ValidationError

from siyu.customers.scope import visible_customers
from siyu.demo.brand import JINGAN, Brand
from siyu.segments.layering import pareto_curve, rfm_layers, rfm_scores, value_lifecycle_matrix
from siyu.segments.tests.factories import NOW, buy, make_customer
from siyu.segments.thresholds import Thresholds, load_thresholds, save_thresholds


def ago(days: int) -> object:
    return NOW - timedelta(days=days)


@pytest.fixture
def buyers(brand: Brand) -> dict[str, int]:
    jingan, other = brand.stores[JINGAN], brand.stores["北京朝阳店"]
    a = make_customer("A", org_unit=jingan)
    for days in (1, 2, 3):
        buy(a, NOW - timedelta(days=days), 10000)
    b = make_customer("B", org_unit=jingan)
    buy(b, NOW - timedelta(days=10), 50000)
    c = make_customer("C", org_unit=other)
    buy(c, NOW - timedelta(days=200), 1000)
    buy(c, NOW - timedelta(days=5), 1000)
    d = make_customer("D", org_unit=other)
    buy(d, NOW - timedelta(days=100), 20000, refund_fen=20000)
    e = make_customer("E", org_unit=other)
    buy(e, NOW - timedelta(days=400), 5000)
    buy(e, NOW - timedelta(days=300), 5000)
    make_customer("F (never bought)", org_unit=jingan)
    return {"A": a.pk, "B": b.pk, "C": c.pk, "D": d.pk, "E": e.pk}


def test_quintile_scores_and_named_layers(buyers: dict[str, int]) -> None:
    scores = {s.customer_id: s for s in rfm_scores(Thresholds(), NOW)}
    got = {
        name: (scores[pk].recency, scores[pk].frequency, scores[pk].monetary, scores[pk].layer)
        for name, pk in buyers.items()
    }
    assert got == {
        "A": (5, 5, 4, "important_value"),
        "B": (3, 2, 5, "important_develop"),
        "C": (4, 4, 2, "general_value"),
        "D": (2, 2, 1, "general_retain"),
        "E": (1, 4, 3, "important_keep"),
    }
    assert scores[buyers["D"]].monetary_fen == 0  # fully refunded
    layers = {row.key: row.customers for row in rfm_layers(Thresholds(), NOW)}
    assert layers["important_value"] == 1
    assert sum(layers.values()) == 5
    assert len(layers) == 8


def test_fixed_thresholds_score_by_boundaries_reached(buyers: dict[str, int]) -> None:
    scores = {s.customer_id: s for s in rfm_scores(Thresholds(rfm_mode="fixed"), NOW)}
    got = {
        n: (scores[pk].recency, scores[pk].frequency, scores[pk].monetary)
        for n, pk in buyers.items()
    }
    assert got == {"A": (5, 3, 3), "B": (4, 1, 3), "C": (5, 2, 1), "D": (2, 1, 1), "E": (1, 2, 2)}


def test_value_lifecycle_matrix(buyers: dict[str, int]) -> None:
    cells = {
        (c.value_tier, c.stage): c.customers for c in value_lifecycle_matrix(Thresholds(), NOW)
    }
    assert len(cells) == 15
    assert {k: v for k, v in cells.items() if v} == {
        ("medium", "new"): 2,  # A and B
        ("low", "won_back"): 1,  # C: back after 200 silent days
        ("low", "at_risk"): 1,  # D
        ("low", "churned"): 1,  # E
    }
    tighter = Thresholds(value_medium_fen=40000, value_high_fen=45000, new_days=5)
    cells = {(c.value_tier, c.stage): c.customers for c in value_lifecycle_matrix(tighter, NOW)}
    assert cells[("high", "active")] == 1  # B: 50,000 fen, first order 10 days ago
    assert cells[("low", "new")] == 1  # A


def test_pareto_curve_and_the_80_percent_point(buyers: dict[str, int]) -> None:
    curve = pareto_curve(percents=[20, 40, 100])
    assert (curve.buyers, curve.net_fen) == (5, 92000)
    assert [(p.customers, p.share) for p in curve.points] == [
        (1, 50000 / 92000),
        (2, 80000 / 92000),
        (5, 1.0),
    ]
    assert curve.customers_for_80 == 0.4


def test_layering_respects_the_viewers_scope(brand: Brand, buyers: dict[str, int]) -> None:
    mine = visible_customers(brand.wang_qiang.user)
    curve = pareto_curve(mine, percents=[50, 100])
    assert (curve.buyers, curve.net_fen) == (2, 80000)
    assert sum(row.customers for row in rfm_layers(Thresholds(), NOW, mine)) == 2
    assert sum(c.customers for c in value_lifecycle_matrix(Thresholds(), NOW, mine)) == 2


def test_no_buyers_gives_an_empty_curve(db: None) -> None:
    curve = pareto_curve()
    assert curve.buyers == 0
    assert curve.customers_for_80 is None


def test_thresholds_are_validated_and_stored(brand: Brand) -> None:
    with translation.override("en"):
        with pytest.raises(ValidationError, match="active within days"):
            Thresholds(active_days=200, churn_days=100)
        with pytest.raises(ValidationError, match="Recency days must increase"):
            Thresholds(recency_days=[30, 7, 90, 180])
    save_thresholds(Thresholds(churn_days=365), actor=brand.lin_yue.user)
    assert load_thresholds().churn_days == 365
