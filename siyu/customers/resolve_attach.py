"""Fast path of incremental resolution for the commonest write: a known person seen with a
new identifier (a WeCom add of someone we know by unionid, a new mini-program openid).

When every identifier already stored sits on one live profile and the new ones cannot
change who is shared or trip a cap, the general resolution (resolve.py) would lock the
profile, read its region back, link, find one component and move the new identifiers onto
the profile. This writes exactly that in one locked read and three inserts, in plain SQL
for the read (the ORM's compilation cost more than the query). Anything else (a new
identifier outranking a stored one, a cap, a concurrent writer) returns None before
writing and the general path decides.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from itertools import combinations

from django.db import IntegrityError, connection, transaction

from siyu.core.pii import encrypt_pii
from siyu.customers.changes import append_change
from siyu.customers.identity_rules import StoredKey, rule_for
from siyu.customers.models import (
    ChangeKind,
    Customer,
    CustomerStatus,
    Identity,
    IdentityLink,
    IdentityStatus,
)


def new_identity(
    key: StoredKey, source: str, at: datetime, customer: Customer | None = None
) -> Identity:
    return Identity(
        customer=customer,
        type=key.type,
        namespace=key.namespace,
        value=key.value,
        source=source,
        value_encrypted=encrypt_pii(key.plaintext) if key.plaintext else "",
        last4=key.last4,
        created_at=at,
    )


def attach_new(
    keys: list[StoredKey], known: list[Identity], source: str, at: datetime
) -> Customer | None:
    """The profile the new identifiers were attached to, or None to take the general path."""
    customer = _candidate(keys, known)
    if customer is None:
        return None
    stored = {(r.type, r.namespace, r.value) for r in known}
    fresh = [k for k in keys if (k.type, k.namespace, k.value) not in stored]
    if not _harmless(fresh, keys, known):
        return None
    try:
        with transaction.atomic():
            held = _locked_kinds(customer.pk)
            if held is None or not {r.pk for r in known} <= held.keys():
                return None  # merged or moved meanwhile; nothing written yet
            if not all_linked(sorted(r.pk for r in known)):
                return None  # a new link between stored identifiers may make one shared
            counts = Counter(held.values()) + Counter((k.type, k.namespace) for k in fresh)
            if any(n > rule_for(t).cap for (t, _ns), n in counts.items()):
                return None  # the general path opens the review flag
            rows = Identity.objects.bulk_create(
                [new_identity(k, source, at, customer) for k in fresh]
            )
            ids = sorted([r.pk for r in known] + [r.pk for r in rows])
            links = [
                IdentityLink(a_id=a, b_id=b, source=source, created_at=at)
                for a, b in combinations(ids, 2)
            ]
            IdentityLink.objects.bulk_create(links, ignore_conflicts=True)
            append_change(customer.pk, ChangeKind.IDENTITY, data={"gained": len(rows)})
    except IntegrityError:
        return None  # a concurrent writer stored one of the identifiers first
    return customer


def _candidate(keys: list[StoredKey], known: list[Identity]) -> Customer | None:
    """One live profile holding every stored identifier, as linked and current (no key
    rotation under way), with at least one identifier not stored yet."""
    if not known or len(known) >= len(keys) or any(k.older for k in keys):
        return None
    return live_profile_of(known)


def live_profile_of(rows: list[Identity]) -> Customer | None:
    """The one active profile every identifier of ``rows`` is linked to, or None."""
    customer = rows[0].customer
    if customer is None or customer.status != CustomerStatus.ACTIVE:
        return None
    if any(r.status != IdentityStatus.LINKED or r.customer_id != customer.pk for r in rows):
        return None
    return customer


def _harmless(fresh: list[StoredKey], keys: list[StoredKey], known: list[Identity]) -> bool:
    """No identifier of the observation turns shared: a stored one only when a new
    neighbour outranks it (``_mark_shared`` counts higher priorities only), a new one when
    the observation holds more values of a higher-priority kind than one person may."""
    lowest_stored = min(rule_for(r.type).priority for r in known)
    if any(rule_for(k.type).priority > lowest_stored for k in fresh):
        return False
    for key in fresh:
        mine = rule_for(key.type).priority
        others = Counter((k.type, k.namespace) for k in keys if k is not key)
        for (t, _ns), n in others.items():
            if rule_for(t).priority > mine and n > rule_for(t).cap:
                return False
    return True


_LOCKED_KINDS = (
    "SELECT c.status, i.id, i.type, i.namespace FROM customers_customer c"
    " JOIN customers_identity i ON i.customer_id = c.id AND i.status = %s"
    " WHERE c.id = %s ORDER BY i.id"
)


def _locked_kinds(customer_id: int) -> dict[int, tuple[str, str]] | None:
    """The profile's linked identifiers (id -> kind), the profile and they locked as the
    general path locks them (profile, then identifiers); None unless the profile is live."""
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cur:
        cur.execute(_LOCKED_KINDS + lock, [IdentityStatus.LINKED.value, customer_id])
        found = cur.fetchall()
    if not found or found[0][0] != CustomerStatus.ACTIVE:
        return None
    return {pk: (t, ns) for _status, pk, t, ns in found}


def all_linked(ids: list[int]) -> bool:
    """Whether every pair of these identifiers (ids ascending) is linked."""
    pairs = list(combinations(ids, 2))
    if not pairs:
        return True
    where = " OR ".join(["(a_id = %s AND b_id = %s)"] * len(pairs))
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT COUNT(*) FROM customers_identitylink WHERE {where}",  # noqa: S608 - ours
            [pk for pair in pairs for pk in pair],
        )
        (count,) = cur.fetchone()
    return int(count) == len(pairs)
