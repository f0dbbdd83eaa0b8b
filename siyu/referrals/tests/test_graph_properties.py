"""Hypothesis over random referral graphs (forests with honest cross-programme overlap)
with planted rings, dense clusters and self-referrals: the detectors find ≥ 95 % of the
planted abusive edges and flag ≤ 5 % of the honest ones."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from siyu.referrals.graph import dense_clusters, rings, screen_graph
from siyu.referrals.tests.planted import plant


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32),
    honest=st.integers(50, 3000),
    n_rings=st.integers(0, 8),
    n_clusters=st.integers(0, 4),
    n_selves=st.integers(0, 8),
)
def test_planted_abuse_is_found_and_honest_referrals_are_left_alone(
    seed: int, honest: int, n_rings: int, n_clusters: int, n_selves: int
) -> None:
    edges, bad, alias = plant(seed, honest, n_rings, n_clusters, n_selves)
    flagged = screen_graph(edges, lambda n: alias.get(n, n)).flagged
    if bad:
        assert len(flagged & bad) / len(bad) >= 0.95
    clean = set(edges) - bad
    assert len(flagged & clean) / len(clean) <= 0.05


def test_a_forest_has_no_ring_and_no_cluster() -> None:
    edges = [(i // 3, i) for i in range(1, 500)]
    assert rings(edges) == []
    assert dense_clusters(edges) == []


def test_a_triangle_of_invites_is_one_ring() -> None:
    assert rings([(1, 2), (2, 3), (3, 1), (3, 4)]) == [{1, 2, 3}]
