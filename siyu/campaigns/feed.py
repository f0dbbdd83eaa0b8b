"""Campaigns read the change feed (siyu/customers/changes.py), never save signals: an
imported order (any platform, any import path, bulk included) confirms the coupons
reserved for it and pays its group-buy seat; a refund is noted on its seat without ever
re-opening a finished group."""

from __future__ import annotations

from collections.abc import Sequence

from siyu.campaigns.checkout import confirm_order
from siyu.campaigns.groupbuy import note_refund, pay_seat
from siyu.customers.changes import Change, consume
from siyu.customers.models import ChangeKind, Order

CONSUMER = "campaigns"
BATCH = 500


def handle_changes(changes: Sequence[Change]) -> None:
    """Idempotent: confirming a used coupon or paying a paid seat changes nothing."""
    paid = sorted({c.ref for c in changes if c.kind == ChangeKind.ORDER and c.ref})
    refunded = sorted({c.ref for c in changes if c.kind == ChangeKind.REFUND and c.ref})
    for order in Order.objects.filter(pk__in=paid).order_by("pk"):
        confirm_order(order)
        # Paid before the deadline counts, however late the import brings the order.
        pay_seat(order.platform, order.order_no, order.paid_at)
    for order in Order.objects.filter(pk__in=refunded).order_by("pk"):
        note_refund(order)


def poll_changes() -> int:
    """The worker's poller: one batch of the feed per call. Starts at the newest change:
    orders from before campaigns existed have no reservation to confirm."""
    return consume(CONSUMER, handle_changes, limit=BATCH, from_latest=True)
