"""Segments read the change feed (siyu/customers/changes.py): every change to a customer
re-evaluates that customer, within seconds, against every active segment whose rule depends
on what changed (siyu.segments.interest), bulk writes included. The first consumer of the
feed; the periodic sweep still handles rules that change with time alone ("bought in the
last 30 days")."""

from __future__ import annotations

from collections.abc import Sequence

from siyu.customers.changes import Change, consume
from siyu.customers.models import ChangeKind
from siyu.segments import facts
from siyu.segments.interest import interest_of
from siyu.segments.membership import SEGMENT_EVENT_TYPES, refresh_segment
from siyu.segments.models import Segment
from siyu.segments.rules import parse_rule

CONSUMER = "segments"
BATCH = 2000  # changes per poll; about half are our own entry events
POLL_SECONDS = 0.5


def relevant(changes: Sequence[Change]) -> list[Change]:
    # Our own entry/exit events must not trigger another refresh of the same customer.
    return [
        c
        for c in changes
        if not (c.kind == ChangeKind.EVENT and c.data.get("type") in SEGMENT_EVENT_TYPES)
    ]


def customers_to_refresh(changes: Sequence[Change]) -> dict[int, set[int]]:
    """Per active segment, the customers with a change that segment's rule depends on."""
    mine = relevant(changes)
    todo: dict[int, set[int]] = {}
    if not mine:
        return todo
    for segment_id, rule in Segment.objects.filter(is_active=True).values_list("pk", "rule"):
        interest = interest_of(parse_rule(rule))
        ids = {c.customer_id for c in mine if interest.wants(c)}
        if ids:
            todo[segment_id] = ids
    return todo


def handle_changes(changes: Sequence[Change]) -> None:
    """Idempotent: a refresh of a customer whose membership is right changes nothing.
    The order facts are brought up to date first, so rules read them with this batch in."""
    facts.handle_changes(changes)
    for segment_id, ids in customers_to_refresh(changes).items():
        refresh_segment(segment_id, customer_ids=ids)


def poll_changes() -> int:
    """The worker's poller (siyu.worker.pollers): one batch of the feed per call."""
    return consume(CONSUMER, handle_changes, limit=BATCH)
