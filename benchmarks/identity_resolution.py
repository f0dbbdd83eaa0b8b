"""Identity resolution throughput: N links -> profiles, resolved and persisted.

Baseline in the same run: networkx connected components on the same links (after the same
shared-identifier filter), checked to give the same partition. Then the incremental path:
p50/p99 latency of resolving one new observation against the loaded profiles.

    uv run python benchmarks/identity_resolution.py [--links N] [--quick] [--skip-persist]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "siyu.settings")
os.environ.setdefault("SIYU_AUTOGEN_KEYS", "1")
os.environ.setdefault(
    "SIYU_DATA_DIR", str(Path(__file__).resolve().parent.parent / "var" / "bench")
)

import django

django.setup()

import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from siyu.customers.identity_rules import IdentityInput  # noqa: E402
from siyu.customers.resolve import resolve_identities  # noqa: E402
from siyu.customers.resolve_batch import build_graph, partition, persist, plan  # noqa: E402


def synthetic_observations(links: int, seed: int) -> list[list[IdentityInput]]:
    """People with 2-4 identifiers across platforms, seen on observations of 2 identifiers
    (one link each); 1 in 2,000 observations gives a store's shared phone."""
    rng = random.Random(seed)
    out: list[list[IdentityInput]] = []
    person = 0
    shared_phones = [f"1380000{i:04d}" for i in range(1, 200)]
    while len(out) < links:
        person += 1
        ids = [IdentityInput("wechat_unionid", f"oU{person}")]
        if rng.random() < 0.8:
            ids.append(IdentityInput("wecom_external_userid", f"wm{person}", "corp"))
        if rng.random() < 0.6:
            ids.append(IdentityInput("phone", f"13{rng.randrange(10**9):09d}"))
        if rng.random() < 0.3:
            ids.append(IdentityInput("taobao_buyer_id", f"tb{person}"))
        if rng.random() < 0.5:
            ids.append(IdentityInput("miniprogram_openid", f"mp{person}", "wxapp"))
        out.extend([ids[0], other] for other in ids[1:])
        if rng.random() < 0.0005:
            member = IdentityInput("store_member_no", f"M{person}")
            out.append([member, IdentityInput("phone", rng.choice(shared_phones))])
        if len(ids) == 1:
            out.append(ids)
    return out[:links]


def baseline_networkx(
    graph_a: np.ndarray, graph_b: np.ndarray, shared: np.ndarray, n: int
) -> tuple[float, set[frozenset[int]]]:
    start = time.perf_counter()
    g = nx.Graph()
    g.add_nodes_from(i for i in range(n) if not shared[i])
    live = ~(shared[graph_a] | shared[graph_b])
    g.add_edges_from(zip(graph_a[live].tolist(), graph_b[live].tolist(), strict=True))
    groups = {frozenset(c) for c in nx.connected_components(g)}
    return time.perf_counter() - start, groups


def reset_tables() -> None:
    call_command("flush", interactive=False, verbosity=0)


def incremental_latency(samples: int, existing: int, seed: int) -> tuple[float, float]:
    rng = random.Random(seed)
    times = []
    for i in range(samples):
        person = rng.randint(1, existing)
        obs = [
            IdentityInput("wechat_unionid", f"oU{person}"),
            IdentityInput("app_user_id", f"new{seed}-{i}"),
        ]
        start = time.perf_counter()
        resolve_identities(obs, source="bench")
        times.append(time.perf_counter() - start)
    arr = np.array(times) * 1000
    return float(np.percentile(arr, 50)), float(np.percentile(arr, 99))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--links", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="100k links, under a minute")
    parser.add_argument("--skip-persist", action="store_true")
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    links = 100_000 if args.quick else args.links

    call_command("migrate", verbosity=0)
    obs = synthetic_observations(links, args.seed)

    t0 = time.perf_counter()
    graph = build_graph(obs)
    t1 = time.perf_counter()
    p = plan(graph)
    t2 = time.perf_counter()
    ours = partition(p)
    persisted_s = 0.0
    if not args.skip_persist:
        reset_tables()
        t3 = time.perf_counter()
        profiles = persist(p, source="bench", at=timezone.now())
        persisted_s = time.perf_counter() - t3
    else:
        profiles = len(ours)
    total_s = (t2 - t0) + persisted_s

    base_s, base_groups = baseline_networkx(graph.a, graph.b, p.shared, len(graph.keys))
    same = base_groups == ours

    p50 = p99 = float("nan")
    if not args.skip_persist:
        p50, p99 = incremental_latency(args.samples, profiles, args.seed)

    print(f"{'links':<28}{links:>14,}")
    print(f"{'identifiers':<28}{len(graph.keys):>14,}")
    print(f"{'profiles':<28}{profiles:>14,}")
    print(f"{'shared identifiers':<28}{int(p.shared.sum()):>14,}")
    print(f"{'build graph s':<28}{t1 - t0:>14.2f}")
    print(f"{'plan (components) s':<28}{t2 - t1:>14.2f}")
    print(f"{'persist s':<28}{persisted_s:>14.2f}  ({connection.vendor})")
    print(f"{'ours links/s (resolve)':<28}{links / (t2 - t0):>14,.0f}")
    print(f"{'ours links/s (+persist)':<28}{links / total_s:>14,.0f}")
    print(f"{'networkx links/s':<28}{links / base_s:>14,.0f}")
    print(f"{'same partition':<28}{same!s:>14}")
    print(f"{'incremental p50 / p99 ms':<28}{p50:>7.2f} / {p99:.2f}")
    print(
        json.dumps(
            {
                "bench": "identity_resolution",
                "n": links,
                "db": connection.vendor,
                "per_s": round(links / total_s),
                "resolve_only_per_s": round(links / (t2 - t0)),
                "baseline_per_s": round(links / base_s),
                "persist_s": round(persisted_s, 2),
                "same_result": same,
                "incremental_p50_ms": round(p50, 2),
                "incremental_p99_ms": round(p99, 2),
                "profiles": profiles,
            }
        )
    )


if __name__ == "__main__":
    main()
