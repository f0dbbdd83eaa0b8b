"""Loyalty reads the change feed (siyu/customers/changes.py): an order earns its purchase
points (and, for a paid plan's SKU, records the membership), a refund takes back the points
of what was refunded, an event completes task rules. Every reaction is idempotent — awards
are keyed by (rule, source, source id), reversals by the cumulative refunded amount — so
the feed's at-least-once delivery never awards or reverses twice."""

from __future__ import annotations

from collections.abc import Sequence

from siyu.customers.changes import Change, consume
from siyu.customers.models import ChangeKind, Order
from siyu.loyalty.earn import award_purchase, award_task
from siyu.loyalty.paid import record_plan_order
from siyu.loyalty.reverse import reverse_for_refund
from siyu.loyalty.tiers import evaluate_tier

CONSUMER = "loyalty"
BATCH = 500


def handle_order(order_id: int) -> None:
    order = Order.objects.filter(pk=order_id).first()
    if order is None:
        return
    record_plan_order(order)
    award_purchase(order)
    if order.refunded_fen:
        reverse_for_refund("order", str(order.pk), order.refunded_fen)
    evaluate_tier(order.customer_id)


def handle_changes(changes: Sequence[Change]) -> None:
    orders: set[int] = set()
    for change in changes:
        if change.kind in (ChangeKind.ORDER, ChangeKind.REFUND) and change.ref is not None:
            orders.add(change.ref)
        elif change.kind == ChangeKind.EVENT and change.ref is not None:
            event_type = str(change.data.get("type", ""))
            if event_type and award_task(change.customer_id, event_type, change.ref,
                                         change.created_at):  # fmt: skip
                evaluate_tier(change.customer_id)
    for order_id in sorted(orders):
        handle_order(order_id)


def poll_changes() -> int:
    """The worker's poller (siyu.worker.pollers): one batch of the feed per call."""
    return consume(CONSUMER, handle_changes, limit=BATCH)
