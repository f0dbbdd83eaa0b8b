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
from typing import Any

from django.db import transaction

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
from siyu.demo.plan import PersonPlan
from siyu.demo.simulate import Progress, SimulationResult

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
        customers = Customer.objects.bulk_create([self.customer(p) for p in people])
        self.identities(people, customers)
        self.follows_and_tags(people, customers)
        self.write_orders(people, customers)

    def customer(self, person: PersonPlan) -> Customer:
        p = person.profile
        store = self.brand.stores.get(person.store, self.brand.brand)
        owner = person.primary_owner
        return Customer(
            display_name=p.display_name,
            real_name=p.real_name,
            phone_last4=p.phone[-4:] if p.phone else "",
            gender=p.gender,
            birthday=p.birthday,
            region=p.region,
            occupation=p.occupation,
            interests=list(p.interests),
            spending_power=p.spending_power,
            lifecycle_stage=p.lifecycle_stage,
            primary_owner=self.brand.staff[owner] if owner else None,
            org_unit=store,
            status=CustomerStatus.ACTIVE,
            created_at=person.touches[0].at,
            first_seen_at=person.touches[0].at,
        )

    def identities(self, people: list[PersonPlan], customers: list[Customer]) -> None:
        rows: list[Identity] = []
        owners: list[int] = []  # index into rows where each person's identities start
        for person, customer in zip(people, customers, strict=True):
            owners.append(len(rows))
            seen: dict[tuple[str, str, str], Identity] = {}
            for touch in person.touches:
                for ident in touch.identities:
                    key = stored_key(IdentityInput(ident.type, ident.value, ident.namespace))
                    if key is None or (key.type, key.namespace, key.value) in seen:
                        continue
                    seen[key.type, key.namespace, key.value] = Identity(
                        customer=customer, type=key.type, namespace=key.namespace,
                        value=key.value, last4=key.last4, source=touch.source,
                        value_encrypted=encrypt_pii(key.plaintext) if key.plaintext else "",
                        created_at=touch.at,
                    )  # fmt: skip
            rows.extend(seen.values())
        created = Identity.objects.bulk_create(rows)
        owners.append(len(created))
        links = [
            IdentityLink(a_id=min(a.pk, b.pk), b_id=max(a.pk, b.pk), source="demo",
                         created_at=max(a.created_at, b.created_at))
            for start, end in itertools.pairwise(owners)
            for a, b in star(created[start:end])
        ]  # fmt: skip
        IdentityLink.objects.bulk_create(links)

    def follows_and_tags(self, people: list[PersonPlan], customers: list[Customer]) -> None:
        follows = [
            CustomerFollow(customer=c, staff=self.brand.staff[f.username], created_at=f.at)
            for p, c in zip(people, customers, strict=True)
            for f in p.follows
        ]
        CustomerFollow.objects.bulk_create(follows)
        tags = [
            CustomerTag(
                customer=c,
                tag=self.tag(group, name),
                source=TagSource.CHANNEL if group == "渠道" else TagSource.IMPORT,
                created_at=p.arrived_at,
            )
            for p, c in zip(people, customers, strict=True)
            for group, name in p.tags
        ]
        CustomerTag.objects.bulk_create(tags)

    def write_orders(self, people: list[PersonPlan], customers: list[Customer]) -> None:
        plans = [(c, o) for p, c in zip(people, customers, strict=True) for o in p.orders]
        orders = Order.objects.bulk_create(
            [
                Order(customer=c, platform=o.platform, order_no=o.order_no,
                      store=self.brand.stores.get(o.store), total_fen=o.total_fen,
                      paid_fen=o.paid_fen, refunded_fen=o.refunded_fen, paid_at=o.paid_at)
                for c, o in plans
            ]
        )  # fmt: skip
        lines: list[Any] = []
        refunds: list[Any] = []
        for row, (_c, o) in zip(orders, plans, strict=True):
            lines += [
                OrderLine(order=row, sku=ln.sku, product_name=ln.product_name,
                          category=ln.category, quantity=ln.quantity,
                          unit_price_fen=ln.unit_price_fen, paid_fen=ln.paid_fen)
                for ln in o.lines
            ]  # fmt: skip
            refunds += [
                Refund(order=row, refund_no=r.refund_no, amount_fen=r.amount_fen,
                       refunded_at=r.refunded_at)
                for r in o.refunds
            ]  # fmt: skip
        OrderLine.objects.bulk_create(lines, batch_size=CHUNK)
        Refund.objects.bulk_create(refunds)
        self.orders += len(orders)


def star(rows: list[Identity]) -> list[tuple[Identity, Identity]]:
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
