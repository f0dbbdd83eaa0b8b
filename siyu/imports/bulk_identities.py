"""Resolving a chunk's identifiers to profiles in a few queries instead of a transaction
per row, for the two cases that make up nearly every import:

* **known**: every identifier of the row is stored, linked, on one live profile, and each
  pair is linked (what ``resolve._settled_customer`` checks one row at a time);
* **new**: no identifier of the row is stored. The chunk's new rows are grouped with the
  vectorised resolution of first loads (``resolve_batch.build_graph`` / ``plan``), and each
  group becomes a profile with its identifiers and links in bulk inserts.

Anything else (a row joining a known profile with a new identifier, shared identifiers, a
merge) is left to ``resolve_identities`` row by row: the rule is order-independent, so
doing the easy rows first and the rest after gives the same profiles.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import combinations
from typing import Any

import numpy as np
from django.db import IntegrityError, connection, transaction

from siyu.core.pii import encrypt_pii
from siyu.customers.changes import NewChange, append_changes
from siyu.customers.gates import refused
from siyu.customers.identity_rules import IdentityInput, StoredKey, stored_key
from siyu.customers.models import (
    ChangeKind,
    Customer,
    CustomerStatus,
    Identity,
    IdentityLink,
    IdentityStatus,
)
from siyu.customers.resolve_batch import graph_of_keys, plan
from siyu.imports.fast_insert import insert_rows, reserve_ids

Key = tuple[str, str, str]
LOOKUP_BATCH = 900  # values per lookup query (SQLite binds at most 32,766 parameters)


def key_of(k: StoredKey) -> Key:
    return (k.type, k.namespace, k.value)


@dataclass
class Resolution:
    """Per row: a profile id, or None for rows left to the verbs."""

    customer: list[int | None]
    new: list[bool]  # the row's profile was created here
    # For new profiles: the rows of each, in file order (first row creates it).
    groups: dict[int, list[int]] = field(default_factory=dict)


# Stored keys of the identifiers of the import running now: the check pass, the
# comparison with what is stored and the write each need them, and a PII identifier's
# key is a keyed hash. Emptied when an import starts and ends (``forget_keys``), and
# bounded.
_keys: dict[tuple[str, str, str], StoredKey | None] = {}
# About 230 bytes a key: 200,000 of them were 35 MB of a customer import's peak (307 MB
# RSS at 50k customers), for 5 % of its time (a blind index costs 0.6 us again).
MAX_KEPT_KEYS = 50_000


_UNKNOWN = StoredKey("", "", "", "", "")  # a key not computed yet (None: not storable)


def key_for(item: IdentityInput) -> StoredKey | None:
    """``stored_key``, remembered for the running import."""
    return key_of_parts(item.type, item.value, item.namespace)


def key_of_parts(kind: str, value: str, namespace: str = "") -> StoredKey | None:
    """``key_for`` of the identifier with these parts: the input is built only when its
    key is not known yet (the checks and the write ask for each key several times)."""
    found = _keys.get((kind, value, namespace), _UNKNOWN)
    if found is not _UNKNOWN:
        return found
    if len(_keys) >= MAX_KEPT_KEYS:
        _keys.clear()
    found = _keys[(kind, value, namespace)] = stored_key(IdentityInput(kind, value, namespace))
    return found


def forget_keys() -> None:
    _keys.clear()


def row_keys(identities: Sequence[IdentityInput]) -> list[StoredKey]:
    seen: dict[Key, StoredKey] = {}
    for item in identities:
        k = key_for(item)
        if k is not None:
            seen.setdefault(key_of(k), k)
    return list(seen.values())


def _stored(keys: list[StoredKey]) -> dict[Key, tuple[int, int | None, str]]:
    # One IN list per (type, namespace), so the lookup walks the (type, namespace, value)
    # unique index instead of scanning the table. Plain SQL: compiling a query with
    # thousands of parameters costs Django more than running it costs the database.
    by_kind: dict[tuple[str, str], set[str]] = {}
    # During a PII key rotation a row may still carry an older index: found by it, keyed
    # by the current one.
    current = {(k.type, k.namespace, old): k.value for k in keys for old in k.older}
    for k in keys:
        by_kind.setdefault((k.type, k.namespace), set()).update(k.values)
    table = Identity._meta.db_table
    found: dict[Key, tuple[int, int | None, str]] = {}
    with connection.cursor() as cur:
        for (t, ns), values in sorted(by_kind.items()):
            ordered = sorted(values)
            for start in range(0, len(ordered), LOOKUP_BATCH):
                batch = ordered[start : start + LOOKUP_BATCH]
                marks = ", ".join(["%s"] * len(batch))
                cur.execute(
                    f"SELECT value, id, customer_id, status FROM {table} "  # noqa: S608
                    f"WHERE type = %s AND namespace = %s AND value IN ({marks})",
                    [t, ns, *batch],
                )
                for v, pk, c, st in cur.fetchall():
                    found[(t, ns, current.get((t, ns, v), v))] = (pk, c, st)
    return found


def _select_in(sql: str, params: list[Any], values: set[int]) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` + `` IN (values)``, in batches. Plain SQL: compiling an ORM query
    with thousands of parameters costs Django more than running it costs the database."""
    ordered = sorted(values)
    rows: list[tuple[Any, ...]] = []
    with connection.cursor() as cur:
        for start in range(0, len(ordered), LOOKUP_BATCH):
            batch = ordered[start : start + LOOKUP_BATCH]
            cur.execute(f"{sql} IN ({', '.join(['%s'] * len(batch))})", [*params, *batch])
            rows.extend(cur.fetchall())
    return rows


