"""Skip identity resolution for identifiers that are already resolved.

Integrations mostly send events and orders for people the system already knows. When every
identifier of an item already exists, all belong to the same live profile and every pair
is already linked, ``resolve_identities`` would insert nothing and recompute the same
profile, so two reads replace its dozen statements. Anything else (a new identifier, a new
pair, a shared one) goes through the full resolution.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

from django.db.models import Q

from siyu.customers.identity_rules import IdentityInput, stored_key
from siyu.customers.models import (
    Customer,
    CustomerStatus,
    Identity,
    IdentityLink,
    IdentityStatus,
)
from siyu.customers.resolve import resolve_identities


def resolve_known_or_new(identities: Sequence[IdentityInput], *, source: str) -> Customer | None:
    return known_customer(identities) or resolve_identities(identities, source=source)


def known_customer(identities: Sequence[IdentityInput]) -> Customer | None:
    keys = {k for k in (stored_key(i) for i in identities) if k is not None}
    if not keys:
        return None
    query = Q()
    for k in keys:
        query |= Q(type=k.type, namespace=k.namespace, value=k.value)
    rows = list(Identity.objects.filter(query).select_related("customer"))
    customer = rows[0].customer if rows else None
    settled = (
        len(rows) == len({(k.type, k.namespace, k.value) for k in keys})
        and customer is not None
        and customer.status == CustomerStatus.ACTIVE
        and all(r.status == IdentityStatus.LINKED and r.customer_id == customer.pk for r in rows)
    )
    if not settled:
        return None
    pairs = list(combinations(sorted(r.pk for r in rows), 2))
    if pairs:
        pair_query = Q()
        for a, b in pairs:
            pair_query |= Q(a_id=a, b_id=b)
        if IdentityLink.objects.filter(pair_query).count() != len(pairs):
            return None
    return customer
