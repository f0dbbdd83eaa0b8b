"""Plain-Python statement of the identity-resolution rule, for tests and benchmarks to
compare the database engine against."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from itertools import combinations

from siyu.customers.identity_rules import IdentityInput, rule_for, stored_key

Key = tuple[str, str, str]


def expected_partition(
    observations: Sequence[Sequence[IdentityInput]],
) -> tuple[set[frozenset[Key]], set[Key]]:
    """(groups of identifiers that form one profile, identifiers judged shared)."""
    nodes: set[Key] = set()
    edges: set[tuple[Key, Key]] = set()
    for obs in observations:
        keys = sorted({(k.type, k.namespace, k.value) for i in obs if (k := stored_key(i))})
        nodes.update(keys)
        edges.update(combinations(keys, 2))
    neighbours: dict[Key, set[Key]] = defaultdict(set)
    for a, b in edges:
        neighbours[a].add(b)
        neighbours[b].add(a)
    shared = {v for v in nodes if _is_shared(v, neighbours[v])}
    parent = {v: v for v in nodes - shared}

    def find(x: Key) -> Key:
        while parent[x] != x:
            x = parent[x]
        return x

    for a, b in edges:
        if a in parent and b in parent:
            parent[find(a)] = find(b)
    groups: dict[Key, set[Key]] = defaultdict(set)
    for v in parent:
        groups[find(v)].add(v)
    return {frozenset(g) for g in groups.values()}, shared


def _is_shared(v: Key, neighbours: set[Key]) -> bool:
    mine = rule_for(v[0]).priority
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for t, ns, _ in neighbours:
        counts[(t, ns)] += 1
    return any(rule_for(t).priority > mine and n > rule_for(t).cap for (t, _), n in counts.items())