def _known_customer(
    keys: list[StoredKey], stored: dict[Key, tuple[int, int | None, str]]
) -> int | None:
    found = [stored.get(key_of(k)) for k in keys]
    if not found or any(f is None for f in found):
        return None
    owners = {f[1] for f in found if f is not None}
    if len(owners) != 1 or any(f[2] != IdentityStatus.LINKED for f in found if f is not None):
        return None
    return owners.pop()


def known_customers(keys: list[list[StoredKey]]) -> tuple[list[int | None], dict[Key, int]]:
    """Per row, the live profile all its identifiers are stored and linked on (None when
    not so), and the profile of every stored identifier of the rows."""
    stored = _stored([k for ks in keys for k in ks])
    candidates = {i: _known_customer(ks, stored) for i, ks in enumerate(keys)}
    _confirm_known(candidates, keys, stored)
    owners = {key: found[1] for key, found in stored.items() if found[1] is not None}
    return [candidates[i] for i in range(len(keys))], owners


def resolve_rows(
    rows: list[list[IdentityInput]],
    source: str,
    at: datetime,
    fields: Sequence[dict[str, Any]] | None = None,
) -> Resolution:
    """``fields`` (per row) are set on the profiles created here, in row order."""
    return resolve_keys([row_keys(r) for r in rows], source, at, fields)


def model_keys(identities: Sequence[Any]) -> list[StoredKey]:
    """``row_keys`` of a checked model's identities (``IdentityItem``), read from them
    directly: an ``IdentityInput`` per identifier was a fiftieth of a re-run."""
    seen: dict[Key, StoredKey] = {}
    for i in identities:
        k = key_of_parts(i.type, i.value, i.namespace)
        if k is not None:
            seen.setdefault(key_of(k), k)
    return list(seen.values())


def resolve_keys(
    keys: list[list[StoredKey]],
    source: str,
    at: datetime,
    fields: Sequence[dict[str, Any]] | None = None,
) -> Resolution:
    """``resolve_rows`` of the rows' stored keys (``row_keys``)."""
    stored = _stored([k for ks in keys for k in ks])
    result = Resolution([None] * len(keys), [False] * len(keys))
    candidates = {i: _known_customer(ks, stored) for i, ks in enumerate(keys)}
    _confirm_known(candidates, keys, stored)
    for i, customer in candidates.items():
        result.customer[i] = customer
    fresh = [i for i, ks in enumerate(keys) if ks and not any(key_of(k) in stored for k in ks)]
    if fresh and refused([k for i in fresh for k in keys[i]]):
        # A deleted person's row: left to the verbs, which refuse it (one check per chunk
        # when nobody in it was deleted).
        fresh = [i for i in fresh if not refused(keys[i])]
    new_rows = set(fresh)  # a list here made this line quadratic in the chunk's rows
    busy = {key_of(k) for i, ks in enumerate(keys) if i not in new_rows for k in ks}
    _create_new(result, fresh, keys, busy, New(source, at, fields))
    return result


@dataclass(frozen=True)
class New:
    source: str
    at: datetime
    fields: Sequence[dict[str, Any]] | None


