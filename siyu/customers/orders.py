"""Import orders with their lines and refunds. Idempotent on (platform, order_no): the same
file or API batch twice changes nothing; a later delivery may add refunds."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction

from siyu.core.models import OrgUnit
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


@transaction.atomic
def import_order(customer: Customer, order: OrderInput) -> tuple[Order, bool]:
    """Return (order, created). Refunds not seen before are added to an existing order."""
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
        OrderLine.objects.bulk_create(
            OrderLine(
                order=row,
                sku=ln.sku,
                product_name=ln.product_name,
                category=ln.category,
                quantity=ln.quantity,
                unit_price_fen=ln.unit_price_fen,
                paid_fen=ln.paid_fen,
            )
            for ln in order.lines
        )
        append_change(row.customer_id, ChangeKind.ORDER, ref=row.pk)
    _add_refunds(row, order.refunds)
    return row, created


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
