"""Segments read the change feed (siyu/customers/changes.py): every change to a customer
re-evaluates that customer against every active segment within seconds, bulk writes
included. The first consumer of the feed; the periodic sweep still handles rules that
change with time alone ("bought in the last 30 days")."""

from __future__ import annotations

from collections.abc import Sequence

from siyu.customers.changes import Change, consume
from siyu.customers.models import ChangeKind
from siyu.segments.membership import SEGMENT_EVENT_TYPES, refresh_customers
from siyu.segments.models import Segment

CONSUMER = "segments"
BATCH = 1000
POLL_SECONDS = 0.5


def customers_to_refresh(changes: Sequence[Change]) -> set[int]:
    # Our own entry/exit events must not trigger another refresh of the same customer.
    return {
        c.customer_id
        for c in changes
        if not (c.kind == ChangeKind.EVENT and c.data.get("type") in SEGMENT_EVENT_TYPES)
    }


def handle_changes(changes: Sequence[Change]) -> None:
    """Idempotent: a refresh of a customer whose membership is right changes nothing."""
    ids = customers_to_refresh(changes)
    if ids and Segment.objects.filter(is_active=True).exists():
        refresh_customers(ids)


def poll_changes() -> int:
    """The worker's poller (siyu.worker.pollers): one batch of the feed per call."""
    return consume(CONSUMER, handle_changes, limit=BATCH)
