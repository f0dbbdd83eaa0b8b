"""Load planned people through the customer verbs, exactly as live traffic would arrive.

Every touch goes through ``upsert_customer``, so identity resolution, merges and shared
phone flags happen for real: the demo shows (and tests check) the product's behaviour, not
rows arranged to look like it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from django.db import transaction

from siyu.core.models import OrgUnit
from siyu.customers.consent import record_consent
from siyu.customers.events import record_event
from siyu.customers.follows import follow_customer
from siyu.customers.identity_rules import IdentityInput
from siyu.customers.models import Customer, CustomerStatus, Tag, TagSource
from siyu.customers.orders import OrderInput, OrderLineInput, RefundInput, import_order
from siyu.customers.profiles import upsert_customer
from siyu.customers.tagging import add_tag, ensure_tag
from siyu.demo.brand import Brand
from siyu.demo.plan import IdentityPlan, OrderPlan, PersonPlan, Touch
from siyu.demo.simulate import Progress, SimulationResult

# People per transaction: one commit per person would dominate the time on SQLite; one
# for everything would hide progress and hold the write lock for the whole build.
CHUNK = 250


def chunks(people: Iterable[PersonPlan], size: int) -> Iterator[list[PersonPlan]]:
    it = iter(people)
    while batch := list(islice(it, size)):
        yield batch


class VerbLoader:
    def __init__(self, brand: Brand) -> None:
        self.brand = brand
        self.tags: dict[tuple[str, str], Tag] = {}
        self.orders = 0
        self.events = 0

    def store(self, name: str) -> OrgUnit:
        return self.brand.stores[name] if name else self.brand.brand

    def tag(self, group: str, name: str) -> Tag:
        if (group, name) not in self.tags:
            self.tags[group, name] = ensure_tag(group, name)
        return self.tags[group, name]

    def load(self, person: PersonPlan) -> Customer:
        # Resolution runs once per distinct set of identifiers a person shows: a repeat of
        # a set already resolved lands on the same profile (only this person's own touches
        # can merge it, and a merge returns the survivor, which we then use). This keeps
        # the demo's start-up time within a minute without bypassing the verbs.
        last_new = max(i for i, t in enumerate(person.touches) if t.identities not in
                       {u.identities for u in person.touches[:i]})  # fmt: skip
        resolved: dict[frozenset[IdentityPlan], Customer] = {}
        customer: Customer | None = None
        for i, touch in enumerate(person.touches):
            key = frozenset(touch.identities)
            if key not in resolved:
                fields = self.fields(person) if i == last_new else {}
                customer = upsert_customer(
                    inputs(touch.identities), fields=fields, source=touch.source, at=touch.at
                )
                # A merge may have absorbed profiles cached for other sets: re-point them.
                others = {c.pk for c in resolved.values()} - {customer.pk}
                if others:
                    gone = set(
                        Customer.objects.filter(pk__in=others)
                        .exclude(status=CustomerStatus.ACTIVE)
                        .values_list("pk", flat=True)
                    )
                    resolved.update({k: customer for k, c in resolved.items() if c.pk in gone})
                resolved[key] = customer
            self.apply(resolved[key], touch)
        assert customer is not None  # noqa: S101 - every plan has at least one touch
        self.finish(customer, person)
        return customer

    def apply(self, customer: Customer, touch: Touch) -> None:
        if touch.order is not None:
            import_order(customer, self.order_input(touch.order))
            self.orders += 1
        if touch.event is not None:
            event = touch.event
            record_event(
                customer,
                type=event.type,
                occurred_at=event.occurred_at,
                properties=dict(event.properties),
                source=touch.source,
                idempotency_key=event.idempotency_key,
            )
            self.events += 1

    def fields(self, person: PersonPlan) -> dict[str, Any]:
        p = person.profile
        gave_phone = any(i.type == "phone" and i.value == p.phone for t in person.touches for i in t.identities)  # fmt: skip
        return {
            **p.fields(),
            "phone": p.phone if gave_phone else "",
            "org_unit": self.store(person.store),
        }

    def finish(self, customer: Customer, person: PersonPlan) -> None:
        for follow in person.follows:
            staff = self.brand.staff[follow.username]
            follow_customer(customer, staff, primary=follow.primary, at=follow.at)
        for group, name in person.tags:
            source = TagSource.CHANNEL if group == "渠道" else TagSource.IMPORT
            add_tag(customer, self.tag(group, name), source=source)
        for consent in person.consents:
            record_consent(
                customer,
                purpose=consent.purpose,
                granted=consent.granted,
                policy_version=consent.policy_version,
                source=consent.source,
                at=consent.at,
            )

    def order_input(self, order: OrderPlan) -> OrderInput:
        return OrderInput(
            platform=order.platform,
            order_no=order.order_no,
            paid_at=order.paid_at,
            total_fen=order.total_fen,
            paid_fen=order.paid_fen,
            lines=tuple(
                OrderLineInput(
                    ln.sku,
                    ln.product_name,
                    ln.quantity,
                    ln.unit_price_fen,
                    ln.paid_fen,
                    ln.category,
                )
                for ln in order.lines
            ),
            refunds=tuple(
                RefundInput(r.refund_no, r.amount_fen, r.refunded_at) for r in order.refunds
            ),
            store=self.brand.stores[order.store] if order.store else None,
        )


def inputs(identities: tuple[IdentityPlan, ...]) -> tuple[IdentityInput, ...]:
    return tuple(IdentityInput(i.type, i.value, i.namespace) for i in identities)


def load_people(
    brand: Brand, people: Iterable[PersonPlan], *, progress: Progress | None = None
) -> SimulationResult:
    loader = VerbLoader(brand)
    count = 0
    for batch in chunks(people, CHUNK):
        with transaction.atomic():
            for person in batch:
                loader.load(person)
        count += len(batch)
        if progress:
            progress(len(batch))
    customers = Customer.objects.filter(status=CustomerStatus.ACTIVE).count()
    return SimulationResult(count, customers, loader.orders, loader.events, bulk=False)