def _confirm_known(
    candidates: dict[int, int | None],
    keys: list[list[StoredKey]],
    stored: dict[Key, tuple[int, int | None, str]],
) -> None:
    """Keep only candidates whose profile is live and whose identifiers are all linked."""
    owners = {c for c in candidates.values() if c is not None}
    live = {
        pk
        for (pk,) in _select_in(
            f"SELECT id FROM {Customer._meta.db_table} WHERE status = %s AND id",  # noqa: S608
            [CustomerStatus.ACTIVE],
            owners,
        )
    }
    pairs: dict[int, list[tuple[int, int]]] = {}
    ids: set[int] = set()
    for i, customer in candidates.items():
        if customer is None or customer not in live:
            candidates[i] = None
            continue
        pks = sorted(stored[key_of(k)][0] for k in keys[i])
        pairs[i] = list(combinations(pks, 2))
        if pairs[i]:
            ids.update(pks)
    if not ids:
        return
    # One IN list, on the leading column of the (a, b) unique index: two IN lists make
    # SQLite's planner scan.
    found = _select_in(
        f"SELECT a_id, b_id FROM {IdentityLink._meta.db_table} WHERE a_id",  # noqa: S608
        [],
        ids,
    )
    linked = {(x, y) for x, y in found if y in ids}
    for i, wanted in pairs.items():
        if any(p not in linked and p[::-1] not in linked for p in wanted):
            candidates[i] = None


def _create_new(
    result: Resolution,
    fresh: list[int],
    keys: list[list[StoredKey]],
    busy: set[Key],
    new: New,
) -> None:
    if not fresh:
        return
    graph = graph_of_keys([keys[i] for i in fresh])
    p = plan(graph)
    node = {(k.type, k.namespace, k.value): n for n, k in enumerate(graph.keys)}
    # A group that touches a shared identifier, or a key also used by a row that is not
    # new, is left to the verbs in full.
    refused = {int(p.profile_of[node[key]]) for key in busy if key in node}
    refused |= {int(g) for g, s in zip(p.profile_of, p.shared, strict=True) if s}
    rows_of: dict[int, list[int]] = {}
    for i in fresh:
        groups = {int(p.profile_of[node[key_of(k)]]) for k in keys[i] if key_of(k) in node}
        if len(groups) == 1 and not groups & refused and -1 not in groups:
            rows_of.setdefault(groups.pop(), []).append(i)
    if not rows_of:
        return
    try:
        with transaction.atomic():
            _insert(result, rows_of, graph.keys, p.profile_of, graph.a, graph.b, new)
    except IntegrityError:
        # A concurrent writer stored one of these identifiers first: the verbs take over.
        return


def _merged(rows: list[int], fields: Sequence[dict[str, Any]] | None) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for i in rows:
        merged.update(fields[i] if fields else {})
    return merged


def _insert(
    result: Resolution,
    rows_of: dict[int, list[int]],
    graph_keys: list[StoredKey],
    profile_of: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    new: New,
) -> None:
    source, at = new.source, new.at
    groups = sorted(rows_of)
    customer_ids = reserve_ids(Customer, len(groups))
    customer_of = dict(zip(groups, customer_ids, strict=True))
    insert_rows(
        Customer,
        [
            {"id": customer_of[g], "created_at": at, "updated_at": at, "first_seen_at": at,
             **_merged(rows_of[g], new.fields)}
            for g in groups
        ],
    )  # fmt: skip
    nodes = [n for n, g in enumerate(profile_of) if int(g) in customer_of]
    identity_ids = reserve_ids(Identity, len(nodes))
    pk_of = dict(zip(nodes, identity_ids, strict=True))
    insert_rows(
        Identity,
        [
            {
                "id": pk_of[n],
                "customer_id": customer_of[int(profile_of[n])],
                "type": graph_keys[n].type,
                "namespace": graph_keys[n].namespace,
                "value": graph_keys[n].value,
                "value_encrypted": encrypt_pii(graph_keys[n].plaintext)
                if graph_keys[n].plaintext
                else "",
                "last4": graph_keys[n].last4,
                "status": IdentityStatus.LINKED,
                "source": source,
                "created_at": at,
            }
            for n in nodes
        ],
    )
    pairs = [
        (pk_of[int(x)], pk_of[int(y)])
        for x, y in zip(a, b, strict=True)
        if int(x) in pk_of and int(y) in pk_of
    ]
    link_ids = reserve_ids(IdentityLink, len(pairs))
    insert_rows(
        IdentityLink,
        [
            {"id": i, "a_id": x, "b_id": y, "source": source, "created_at": at}
            for i, (x, y) in zip(link_ids, pairs, strict=True)
        ],
    )
    # New people enter the change feed like any profile the verbs create.
    append_changes((NewChange(cid, ChangeKind.IDENTITY) for cid in customer_ids), at=at)
    for g, rows in rows_of.items():
        result.groups[customer_of[g]] = rows
        for i in rows:
            result.customer[i] = customer_of[g]
            result.new[i] = True
