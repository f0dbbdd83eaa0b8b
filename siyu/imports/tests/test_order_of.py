"""The bulk writer's order input (the checked models as its lines and refunds) reads as
the verbs' ``order_input``: the same values for everything the checks, the comparison
with a stored order and the inserts read."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings

from siyu.customers.batch import order_input
from siyu.customers.batch_checks import References
from siyu.customers.batch_schemas import OrderItem
from siyu.customers.orders import (
    OrderHead,
    OrderInput,
    StoredHead,
    check_order,
    differences,
    line_key,
)
from siyu.imports.bulk import _order_of
from siyu.imports.tests.test_packing import orders


def read(order: OrderInput) -> Any:
    head = (order.platform, order.order_no, order.paid_at, order.total_fen, order.paid_fen)
    lines = [line_key(ln) for ln in order.lines]
    refunds = [(r.refund_no, r.amount_fen, r.refunded_at) for r in order.refunds]
    try:
        check_order(order)
        checked = "ok"
    except ValueError as exc:
        checked = str(exc)
    return head, lines, refunds, order.store, checked


@settings(max_examples=300, deadline=None)
@given(orders(), orders())
def test_the_bulk_order_input_reads_as_the_verbs_one(model: OrderItem, other: OrderItem) -> None:
    model = model.model_copy(update={"store": None})
    refs = References()
    fast, slow = _order_of(model, refs), order_input(model, refs)
    assert read(fast) == read(slow)
    # Compared with a stored order (another one, or this one stored), the same answer.
    for stored_model in (other, model):
        stored = order_input(stored_model.model_copy(update={"store": None}), refs)
        head = StoredHead(
            OrderHead(7, stored.paid_at, stored.total_fen, stored.paid_fen, None),
            [line_key(ln) for ln in stored.lines],
            {r.refund_no: (r.amount_fen, r.refunded_at) for r in stored.refunds},
        )
        for customer in (7, 8):
            assert differences(head, customer, fast) == differences(head, customer, slow)
