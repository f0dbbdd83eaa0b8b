"""The workbench reads the change feed (siyu/customers/changes.py): a customer event may
fire an event rule or be a loss (a deletion on WeCom), a paid order may fire an order
follow-up rule. Every reaction is keyed (tasks by rule and cause, alerts by event), so the
feed's at-least-once delivery makes nothing twice. It starts at the newest change: a new
install does not alert on last week's deletions."""

from __future__ import annotations

from collections.abc import Sequence

from siyu.customers.changes import Change, consume
from siyu.customers.models import ChangeKind, Event, Order
from siyu.workbench import loss
from siyu.workbench.models import RuleTrigger
from siyu.workbench.rules import active_rules, apply_event_rules, apply_order_rules

CONSUMER = "workbench"
BATCH = 500


def _event_ids(changes: Sequence[Change], wanted: set[str]) -> list[int]:
    return sorted(
        {
            c.ref
            for c in changes
            if c.kind == ChangeKind.EVENT and c.ref is not None and c.data.get("type") in wanted
        }
    )


def handle_changes(changes: Sequence[Change]) -> None:
    event_rules = active_rules(RuleTrigger.EVENT)
    wanted = {r.event_type for r in event_rules} | set(loss.EVENT_KINDS)
    events = Event.objects.filter(pk__in=_event_ids(changes, wanted)).select_related("customer")
    for event in events.order_by("pk"):
        if event.type in loss.EVENT_KINDS:
            loss.handle_event(event)
        apply_event_rules(event, event_rules)
    order_rules = active_rules(RuleTrigger.PAID_ORDER)
    if not order_rules:
        return
    order_ids = sorted({c.ref for c in changes if c.kind == ChangeKind.ORDER and c.ref})
    orders = Order.objects.filter(pk__in=order_ids, paid_fen__gt=0).select_related("customer")
    for order in orders.order_by("pk"):
        apply_order_rules(order, order_rules)


def poll_changes() -> int:
    """The worker's poller (siyu.worker.pollers): one batch of the feed per call."""
    return consume(CONSUMER, handle_changes, limit=BATCH, from_latest=True)
