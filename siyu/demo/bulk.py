"""Bulk loader for benchmark-sized brands (and the tail of the default demo).

Why this bypasses the customer verbs: the verbs resolve identities one touch at a time
(~20 queries each), which is right for live traffic but takes hours for a million people.
The simulator knows each person's identifiers already form one connected profile, so it
can write the *result* of resolution directly: one profile per person, its identifiers, a
star of links (so later live resolution sees them as one component), follows, tags, orders.
This is acceptable only here, for generated data; events and consents are left to the
verb path (the benchmark does not need them and they would triple the row count).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from siyu.core.pii import encrypt_pii
from siyu.customers.identity_rules import IdentityInput, stored_key
from siyu.customers.models import (
    Customer,
    CustomerFollow,
    CustomerStatus,
    CustomerTag,
    Identity,
    IdentityLink,
    Order,
    OrderLine,
    Refund,
    Tag,
    TagSource,
)
from siyu.customers.tagging import ensure_tag
from siyu.demo.brand import Brand
from siyu.demo.load import chunks
from siyu.demo.plan import IdentityPlan, PersonPlan
from siyu.demo.simulate import Progress, SimulationResult
from siyu.imports.fast_insert import insert_rows, reserve_ids

CHUNK = 5000


class BulkLoader:
    def __init__(self, brand: Brand) -> None:
        self.brand = brand
        self.tags: dict[tuple[str, str], Tag] = {}
        self.orders = 0

    def tag(self, group: str, name: str) -> Tag:
        if (group, name) not in self.tags:
            self.tags[group, name] = ensure_tag(group, name)
        return self.tags[group, name]

    @transaction.atomic
    def load(self, people: list[PersonPlan]) -> None:
        # Rows as plain values with ids reserved up front (``fast_insert``): no model
        # instances, and the driver's executemany (COPY on PostgreSQL) instead of the ORM's
        # per-value SQL compilation, which was most of a million-person build.
        ids = reserve_ids(Customer, len(people))
        now = timezone.now()
        insert_rows(Customer, [self.customer(p, i, now) for p, i in zip(people, ids, strict=True)])
        self.identities(people, ids)
        self.follows_and_tags(people, ids)
        self.write_orders(people, ids)

    def customer(self, person: PersonPlan, customer_id: int, now: datetime) -> dict[str, Any]:
        p = person.profile
        store = self.brand.stores.get(person.store, self.brand.brand)
        owner = person.primary_owner
        at = person.touches[0].at
        return {
            "id": customer_id,
            **p.fields(),
            "phone_last4": p.phone[-4:] if p.phone else "",
            "primary_owner_id": self.brand.staff[owner].pk if owner else None,
            "org_unit_id": store.pk,
            "status": CustomerStatus.ACTIVE,
            "created_at": at,
            "updated_at": now,
            "first_seen_at": at,
        }

    def identities(self, people: list[PersonPlan], customer_ids: list[int]) -> None:
        rows: list[dict[str, Any]] = []
        owners: list[int] = []  # index into rows where each person's identities start
        for person, customer_id in zip(people, customer_ids, strict=True):
            owners.append(len(rows))
            seen: dict[tuple[str, str, str], dict[str, Any]] = {}
            met: set[IdentityPlan] = set()  # a person shows the same identifiers every touch
            for touch in person.touches:
                for ident in touch.identities:
                    if ident in met:
                        continue
                    met.add(ident)
                    key = stored_key(IdentityInput(ident.type, ident.value, ident.namespace))
                    if key is None or (key.type, key.namespace, key.value) in seen:
                        continue
                    seen[key.type, key.namespace, key.value] = {
                        "customer_id": customer_id, "type": key.type,
                        "namespace": key.namespace, "value": key.value, "last4": key.last4,
                        "source": touch.source, "created_at": touch.at,
                        "value_encrypted": encrypt_pii(key.plaintext) if key.plaintext else "",
                    }  # fmt: skip
            rows.extend(seen.values())
        for row, identity_id in zip(rows, reserve_ids(Identity, len(rows)), strict=True):
            row["id"] = identity_id
        insert_rows(Identity, rows)
        owners.append(len(rows))
        pairs = [
            pair for start, end in itertools.pairwise(owners) for pair in star(rows[start:end])
        ]
        links = [
            {"id": link_id, "a_id": min(a["id"], b["id"]), "b_id": max(a["id"], b["id"]),
             "source": "demo", "created_at": max(a["created_at"], b["created_at"])}
            for link_id, (a, b) in zip(reserve_ids(IdentityLink, len(pairs)), pairs, strict=True)
        ]  # fmt: skip
        insert_rows(IdentityLink, links)

    def follows_and_tags(self, people: list[PersonPlan], customer_ids: list[int]) -> None:
        follows = [
            (c, self.brand.staff[f.username].pk, f.at)
            for p, c in zip(people, customer_ids, strict=True)
            for f in p.follows
        ]
        insert_rows(
            CustomerFollow,
            [
                {"id": i, "customer_id": c, "staff_id": s, "created_at": at}
                for i, (c, s, at) in zip(reserve_ids(CustomerFollow, len(follows)), follows, strict=True)
            ],
        )  # fmt: skip
        tags = [
            (c, self.tag(group, name).pk, group, p.arrived_at)
            for p, c in zip(people, customer_ids, strict=True)
            for group, name in p.tags
        ]
        insert_rows(
            CustomerTag,
            [
                {"id": i, "customer_id": c, "tag_id": t, "created_at": at,
                 "source": TagSource.CHANNEL if group == "渠道" else TagSource.IMPORT}
                for i, (c, t, group, at) in zip(reserve_ids(CustomerTag, len(tags)), tags, strict=True)
            ],
        )  # fmt: skip

    def write_orders(self, people: list[PersonPlan], customer_ids: list[int]) -> None:
        plans = [(c, o) for p, c in zip(people, customer_ids, strict=True) for o in p.orders]
        order_ids = reserve_ids(Order, len(plans))
        now = timezone.now()
        stores = {name: unit.pk for name, unit in self.brand.stores.items()}
        insert_rows(
            Order,
            [
                {"id": i, "customer_id": c, "platform": o.platform, "order_no": o.order_no,
                 "store_id": stores.get(o.store), "total_fen": o.total_fen,
                 "paid_fen": o.paid_fen, "refunded_fen": o.refunded_fen, "paid_at": o.paid_at,
                 "created_at": now, "updated_at": now}
                for i, (c, o) in zip(order_ids, plans, strict=True)
            ],
        )  # fmt: skip
        lines = [(i, ln) for i, (_c, o) in zip(order_ids, plans, strict=True) for ln in o.lines]
        insert_rows(
            OrderLine,
            [
                {"id": n, "order_id": i, "sku": ln.sku, "product_name": ln.product_name,
                 "category": ln.category, "quantity": ln.quantity,
                 "unit_price_fen": ln.unit_price_fen, "paid_fen": ln.paid_fen}
                for n, (i, ln) in zip(reserve_ids(OrderLine, len(lines)), lines, strict=True)
            ],
        )  # fmt: skip
        refunds = [(i, r) for i, (_c, o) in zip(order_ids, plans, strict=True) for r in o.refunds]
        insert_rows(
            Refund,
            [
                {"id": n, "order_id": i, "refund_no": r.refund_no, "amount_fen": r.amount_fen,
                 "refunded_at": r.refunded_at, "created_at": now}
                for n, (i, r) in zip(reserve_ids(Refund, len(refunds)), refunds, strict=True)
            ],
        )  # fmt: skip
        self.orders += len(plans)


def star(rows: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Link every identifier to the person's first one: connected, with n-1 links."""
    return [(rows[0], r) for r in rows[1:]] if len(rows) > 1 else []


def load_bulk(
    brand: Brand, people: Iterable[PersonPlan], *, progress: Progress | None = None
) -> SimulationResult:
    loader = BulkLoader(brand)
    count = 0
    for batch in chunks(people, CHUNK):
        loader.load(batch)
        count += len(batch)
        if progress:
            progress(len(batch))
    customers = Customer.objects.filter(status=CustomerStatus.ACTIVE).count()
    return SimulationResult(count, customers, loader.orders, 0, bulk=True)
