"""Rings and dense clusters in a referral graph (pure functions over edge lists).

An honest referral graph of one programme is a forest: everyone has at most one inviter,
and invitations run forward in time. Two shapes do not occur in it and mark fabricated
accounts farming rewards from each other:

- a *ring*: a directed cycle (A invites B invites C invites A), found as the strongly
  connected components with more than one member (iterative Tarjan, linear time);
- a *dense cluster*: accounts that invite each other round the houses without a cycle,
  found as the undirected 3-core (every member has at least three links inside it, which
  no forest and no honest cross-programme overlap produces), in components of ``min_size``.

Self-referrals (both ends one person per the identity graph) are found by the caller's
``person_of`` mapping.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

Edge = tuple[int, int]


def _index(edges: Sequence[Edge]) -> tuple[list[int], dict[int, int]]:
    ids: dict[int, int] = {}
    for u, v in edges:
        if u not in ids:
            ids[u] = len(ids)
        if v not in ids:
            ids[v] = len(ids)
    names = [0] * len(ids)
    for name, i in ids.items():
        names[i] = name
    return names, ids


def _adjacency(edges: Sequence[Edge], ids: dict[int, int], directed: bool) -> list[list[int]]:
    adj: list[list[int]] = [[] for _ in ids]
    for u, v in edges:
        a, b = ids[u], ids[v]
        if a == b:
            continue
        adj[a].append(b)
        if not directed:
            adj[b].append(a)
    return adj


def rings(edges: Sequence[Edge]) -> list[set[int]]:
    """The nodes of every directed cycle, one set per strongly connected component of two
    or more (a self-loop is a ring of one)."""
    names, ids = _index(edges)
    adj = _adjacency(edges, ids, directed=True)
    found = [{names[i] for i in comp} for comp in _tarjan(adj) if len(comp) > 1]
    found += [{u} for u, v in edges if u == v]
    return found


def _tarjan(adj: list[list[int]]) -> list[list[int]]:
    n = len(adj)
    index, low = [-1] * n, [0] * n
    on_stack = [False] * n
    stack: list[int] = []
    out: list[list[int]] = []
    counter = 0
    for root in range(n):
        if index[root] != -1:
            continue
        work = [(root, 0)]
        while work:
            node, i = work[-1]
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack[node] = True
            if i < len(adj[node]):
                work[-1] = (node, i + 1)
                nxt = adj[node][i]
                if index[nxt] == -1:
                    work.append((nxt, 0))
                elif on_stack[nxt]:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                out.append(_pop_component(stack, on_stack, node))
    return out


def _pop_component(stack: list[int], on_stack: list[bool], root: int) -> list[int]:
    comp = []
    while True:
        top = stack.pop()
        on_stack[top] = False
        comp.append(top)
        if top == root:
            return comp


def dense_clusters(edges: Sequence[Edge], *, k: int = 3, min_size: int = 4) -> list[set[int]]:
    """Connected parts of the undirected ``k``-core with at least ``min_size`` members."""
    names, ids = _index(edges)
    adj = [sorted(set(a)) for a in _adjacency(edges, ids, directed=False)]
    degree = [len(a) for a in adj]
    alive = [True] * len(adj)
    queue = [i for i, d in enumerate(degree) if d < k]
    for i in queue:
        alive[i] = False
    while queue:
        node = queue.pop()
        for nxt in adj[node]:
            if alive[nxt]:
                degree[nxt] -= 1
                if degree[nxt] < k:
                    alive[nxt] = False
                    queue.append(nxt)
    return [{names[i] for i in comp} for comp in _components(adj, alive) if len(comp) >= min_size]


def _components(adj: list[list[int]], alive: list[bool]) -> Iterable[list[int]]:
    seen = [not a for a in alive]
    for start in range(len(adj)):
        if seen[start]:
            continue
        seen[start] = True
        comp, todo = [], [start]
        while todo:
            node = todo.pop()
            comp.append(node)
            for nxt in adj[node]:
                if not seen[nxt]:
                    seen[nxt] = True
                    todo.append(nxt)
        yield comp


@dataclass(frozen=True)
class Findings:
    ring_edges: frozenset[Edge]
    cluster_edges: frozenset[Edge]
    self_edges: frozenset[Edge]

    @property
    def flagged(self) -> frozenset[Edge]:
        return self.ring_edges | self.cluster_edges | self.self_edges


def screen_graph(edges: Sequence[Edge], person_of: Callable[[int], int] | None = None) -> Findings:
    """Every edge inside a ring or a dense cluster, and every self-referral edge (both
    ends one person; ``person_of`` maps a profile to its person, identity by default)."""
    person = person_of or (lambda n: n)
    by_person = [(person(u), person(v)) for u, v in edges]
    ring_of = _membership(rings(by_person))
    cluster_of = _membership(dense_clusters(by_person))
    ring_edges, cluster_edges, self_edges = set(), set(), set()
    for edge, (pu, pv) in zip(edges, by_person, strict=True):
        if pu == pv:
            self_edges.add(edge)
        elif pu in ring_of and ring_of[pu] == ring_of.get(pv):
            ring_edges.add(edge)
        elif pu in cluster_of and cluster_of[pu] == cluster_of.get(pv):
            cluster_edges.add(edge)
    return Findings(frozenset(ring_edges), frozenset(cluster_edges), frozenset(self_edges))


def _membership(groups: list[set[int]]) -> dict[int, int]:
    return {node: i for i, group in enumerate(groups) for node in group}
