"""One block of bulk-loaded people as rows the driver takes, with ids local to the block.

Planning people and preparing their rows is most of a bulk load's CPU and needs no
database, so ``bulk.py`` has worker processes build blocks while it writes the one before.
A block numbers its rows from 0 in each table, and its references (an identity's customer,
a line's order, a tag) point at those numbers. The writer swaps them for the ids it
reserves (``placed``), so ids stay contiguous and in people's order however many processes
planned.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import models

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
    TagSource,
)
from siyu.demo.plan import IdentityPlan, PersonPlan
from siyu.imports.fast_insert import prepared_rows

TAG = "tag"  # a reference into the block's own list of (group, tag) names
# For each table, in the order it is written: which columns hold block-local numbers of
# which table (``TAG``: of the block's tag names).
REFERENCES: dict[type[models.Model], dict[str, type[models.Model] | str]] = {
    Customer: {"id": Customer},
    Identity: {"id": Identity, "customer_id": Customer},
    IdentityLink: {"id": IdentityLink, "a_id": Identity, "b_id": Identity},
    CustomerFollow: {"id": CustomerFollow, "customer_id": Customer},
    CustomerTag: {"id": CustomerTag, "customer_id": Customer, "tag_id": TAG},
    Order: {"id": Order, "customer_id": Customer},
    OrderLine: {"id": OrderLine, "order_id": Order},
    Refund: {"id": Refund, "order_id": Order},
}


@dataclass(frozen=True)
class BrandIds:
    """What a block needs of the brand already in the database, as plain numbers."""

    staff: dict[str, int]  # username → staff id
    stores: dict[str, int]  # store name → org unit id
    brand: int  # the brand's org unit (online-only customers)


@dataclass
class Table:
    columns: list[str]
    rows: list[tuple[Any, ...]]


@dataclass
class Block:
    people: int
    tables: dict[type[models.Model], Table]
    tag_names: list[tuple[str, str]]

    @property
    def orders(self) -> int:
        return len(self.tables[Order].rows)


def build_block(people: Sequence[PersonPlan], brand: BrandIds, loaded_at: datetime) -> Block:
    builder = _Builder(brand, loaded_at)
    rows = {
        Customer: [builder.customer(n, p) for n, p in enumerate(people)],
        Identity: builder.identities(people),
        IdentityLink: builder.links,
        CustomerFollow: builder.follows(people),
        CustomerTag: builder.tags(people),
        Order: builder.orders(people),
        OrderLine: builder.lines,
        Refund: builder.refunds,
    }
    tables = {}
    for model, values in rows.items():
        columns, prepared = prepared_rows(model, values)
        tables[model] = Table(columns, list(prepared))
    return Block(len(people), tables, list(builder.tag_numbers))


def placed(
    table: Table, model: type[models.Model], ids: Mapping[type[models.Model] | str, Sequence[int]]
) -> Iterator[tuple[Any, ...]]:
    """The table's rows with each block-local number replaced by its real id."""
    lookups = [(table.columns.index(c), ids[ref]) for c, ref in REFERENCES[model].items()]
    for row in table.rows:
        values = list(row)
        for position, real in lookups:
            values[position] = real[values[position]]
        yield tuple(values)


class _Builder:
    def __init__(self, brand: BrandIds, loaded_at: datetime) -> None:
        self.brand = brand
        self.loaded_at = loaded_at
        self.links: list[dict[str, Any]] = []
        self.lines: list[dict[str, Any]] = []
        self.refunds: list[dict[str, Any]] = []
        self.tag_numbers: dict[tuple[str, str], int] = {}

    def customer(self, number: int, person: PersonPlan) -> dict[str, Any]:
        p = person.profile
        owner = person.primary_owner
        at = person.touches[0].at
        return {
            "id": number,
            **p.fields(),
            "phone_last4": p.phone[-4:] if p.phone else "",
            "primary_owner_id": self.brand.staff[owner] if owner else None,
            "org_unit_id": self.brand.stores.get(person.store, self.brand.brand),
            "status": CustomerStatus.ACTIVE,
            "created_at": at,
            "updated_at": self.loaded_at,
            "first_seen_at": at,
        }

    def identities(self, people: Sequence[PersonPlan]) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for customer, person in enumerate(people):
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
                        "id": len(rows) + len(seen), "customer_id": customer,
                        "type": key.type, "namespace": key.namespace, "value": key.value,
                        "last4": key.last4, "source": touch.source, "created_at": touch.at,
                        "value_encrypted": encrypt_pii(key.plaintext) if key.plaintext else "",
                    }  # fmt: skip
            mine = list(seen.values())
            # A star: every identifier linked to the person's first, connected with n-1
            # links, so later live resolution sees them as one component.
            for other in mine[1:]:
                self.links.append(
                    {"id": len(self.links), "a_id": mine[0]["id"], "b_id": other["id"],
                     "source": "demo", "created_at": max(mine[0]["created_at"], other["created_at"])}
                )  # fmt: skip
            rows.extend(mine)
        return rows

    def follows(self, people: Sequence[PersonPlan]) -> list[dict[str, Any]]:
        return [
            {"id": n, "customer_id": c, "staff_id": self.brand.staff[username], "created_at": at}
            for n, (c, username, at) in enumerate(
                (c, f.username, f.at) for c, p in enumerate(people) for f in p.follows
            )
        ]

    def tags(self, people: Sequence[PersonPlan]) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for c, person in enumerate(people):
            for group, name in person.tags:
                tag = self.tag_numbers.setdefault((group, name), len(self.tag_numbers))
                rows.append(
                    {"id": len(rows), "customer_id": c, "tag_id": tag, "created_at": person.arrived_at,
                     "source": TagSource.CHANNEL if group == "渠道" else TagSource.IMPORT}
                )  # fmt: skip
        return rows

    def orders(self, people: Sequence[PersonPlan]) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        stores = self.brand.stores
        for c, person in enumerate(people):
            for o in person.orders:
                number, first_line, first_refund = len(rows), len(self.lines), len(self.refunds)
                rows.append(
                    {"id": number, "customer_id": c, "platform": o.platform,
                     "order_no": o.order_no, "store_id": stores.get(o.store),
                     "total_fen": o.total_fen, "paid_fen": o.paid_fen,
                     "refunded_fen": o.refunded_fen, "paid_at": o.paid_at,
                     "created_at": self.loaded_at, "updated_at": self.loaded_at}
                )  # fmt: skip
                self.lines.extend(
                    {"id": first_line + k, "order_id": number, "sku": ln.sku,
                     "product_name": ln.product_name, "category": ln.category,
                     "quantity": ln.quantity, "unit_price_fen": ln.unit_price_fen,
                     "paid_fen": ln.paid_fen}
                    for k, ln in enumerate(o.lines)
                )  # fmt: skip
                self.refunds.extend(
                    {"id": first_refund + k, "order_id": number, "refund_no": r.refund_no,
                     "amount_fen": r.amount_fen, "refunded_at": r.refunded_at,
                     "created_at": self.loaded_at}
                    for k, r in enumerate(o.refunds)
                )  # fmt: skip
        return rows
