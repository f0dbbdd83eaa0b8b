"""Dynamic membership: compare who matches a segment's rule now with who is a member, open
and close stints, and append ``segment_entered`` / ``segment_exited`` events that journeys
trigger on.

A refresh holds the segment's row lock for its whole transaction, so a full refresh and a
per-customer refresh of the same segment never interleave; the partial unique index on
open stints is the last line of defence. Events carry an idempotency key made of segment,
customer and stint, so replaying a refresh cannot append an entry twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper
from django.utils import timezone

from siyu.customers.events import record_event
from siyu.customers.models import Customer, CustomerStatus
from siyu.segments.compiler import compile_leaf, matching_customers
from siyu.segments.models import Membership, Segment
from siyu.segments.rules import Node, leaves, parse_rule

ENTERED = "segment_entered"
EXITED = "segment_exited"
SEGMENT_EVENT_TYPES = frozenset({ENTERED, EXITED})
EXPLAIN_CHUNK = 500


@dataclass(frozen=True)
class RefreshResult:
    entered: int
    exited: int
    members: int


def explain(tree: Node, customer_ids: Iterable[int], now: datetime) -> dict[int, dict[str, Any]]:
    """Which conditions held for each customer: ``{"conditions": [{path, condition,
    held}], "active": bool}``, computed by the database in one query per chunk."""
    found = leaves(tree)
    columns = {
        f"c{i}": ExpressionWrapper(compile_leaf(leaf, now), output_field=BooleanField())
        for i, (_, leaf) in enumerate(found)
    }
    ids = sorted(set(customer_ids))
    reasons: dict[int, dict[str, Any]] = {}
    for start in range(0, len(ids), EXPLAIN_CHUNK):
        chunk = ids[start : start + EXPLAIN_CHUNK]
        rows = Customer.objects.filter(pk__in=chunk).annotate(**columns)
        for row in rows.values("pk", "status", *columns):
            conditions = [
                {
                    "path": path,
                    "condition": leaf.model_dump(mode="json"),
                    "held": bool(row[f"c{i}"]),
                }
                for i, (path, leaf) in enumerate(found)
            ]
            active = row["status"] == CustomerStatus.ACTIVE
            reasons[row["pk"]] = {"conditions": conditions, "active": active}
    return reasons


@transaction.atomic
def refresh_segment(
    segment_id: int, *, now: datetime | None = None, customer_ids: list[int] | None = None
) -> RefreshResult:
    """Bring membership up to date: for every customer, or only for ``customer_ids``."""
    now = now or timezone.now()
    segment = Segment.objects.select_for_update().get(pk=segment_id)
    if not segment.is_active:
        return RefreshResult(0, 0, segment.member_count)
    tree = parse_rule(segment.rule)
    matching = matching_customers(tree, now)
    open_stints = Membership.objects.filter(segment=segment, left_at__isnull=True)
    if customer_ids is not None:
        matching = matching.filter(pk__in=customer_ids)
        open_stints = open_stints.filter(customer_id__in=customer_ids)
    should = set(matching.values_list("pk", flat=True))
    current = dict(open_stints.values_list("customer_id", "pk"))
    entering = sorted(should - current.keys())
    leaving = sorted(current.keys() - should)
    reasons = explain(tree, entering + leaving, now)
    _enter(segment, entering, reasons, now)
    _leave(segment, {cid: current[cid] for cid in leaving}, reasons, now)
    if customer_ids is None:
        segment.member_count = len(should)
    else:
        segment.member_count = max(0, segment.member_count + len(entering) - len(leaving))
    segment.refreshed_at = now
    segment.save(update_fields=["member_count", "refreshed_at", "updated_at"])
    return RefreshResult(len(entering), len(leaving), segment.member_count)


def _event_properties(
    segment: Segment, stint: Membership, reason: dict[str, Any]
) -> dict[str, Any]:
    return {
        "segment_id": segment.pk,
        "segment_name": segment.name,
        "membership_id": stint.pk,
        "conditions": reason.get("conditions", []),
    }


def _enter(
    segment: Segment, ids: list[int], reasons: dict[int, dict[str, Any]], now: datetime
) -> None:
    stints = Membership.objects.bulk_create(
        [
            Membership(segment=segment, customer_id=cid, joined_at=now, reason=reasons.get(cid, {}))
            for cid in ids
        ],
        batch_size=1000,
    )
    for stint in stints:
        record_event(
            Customer(pk=stint.customer_id),
            type=ENTERED,
            occurred_at=now,
            properties=_event_properties(segment, stint, stint.reason),
            source="segments",
            idempotency_key=f"segment:{segment.pk}:{stint.customer_id}:{stint.pk}:entered",
        )


def _leave(
    segment: Segment, stint_ids: dict[int, int], reasons: dict[int, dict[str, Any]], now: datetime
) -> None:
    stints = list(Membership.objects.filter(pk__in=stint_ids.values()))
    for stint in stints:
        stint.left_at = now
        stint.exit_reason = reasons.get(stint.customer_id, {"active": False, "conditions": []})
    Membership.objects.bulk_update(stints, ["left_at", "exit_reason"], batch_size=1000)
    for stint in stints:
        record_event(
            Customer(pk=stint.customer_id),
            type=EXITED,
            occurred_at=now,
            properties=_event_properties(segment, stint, stint.exit_reason),
            source="segments",
            idempotency_key=f"segment:{segment.pk}:{stint.customer_id}:{stint.pk}:exited",
        )


def refresh_customer(customer_id: int, *, now: datetime | None = None) -> dict[int, RefreshResult]:
    """Re-evaluate one customer against every active segment (after a change to them)."""
    results: dict[int, RefreshResult] = {}
    for segment_id in Segment.objects.filter(is_active=True).values_list("pk", flat=True):
        results[segment_id] = refresh_segment(segment_id, now=now, customer_ids=[customer_id])
    return results
