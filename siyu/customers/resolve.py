"""Incremental identity resolution: one observation (an event, an import row, a WeCom
callback) says "these identifiers are one person".

The rule, which makes the result independent of the order observations arrive in:

* identifiers are nodes; every observation links all of its identifiers;
* an identifier seen beside more distinct values of a *higher-priority* type than one
  person can hold is **shared** (a store phone given by several members): it is kept and
  flagged for review, but joins nothing;
* a profile is a connected component of the links between non-shared identifiers, minus
  links an operator blocked by unmerging.

Being shared only ever switches on as links are added, so each observation needs to
recompute just the profiles it touches. Merges beyond the merge/identifier limits stop and
are flagged instead (``SIYU_MERGE_LIMIT``, ``SIYU_IDENTITY_LIMIT``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from itertools import combinations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from siyu.customers.acquisition import note_seen
from siyu.customers.changes import append_change
from siyu.customers.gates import refused
from siyu.customers.identity_rules import IdentityInput, StoredKey, rule_for, stored_key
from siyu.customers.merge import merge_customers
from siyu.customers.merge_hooks import MergeRefused
from siyu.customers.models import (
    ChangeKind,
    Customer,
    Identity,
    IdentityLink,
    IdentityStatus,
    ReviewFlag,
    ReviewKind,
)
from siyu.customers.resolve_attach import all_linked, attach_new, live_profile_of, new_identity
from siyu.customers.retry import retry_on_conflict


def resolve_identities(
    identities: Sequence[IdentityInput],
    *,
    source: str,
    at: datetime | None = None,
    returning: bool = False,
) -> Customer | None:
    """Link these identifiers as one person; return the profile they now belong to (None
    when every identifier is junk or shared, or a gate refuses them: a deleted person's
    tombstone). ``returning``: the person came back on her own (a new WeCom add)."""
    keys = _dedupe(k for k in (stored_key(i) for i in identities) if k is not None)
    if not keys:
        return None
    known = list(Identity.objects.filter(_key_filter(keys)).select_related("customer"))
    settled = _settled_customer(keys, known)
    if settled is not None:
        return note_seen(settled, at) if at else settled
    if refused(keys, returning=returning):
        return None
    when = at or timezone.now()
    if not known and len(keys) == 1:
        fresh = _new_person(keys[0], source, when)
        if fresh is not None:
            return fresh
    attached = retry_on_conflict(lambda: attach_new(keys, known, source, when))
    if attached is not None:
        return note_seen(attached, when)
    customer: Customer | None = retry_on_conflict(lambda: _resolve(keys, source, when))
    return note_seen(customer, when) if customer else None


def _key_filter(keys: list[StoredKey]) -> Q:
    q = Q()
    for k in keys:
        q |= Q(type=k.type, namespace=k.namespace, value__in=k.values)
    return q


def _settled_customer(keys: list[StoredKey], rows: list[Identity]) -> Customer | None:
    """Fast path for people we already know (most events and orders): when every
    identifier (``rows``, as stored) exists on one live profile and every pair is already
    linked, resolution would change nothing, so two reads replace a write transaction."""
    if len(rows) != len(keys):
        return None
    customer = live_profile_of(rows)
    if customer is None or not all_linked(sorted(r.pk for r in rows)):
        return None
    return customer


def _new_person(key: StoredKey, source: str, at: datetime) -> Customer | None:
    """Fast path for a first contact: one identifier nobody holds yet becomes a profile of
    its own with two INSERTs, where the general resolution would lock, read back and link
    (what it would decide for a lone new identifier is exactly this). None when a
    concurrent writer stored the identifier first: the general path then takes over."""
    try:
        with transaction.atomic():
            customer = Customer.objects.create(created_at=at)
            identity = new_identity(key, source, at, customer=customer)
            identity.save(force_insert=True)
            append_change(customer.pk, ChangeKind.IDENTITY, ref=identity.pk)
    except IntegrityError:
        return None
    return customer


def _dedupe(keys: Iterable[StoredKey]) -> list[StoredKey]:
    seen: dict[tuple[str, str, str], StoredKey] = {}
    for k in keys:
        seen.setdefault((k.type, k.namespace, k.value), k)
    return list(seen.values())


@transaction.atomic
def _resolve(keys: list[StoredKey], source: str, at: datetime) -> Customer | None:
    rows = _ensure_identities(keys, source, at)
    row_ids = [r.pk for r in rows]
    # Lock order is profiles (by pk) before identifiers (by pk), the order merges write
    # in, so concurrent resolutions queue instead of deadlocking in the common case; the
    # rare out-of-order case (a profile merged away while we waited) is retried.
    customers = _lock_customers({r.customer_id for r in rows if r.customer_id})
    region = _lock_region(row_ids, customers)
    late = {r.customer_id for r in region.values() if r.customer_id} - customers.keys()
    if late:
        customers.update(_lock_customers(late))
        region = _lock_region(row_ids, customers)
    observed = [region[pk] for pk in row_ids]
    _ensure_links(observed, source, at)
    links = _links_touching(region.keys())
    _mark_shared(observed, region, links, at)
    linked = {pk: r for pk, r in region.items() if r.status == IdentityStatus.LINKED}
    owner = _apply_components(linked, links, customers, at)
    best = sorted(
        (r for r in observed if r.status == IdentityStatus.LINKED),
        key=lambda r: (-rule_for(r.type).priority, r.pk),
    )
    return owner[best[0].pk] if best else None


def _ensure_identities(keys: list[StoredKey], source: str, at: datetime) -> list[Identity]:
    # ignore_conflicts: a concurrent writer inserting the same identifier waits on the
    # unique index and then yields to the committed row, which the select below reads.
    keys = sorted(keys, key=lambda k: (k.type, k.namespace, k.value))
    for k in keys:
        if k.older:  # a key rotation is under way: move a not-yet-rotated row to the new
            # index now, so the insert below never adds a second row for one identifier.
            Identity.objects.filter(type=k.type, namespace=k.namespace, value__in=k.older).update(
                value=k.value
            )
    Identity.objects.bulk_create([new_identity(k, source, at) for k in keys], ignore_conflicts=True)
    return list(Identity.objects.filter(_key_filter(keys)).order_by("pk"))


def _lock_customers(ids: set[int]) -> dict[int, Customer]:
    if not ids:
        return {}
    found = Customer.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    return {c.pk: c for c in found}


def _lock_region(row_ids: list[int], customers: dict[int, Customer]) -> dict[int, Identity]:
    """The observed identifiers plus every identifier of the profiles they touch."""
    q = Q(pk__in=row_ids)
    if customers:
        q |= Q(customer_id__in=customers.keys(), status=IdentityStatus.LINKED)
    return {r.pk: r for r in Identity.objects.select_for_update().filter(q).order_by("pk")}


def _ensure_links(rows: list[Identity], source: str, at: datetime) -> None:
    pairs = [(a.pk, b.pk) for a, b in combinations(sorted(rows, key=lambda r: r.pk), 2)]
    if pairs:
        IdentityLink.objects.bulk_create(
            [IdentityLink(a_id=a, b_id=b, source=source, created_at=at) for a, b in pairs],
            ignore_conflicts=True,
        )


def _links_touching(ids: Iterable[int]) -> list[tuple[int, int, bool]]:
    ids = list(ids)
    found = IdentityLink.objects.filter(Q(a_id__in=ids) | Q(b_id__in=ids))
    return list(found.values_list("a_id", "b_id", "blocked"))


def _mark_shared(
    observed: list[Identity],
    region: dict[int, Identity],
    links: list[tuple[int, int, bool]],
    at: datetime,
) -> None:
    """Switch on ``shared`` for observed identifiers now linked to more people than allowed."""
    live = {r.pk: r for r in observed if r.status != IdentityStatus.SHARED}
    neighbours: dict[int, set[int]] = defaultdict(set)
    for a, b, _ in links:
        if a in live:
            neighbours[a].add(b)
        if b in live:
            neighbours[b].add(a)
    kinds = {pk: (r.type, r.namespace) for pk, r in region.items()}
    unknown = {n for ns in neighbours.values() for n in ns} - kinds.keys()
    if unknown:
        found = Identity.objects.filter(pk__in=unknown).values_list("pk", "type", "namespace")
        kinds.update({pk: (t, ns) for pk, t, ns in found})
    for pk, row in live.items():
        overflow = _overflowing_type(row, [kinds[n] for n in neighbours[pk]])
        if overflow is None:
            continue
        if row.customer_id is not None:
            append_change(row.customer_id, ChangeKind.IDENTITY, ref=row.pk, data={"shared": True})
        row.status = IdentityStatus.SHARED
        row.customer_id = None
        row.save(update_fields=["status", "customer"])
        ReviewFlag.objects.create(
            kind=ReviewKind.SHARED_IDENTIFIER,
            identity=row,
            created_at=at,
            detail={"type": row.type, "seen_with": overflow[0], "distinct": overflow[1]},
        )


def _overflowing_type(
    row: Identity, neighbour_kinds: list[tuple[str, str]]
) -> tuple[str, int] | None:
    mine = rule_for(row.type).priority
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for kind in neighbour_kinds:
        counts[kind] += 1
    for (t, _ns), n in sorted(counts.items()):
        rule = rule_for(t)
        if rule.priority > mine and n > rule.cap:
            return t, n
    return None


def _components(
    region: dict[int, Identity], links: list[tuple[int, int, bool]]
) -> list[list[Identity]]:
    parent = {pk: pk for pk in region}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b, blocked in links:
        if blocked or a not in parent or b not in parent:
            continue
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[Identity]] = defaultdict(list)
    for pk, r in region.items():
        groups[find(pk)].append(r)
    return list(groups.values())


def _anchor(identities: list[Identity]) -> Identity:
    return min(identities, key=lambda r: (-rule_for(r.type).priority, r.pk))


def _apply_components(
    region: dict[int, Identity],
    links: list[tuple[int, int, bool]],
    customers: dict[int, Customer],
    at: datetime,
) -> dict[int, Customer]:
    """Give every component one profile; return the profile of each identifier."""
    components = _components(region, links)
    keeps = _kept_by(components, customers)
    owner: dict[int, Customer] = {}
    for index, component in enumerate(components):
        involved = sorted(
            (c for c, i in keeps.items() if i == index),
            key=lambda pk: (customers[pk].created_at, pk),
        )
        survivor = customers[involved[0]] if involved else _new_profile(at, customers)
        apart: set[int] = set()
        for other_id in involved[1:]:
            if not _join(survivor, customers[other_id], at):
                apart.add(other_id)
        moving = [r for r in component if r.customer_id not in apart]
        stale = [r.pk for r in moving if r.customer_id != survivor.pk]
        if stale:
            Identity.objects.filter(pk__in=stale).update(customer=survivor)
            append_change(survivor.pk, ChangeKind.IDENTITY, data={"gained": len(stale)})
        for r in component:
            owner[r.pk] = customers[r.customer_id] if r.customer_id in apart else survivor
        _flag_cap_overflow(survivor, moving, at)
    return owner


def _join(survivor: Customer, other: Customer, at: datetime) -> bool:
    """Merge ``other`` into ``survivor`` unless a limit or an app's merge hook says no;
    then both stay apart and the survivor is flagged for review."""
    if _over_limit(survivor, other):
        _flag_limit(survivor, other, at)
        return False
    try:
        merge_customers(survivor, other, reason="identity resolution")
    except MergeRefused as refused:
        detail: dict[str, object] = {"blocked_merge_with": other.pk, "refused_by": refused.label}
        _open_flag(ReviewKind.MERGE_REFUSED, survivor, at, detail)
        return False
    return True


def _kept_by(components: list[list[Identity]], customers: dict[int, Customer]) -> dict[int, int]:
    """Which component keeps each existing profile. A profile spread over several
    components (an identifier in it just turned shared) stays with the component holding
    its most trusted identifier; the other parts become new profiles."""
    by_customer: dict[int, list[tuple[Identity, int]]] = defaultdict(list)
    for index, component in enumerate(components):
        for r in component:
            if r.customer_id is not None and r.customer_id in customers:
                by_customer[r.customer_id].append((r, index))
    keeps: dict[int, int] = {}
    for customer_id, members in by_customer.items():
        anchor = _anchor([r for r, _ in members])
        keeps[customer_id] = next(i for r, i in members if r.pk == anchor.pk)
    return keeps


def _new_profile(at: datetime, customers: dict[int, Customer]) -> Customer:
    customer = Customer.objects.create(created_at=at)
    customers[customer.pk] = customer
    return customer


def _over_limit(survivor: Customer, other: Customer) -> bool:
    merges = survivor.merge_count + other.merge_count + 1
    if merges > settings.SIYU_MERGE_LIMIT:
        return True
    count = Identity.objects.filter(customer_id__in=[survivor.pk, other.pk]).count()
    return bool(count > settings.SIYU_IDENTITY_LIMIT)


def _flag_limit(survivor: Customer, other: Customer, at: datetime) -> None:
    Customer.objects.filter(pk=survivor.pk).update(needs_review=True)
    survivor.needs_review = True
    _open_flag(ReviewKind.MERGE_LIMIT, survivor, at, {"blocked_merge_with": other.pk})


def _flag_cap_overflow(customer: Customer, identities: list[Identity], at: datetime) -> None:
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for r in identities:
        counts[(r.type, r.namespace)] += 1
    over = {f"{t}:{ns}": n for (t, ns), n in counts.items() if n > rule_for(t).cap}
    if over:
        _open_flag(ReviewKind.CAP_EXCEEDED, customer, at, {"over": over})


def _open_flag(kind: str, customer: Customer, at: datetime, detail: dict[str, object]) -> None:
    # Merges carry flags along, so a profile may hold several open ones of a kind.
    if not ReviewFlag.objects.filter(kind=kind, customer=customer, resolved_at=None).exists():
        ReviewFlag.objects.create(kind=kind, customer=customer, created_at=at, detail=detail)
