"""Bulk identity resolution for first loads (a brand's history, the demo at 1M customers).

Applies the same rule as ``resolve.py`` — shared identifiers join nothing, profiles are the
connected components of the remaining links — to a whole graph at once with numpy and
scipy's sparse connected components, then writes profiles, identifiers and links with
bulk inserts (COPY on PostgreSQL). It expects empty identity tables: on a live database
use ``resolve_identities`` per observation.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from siyu.core.bulk_rows import copy_rows
from siyu.core.pii import encrypt_pii
from siyu.core.table_stats import analyze
from siyu.customers.gates import refused
from siyu.customers.identity_rules import RULES, IdentityInput, StoredKey, rule_for, stored_key
from siyu.customers.models import ChangeKind, Customer, CustomerChange, Identity, IdentityLink


@dataclass
class Graph:
    """Identifiers as integers 0..n-1 and links as two int arrays (a < b, deduplicated)."""

    keys: list[StoredKey]
    a: np.ndarray
    b: np.ndarray


@dataclass
class Plan:
    graph: Graph
    shared: np.ndarray  # bool per identifier
    profile_of: np.ndarray  # profile number per identifier, -1 for shared


def build_graph(observations: Iterable[Sequence[IdentityInput]]) -> Graph:
    index: dict[tuple[str, str, str], int] = {}
    # Inputs repeat across observations (a unionid on every event of a person):
    # normalise and hash each distinct input once.
    seen: dict[IdentityInput, int | None] = {}
    keys: list[StoredKey] = []

    def nodes(obs: Sequence[IdentityInput]) -> list[int]:
        members: list[int] = []
        for item in obs:
            node = seen.get(item, -1)
            if node == -1:
                node = seen[item] = _node_for(item, index, keys)
            if node is not None:
                members.append(node)
        return members

    return _graph((nodes(obs) for obs in observations), keys)


def graph_of_keys(observations: Iterable[Sequence[StoredKey]]) -> Graph:
    """``build_graph`` for observations already normalised to their stored keys."""
    index: dict[tuple[str, str, str], int] = {}
    keys: list[StoredKey] = []

    def nodes(obs: Sequence[StoredKey]) -> list[int]:
        members: list[int] = []
        for k in obs:
            ident = (k.type, k.namespace, k.value)
            node = index.get(ident)
            if node is None:
                node = index[ident] = len(keys)
                keys.append(k)
            members.append(node)
        return members

    return _graph((nodes(obs) for obs in observations), keys)


def _graph(observations: Iterable[list[int]], keys: list[StoredKey]) -> Graph:
    src: list[int] = []
    dst: list[int] = []
    for members in observations:
        first = members[0] if members else -1
        for m in members[1:]:  # a star carries the same connectivity as the clique
            src.append(first)
            dst.append(m)
        for i, x in enumerate(members[1:], start=1):
            for y in members[i + 1 :]:
                src.append(x)
                dst.append(y)
    a = np.asarray(src, dtype=np.int64)
    b = np.asarray(dst, dtype=np.int64)
    return Graph(keys, *dedupe_edges(a, b))


def _node_for(
    item: IdentityInput, index: dict[tuple[str, str, str], int], keys: list[StoredKey]
) -> int | None:
    k = stored_key(item)
    if k is None:
        return None
    ident = (k.type, k.namespace, k.value)
    node = index.get(ident)
    if node is None:
        node = index[ident] = len(keys)
        keys.append(k)
    return node


def dedupe_edges(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    keep = lo != hi
    lo, hi = lo[keep], hi[keep]
    packed = np.unique((lo << 32) | hi)
    return packed >> 32, packed & 0xFFFFFFFF


def plan(graph: Graph) -> Plan:
    n = len(graph.keys)
    type_codes = {t: i for i, t in enumerate(sorted({k.type for k in graph.keys}))}
    ns_codes = {x: i for i, x in enumerate(sorted({(k.type, k.namespace) for k in graph.keys}))}
    node_type = np.fromiter((type_codes[k.type] for k in graph.keys), np.int64, n)
    node_tns = np.fromiter((ns_codes[(k.type, k.namespace)] for k in graph.keys), np.int64, n)
    priority = np.array([rule_for(t).priority for t in type_codes], dtype=np.int64)
    cap_by_tns = np.array([rule_for(t).cap for t, _ in ns_codes], dtype=np.int64)

    # Each link seen from both ends; count, per identifier, the distinct higher-priority
    # neighbours of each (type, namespace). Links are deduplicated, so a count of links
    # is a count of distinct values.
    src = np.concatenate([graph.a, graph.b])
    dst = np.concatenate([graph.b, graph.a])
    higher = priority[node_type[dst]] > priority[node_type[src]]
    src, tns = src[higher], node_tns[dst[higher]]
    shared = np.zeros(n, dtype=bool)
    if src.size:
        packed, counts = np.unique(src * len(ns_codes) + tns, return_counts=True)
        over = counts > cap_by_tns[packed % len(ns_codes)]
        shared[packed[over] // len(ns_codes)] = True

    live = ~(shared[graph.a] | shared[graph.b])
    labels = components(n, graph.a[live], graph.b[live])
    # Renumber components over non-shared identifiers only, so every profile is non-empty.
    profile_of = np.full(n, -1, dtype=np.int64)
    _, profile_of[~shared] = np.unique(labels[~shared], return_inverse=True)
    return Plan(graph, shared, profile_of)


# Below this many identifiers (an import chunk) a union-find in Python is quicker than
# loading scipy (two seconds) and about as quick as running it.
SMALL_GRAPH = 50_000


def components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per node, a label of its connected component; labels ordered like the components'
    smallest nodes (as scipy's ``connected_components`` numbers them)."""
    if n > SMALL_GRAPH:
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        matrix = coo_matrix((np.ones(a.size, dtype=np.int8), (a, b)), shape=(n, n))
        labels: np.ndarray = connected_components(matrix, directed=False)[1]
        return labels.astype(np.int64)
    root = list(range(n))

    def find(x: int) -> int:
        while root[x] != x:
            root[x] = root[root[x]]
            x = root[x]
        return x

    for x, y in zip(a.tolist(), b.tolist(), strict=True):
        rx, ry = find(x), find(y)
        if rx != ry:
            root[max(rx, ry)] = min(rx, ry)  # the smallest node stays the root
    return np.fromiter((find(x) for x in range(n)), np.int64, n)


