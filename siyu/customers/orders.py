"""Import orders with their lines and refunds, keyed by (platform, order_no).

What a second delivery of a known order means (CLI, console import and HTTP batch alike):

* identical content: *unchanged*, nothing is written;
* new refund numbers beside otherwise identical content: the refunds are added (*updated*);
* other content (amounts, time, store, buyer, lines, a known refund's amount or time):
  a *conflict*, refused with the differing fields named, unless the caller asks for
  ``update=True``: then the stored order is corrected to the new content, the correction is
  audited with the old and new values, and the order's save lets what depends on it refresh.

"Lines not given" means "not stated", not "no lines": a refund-only delivery (order head plus
refund rows) never conflicts with the stored lines. A refund number is unique per order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, NamedTuple

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction

from siyu.core.audit import record_audit
from siyu.core.models import OrgUnit
from siyu.customers.acquisition import note_seen
from siyu.customers.changes import append_change
from siyu.customers.models import ChangeKind, Customer, Order, OrderLine, Platform, Refund


@dataclass(frozen=True)
class OrderLineInput:
    sku: str
    product_name: str
    quantity: int
    unit_price_fen: int
    paid_fen: int
    category: str = ""


@dataclass(frozen=True)
class RefundInput:
    refund_no: str
    amount_fen: int
    refunded_at: datetime


@dataclass(frozen=True)
class OrderInput:
    platform: str
    order_no: str
    paid_at: datetime
    total_fen: int
    paid_fen: int
    lines: tuple[OrderLineInput, ...] = ()
    refunds: tuple[RefundInput, ...] = ()
    store: OrgUnit | None = field(default=None)


class Outcome(StrEnum):
    CREATED = "created"
    UNCHANGED = "unchanged"
    UPDATED = "updated"


class OrderConflict(ValueError):
    """The order is stored with other content; ``fields`` names what differs."""

    def __init__(self, order_no: str, fields: list[str]) -> None:
        super().__init__(
            f"order {order_no} is already stored with other {', '.join(fields)}; "
            "import it in update mode to correct it"
        )
        self.order_no = order_no
        self.fields = fields


def check_order(order: OrderInput) -> None:
    if order.platform not in Platform.values:
        raise ValueError(f"platform must be one of {', '.join(Platform.values)}")
    if not order.order_no.strip():
        raise ValueError("order_no is required")
    if order.total_fen < 0 or order.paid_fen < 0:
        raise ValueError("amounts must not be negative")
    if order.paid_fen > order.total_fen:
        raise ValueError("paid_fen cannot exceed total_fen")
    if sum(r.amount_fen for r in order.refunds) > order.paid_fen:
        raise ValueError("refunds exceed the paid amount")
    if any(r.amount_fen <= 0 for r in order.refunds):
        raise ValueError("refund amounts must be positive")
    if any(line.quantity <= 0 for line in order.lines):
        raise ValueError("line quantity must be positive")
    if len({r.refund_no for r in order.refunds}) != len(order.refunds):
        raise ValueError("a refund number appears twice in this order")


LineKey = tuple[str, str, str, int, int, int]


def line_key(line: OrderLine | OrderLineInput) -> LineKey:
    return (
        line.sku,
        line.product_name,
        line.category,
        line.quantity,
        line.unit_price_fen,
        line.paid_fen,
    )


@dataclass(frozen=True)
class Stored:
    """What is stored of an order, in the shape the comparison needs."""

    order: Order
    lines: list[LineKey]
    refunds: dict[str, tuple[int, datetime]]


class OrderHead(NamedTuple):
    """The columns of a stored order that ``differences`` compares, as plain values: the
    bulk import compares every order of a re-run, and a model instance per order was
    most of that."""

    customer_id: int
    paid_at: datetime
    total_fen: int
    paid_fen: int
    store_id: int | None


@dataclass(frozen=True)
class StoredHead:
    """``Stored`` with the order as plain values (compared, never saved)."""

    order: OrderHead
    lines: list[LineKey]
    refunds: dict[str, tuple[int, datetime]]


def differences(
    stored: Stored | StoredHead, customer_id: int, new: OrderInput
) -> tuple[list[str], bool]:
    """(differing fields, whether new refunds would be added). Shared with the bulk import."""
    row = stored.order
    found = [
        name
        for name, old, value in (
            ("customer", row.customer_id, customer_id),
            ("paid_at", row.paid_at, new.paid_at),
            ("total_fen", row.total_fen, new.total_fen),
            ("paid_fen", row.paid_fen, new.paid_fen),
            ("store", row.store_id, new.store.pk if new.store else None),
        )
        if old != value
    ]
    if new.lines and sorted(stored.lines) != sorted(line_key(ln) for ln in new.lines):
        found.append("lines")
    adds = False
    for refund in new.refunds:
        known = stored.refunds.get(refund.refund_no)
        if known is None:
            adds = True
        elif known != (refund.amount_fen, refund.refunded_at):
            found.append(f"refund {refund.refund_no}")
    return found, adds


def load_stored(row: Order) -> Stored:
    return Stored(
        row,
        [line_key(ln) for ln in row.lines.all()],
        {r.refund_no: (r.amount_fen, r.refunded_at) for r in row.refunds.all()},
    )


def import_order(customer: Customer, order: OrderInput) -> tuple[Order, bool]:
    """Return (order, created); see the module docstring for a known order."""
    row, outcome = upsert_order(customer, order)
    return row, outcome == Outcome.CREATED


@transaction.atomic
def upsert_order(
    customer: Customer,
    order: OrderInput,
    *,
    update: bool = False,
    actor: AbstractBaseUser | AnonymousUser | None = None,
    source: str = "",
) -> tuple[Order, Outcome]:
    check_order(order)
    row, created = Order.objects.select_for_update().get_or_create(
        platform=order.platform,
        order_no=order.order_no,
        defaults={
            "customer": customer,
            "store": order.store,
            "total_fen": order.total_fen,
            "paid_fen": order.paid_fen,
            "paid_at": order.paid_at,
        },
    )
    if created:
        note_seen(customer, order.paid_at)
        OrderLine.objects.bulk_create(_line_rows(row, order.lines))
        append_change(row.customer_id, ChangeKind.ORDER, ref=row.pk)
        _add_refunds(row, order.refunds)
        return row, Outcome.CREATED
    stored = load_stored(row)
    changed, adds = differences(stored, customer.pk, order)
    if changed and not update:
        raise OrderConflict(order.order_no, changed)
    if changed:
        _correct(stored, customer, order, changed, actor, source)
    elif adds:
        _add_refunds(row, order.refunds)
    return row, Outcome.UPDATED if changed or adds else Outcome.UNCHANGED


def _line_rows(row: Order, lines: tuple[OrderLineInput, ...]) -> list[OrderLine]:
    return [
        OrderLine(
            order=row,
            sku=ln.sku,
            product_name=ln.product_name,
            category=ln.category,
            quantity=ln.quantity,
            unit_price_fen=ln.unit_price_fen,
            paid_fen=ln.paid_fen,
        )
        for ln in lines
    ]


def _summary(row: Order, refunds: dict[str, tuple[int, datetime]]) -> dict[str, Any]:
    # Amounts and times only: the audit log must not copy personal data.
    return {
        "customer_id": row.customer_id,
        "paid_at": row.paid_at.isoformat(),
        "total_fen": row.total_fen,
        "paid_fen": row.paid_fen,
        "store_id": row.store_id,
        "refunds": {no: amount for no, (amount, _at) in sorted(refunds.items())},
    }


def _correct(
    stored: Stored,
    customer: Customer,
    new: OrderInput,
    changed: list[str],
    actor: AbstractBaseUser | AnonymousUser | None,
    source: str,
) -> None:
    row = stored.order
    previous_customer_id = row.customer_id
    before = _summary(row, stored.refunds)
    if "lines" in changed:
        before["lines"] = len(stored.lines)
        row.lines.all().delete()
        OrderLine.objects.bulk_create(_line_rows(row, new.lines))
    refunds = dict(stored.refunds)
    for r in new.refunds:
        if refunds.get(r.refund_no) != (r.amount_fen, r.refunded_at):
            Refund.objects.update_or_create(
                order=row,
                refund_no=r.refund_no,
                defaults={"amount_fen": r.amount_fen, "refunded_at": r.refunded_at},
            )
            refunds[r.refund_no] = (r.amount_fen, r.refunded_at)
    row.customer = customer
    row.paid_at = new.paid_at
    row.total_fen = new.total_fen
    row.paid_fen = new.paid_fen
    row.store = new.store
    row.refunded_fen = sum(amount for amount, _at in refunds.values())
    if row.refunded_fen > row.paid_fen:
        raise ValueError(f"order {row.order_no}: refunds would exceed the paid amount")
    # A plain save (not an UPDATE query) so the refresh of segments and figures that
    # listens to order saves sees the correction.
    row.save()
    note_seen(customer, new.paid_at)
    # A correction can move the order to another buyer: both profiles changed.
    for customer_id in sorted({previous_customer_id, customer.pk}):
        append_change(customer_id, ChangeKind.ORDER, ref=row.pk, data={"corrected": True})
    after = _summary(row, refunds)
    if "lines" in changed:
        after["lines"] = len(new.lines)
    record_audit(
        actor, "order.corrected", "order", row.pk, fields=changed, before=before, after=after,
        source=source,
    )  # fmt: skip


def _add_refunds(row: Order, refunds: tuple[RefundInput, ...]) -> None:
    known = set(row.refunds.values_list("refund_no", flat=True))
    new = [r for r in refunds if r.refund_no not in known]
    if not new:
        return
    total = row.refunded_fen + sum(r.amount_fen for r in new)
    if total > row.paid_fen:
        raise ValueError(f"order {row.order_no}: refunds would exceed the paid amount")
    Refund.objects.bulk_create(
        Refund(order=row, refund_no=r.refund_no, amount_fen=r.amount_fen, refunded_at=r.refunded_at)
        for r in new
    )
    row.refunded_fen = total
    row.save(update_fields=["refunded_fen", "updated_at"])
    append_change(row.customer_id, ChangeKind.REFUND, ref=row.pk, data={"refunded_fen": total})
