"""Hypothesis over random referral graphs (forests with honest cross-programme overlap)
with planted rings, dense clusters and self-referrals: the detectors find ≥ 95 % of the
planted abusive edges and flag ≤ 5 % of the honest ones."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from siyu.referrals.graph import Edge, dense_clusters, rings, screen_graph


def plant(seed: int, honest: int, n_rings: int, n_clusters: int, n_selves: int) -> tuple[
    list[Edge], set[Edge], dict[int, int]
]:  # fmt: skip
    rng = random.Random(seed)
    edges: list[Edge] = [(rng.randrange(i), i) for i in range(1, honest)]  # a forest
    # Honest overlap: some people invited again in another programme, by someone earlier.
    edges += [(rng.randrange(i), i) for i in rng.sample(range(2, honest), honest // 20)]
    bad: set[Edge] = set()
    alias: dict[int, int] = {}
    nxt = honest
    for _ in range(n_rings):
        size = rng.randint(2, 7)
        ring = list(range(nxt, nxt + size))
        nxt += size
        edges.append((rng.randrange(honest), ring[0]))  # hung off the honest tree
        cycle = [(ring[i], ring[(i + 1) % size]) for i in range(size)]
        edges += cycle
        bad.update(cycle)
    for _ in range(n_clusters):
        size = rng.randint(5, 9)
        members = list(range(nxt, nxt + size))
        nxt += size
        # Invites only forward (no cycle), but everyone is linked to three or more inside.
        inside = [(a, b) for i, a in enumerate(members) for b in members[i + 1 :]]
        kept = [e for e in inside if rng.random() < 0.7]
        for member in members:  # dense: everyone has at least three links inside
            for e in inside:
                if sum(member in k for k in kept) >= 3:
                    break
                if member in e and e not in kept:
                    kept.append(e)
        edges += kept
        bad.update(kept)
    for _ in range(n_selves):
        inviter = rng.randrange(honest)
        alias[nxt] = inviter  # a second profile of the inviter (merged, or shared phone)
        edges.append((inviter, nxt))
        bad.add((inviter, nxt))
        nxt += 1
    return edges, bad, alias


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