def partition(p: Plan) -> set[frozenset[int]]:
    if not p.profile_of.size:
        return set()
    order = np.argsort(p.profile_of, kind="stable")
    order = order[p.profile_of[order] >= 0]
    cuts = np.flatnonzero(np.diff(p.profile_of[order])) + 1
    return {frozenset(group.tolist()) for group in np.split(order, cuts)}


@transaction.atomic
def persist(p: Plan, *, source: str, at: datetime, chunk: int = 50_000) -> int:
    """Write profiles, identifiers and links. Returns the number of profiles."""
    if Identity.objects.exists():
        raise ValueError("bulk resolution needs empty identity tables; use resolve_identities")
    if refused(p.graph.keys):
        raise ValueError(
            "identifiers of deleted people: use resolve_identities, which refuses them"
        )
    profiles = int(p.profile_of.max()) + 1 if p.profile_of.size else 0
    _skip_fk_triggers_if_allowed()
    at_db = connection.ops.adapt_datetimefield_value(at)
    customer_ids = _insert_customers(profiles, at, chunk)
    status = np.where(p.shared, "shared", "linked")
    identity_rows = (
        (
            int(customer_ids[pid]) if pid >= 0 else None,
            k.type,
            k.namespace,
            k.value,
            encrypt_pii(k.plaintext) if k.plaintext else "",
            k.last4,
            str(st),
            source,
            at_db,
        )
        for k, pid, st in zip(p.graph.keys, p.profile_of, status, strict=True)
    )
    cols = [
        "customer_id",
        "type",
        "namespace",
        "value",
        "value_encrypted",
        "last4",
        "status",
        "source",
        "created_at",
    ]
    copy_rows(Identity._meta.db_table, cols, identity_rows, chunk=chunk)
    base = Identity.objects.order_by("pk").values_list("pk", flat=True).first() or 0
    link_rows = (
        (base + int(x), base + int(y), False, source, at_db)
        for x, y in zip(p.graph.a, p.graph.b, strict=True)
    )
    copy_rows(
        IdentityLink._meta.db_table,
        ["a_id", "b_id", "blocked", "source", "created_at"],
        link_rows,
        chunk=chunk,
    )
    _append_new_profiles(customer_ids, chunk)
    _refresh_statistics()
    return profiles


def _append_new_profiles(customer_ids: np.ndarray, chunk: int) -> None:
    # The change feed hears of every new profile, like resolve_identities' (same
    # transaction), stamped with the write time: retention counts from it, not from ``at``.
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = ((int(cid), str(ChangeKind.IDENTITY), None, "{}", now) for cid in customer_ids)
    cols = ["customer_id", "kind", "ref", "data", "created_at"]
    copy_rows(CustomerChange._meta.db_table, cols, rows, chunk=chunk)


def _insert_customers(count: int, at: datetime, chunk: int) -> np.ndarray:
    before = Customer.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    # Model defaults are Python-side, so raw inserts spell every column out once.
    template = Customer(created_at=at, updated_at=at, first_seen_at=at)
    fields = [f for f in Customer._meta.concrete_fields if not f.primary_key]
    row = tuple(f.get_db_prep_save(getattr(template, f.attname), connection) for f in fields)
    cols = [f.column for f in fields]
    copy_rows(Customer._meta.db_table, cols, (row for _ in range(count)), chunk=chunk)
    ids = Customer.objects.filter(pk__gt=before).order_by("pk").values_list("pk", flat=True)
    return np.fromiter(ids, dtype=np.int64, count=count)


def _refresh_statistics() -> None:
    # After millions of rows arrive at once the planner's statistics are stale, and the
    # first incremental resolutions would otherwise scan instead of using the indexes.
    analyze(Customer, Identity, IdentityLink)


def _skip_fk_triggers_if_allowed() -> None:
    """Foreign-key checks fire a trigger per row during COPY. Every reference
    written here points at a row written in the same transaction, so when the database
    role may (superuser), skip them for this transaction only."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cur:
        cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cur.fetchone()
        if row and row[0]:
            cur.execute("SET LOCAL session_replication_role = replica")


__all__ = ["RULES", "Graph", "Plan", "build_graph", "graph_of_keys", "partition", "persist", "plan"]
