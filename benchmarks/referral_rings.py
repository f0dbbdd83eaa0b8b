"""Ring and dense-cluster detection over a referral graph of 1M edges (an honest forest
with planted rings, dense clusters and self-referrals), against a networkx baseline in the
same run: strongly connected components + the undirected 3-core, the same definitions.

    uv run python benchmarks/referral_rings.py [--edges N] [--quick]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import networkx as nx

from siyu.referrals.graph import Edge, screen_graph
from siyu.referrals.tests.planted import plant


def baseline(edges: list[Edge], alias: dict[int, int]) -> frozenset[Edge]:
    by_person = [(alias.get(u, u), alias.get(v, v)) for u, v in edges]
    directed = nx.DiGraph()
    directed.add_edges_from((u, v) for u, v in by_person if u != v)
    ring_of = {}
    for i, comp in enumerate(nx.strongly_connected_components(directed)):
        if len(comp) > 1:
            ring_of.update(dict.fromkeys(comp, i))
    undirected = directed.to_undirected(as_view=False)
    core = nx.k_core(undirected, 3)
    cluster_of = {}
    for i, comp in enumerate(nx.connected_components(core)):
        if len(comp) >= 4:
            cluster_of.update(dict.fromkeys(comp, i))
    flagged = set()
    for edge, (pu, pv) in zip(edges, by_person, strict=True):
        same_ring = pu in ring_of and ring_of[pu] == ring_of.get(pv)
        same_cluster = pu in cluster_of and cluster_of[pu] == cluster_of.get(pv)
        if pu == pv or same_ring or same_cluster:
            flagged.add(edge)
    return frozenset(flagged)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--edges", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="100k edges")
    args = parser.parse_args()
    target = 100_000 if args.quick else args.edges
    honest = int(target / 1.05)  # the forest plus 5 % honest overlap
    rings_n, clusters_n, selves_n = target // 2000, target // 10000, target // 2000
    edges, bad, alias = plant(20261201, honest, rings_n, clusters_n, selves_n)

    start = time.perf_counter()
    ours = screen_graph(edges, lambda n: alias.get(n, n)).flagged
    seconds = time.perf_counter() - start
    start = time.perf_counter()
    theirs = baseline(edges, alias)
    baseline_seconds = time.perf_counter() - start

    clean = set(edges) - bad
    recall = len(ours & bad) / len(bad)
    fpr = len(ours & clean) / len(clean)
    print(f"{'edges':>24} {len(edges):>12,}")
    print(f"{'planted abusive edges':>24} {len(bad):>12,}")
    print(f"{'ours: seconds':>24} {seconds:>12.2f}")
    print(f"{'networkx: seconds':>24} {baseline_seconds:>12.2f}")
    print(f"{'recall':>24} {recall:>12.4f}")
    print(f"{'false-positive rate':>24} {fpr:>12.5f}")
    print(f"{'same edges as networkx':>24} {ours == theirs!s:>12}")
    print(
        json.dumps(
            {
                "bench": "referral_rings",
                "edges": len(edges),
                "seconds": round(seconds, 2),
                "baseline_seconds": round(baseline_seconds, 2),
                "recall": round(recall, 4),
                "false_positive_rate": round(fpr, 5),
                "same_result": ours == theirs,
            }
        )
    )


if __name__ == "__main__":
    main()
