"""Dynamic membership: compare who matches a segment's rule now with who is a member, open
and close stints, and append ``segment_entered`` / ``segment_exited`` events that journeys
trigger on.

A refresh writes in chunks; each chunk holds the segment's row lock for its transaction,
so chunks of a full refresh and per-customer refreshes of the same segment never
interleave; the partial unique index on open stints is the last line of defence. Events carry an idempotency key made of segment,
customer and stint, so replaying a refresh cannot append an entry twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import BooleanField, ExpressionWrapper
from django.db.models.expressions import RawSQL
from django.utils import timezone

from siyu.customers.bulk import insert_all
from siyu.customers.models import Customer, CustomerStatus
from siyu.customers.retry import pause_for_other_writers
from siyu.segments.compiler import compile_leaf, matching_customers
from siyu.segments.facts import facts_ready
from siyu.segments.fast import matching_fast
from siyu.segments.models import Membership, Segment
from siyu.segments.rules import Node, leaves, parse_rule
from siyu.segments.stint_events import ENTERED, EXITED, record_stint_events

SEGMENT_EVENT_TYPES = frozenset({ENTERED, EXITED})
EXPLAIN_CHUNK = 500
# Customers decided per write transaction of a refresh.
CHUNK = 500


def id_list(ids: list[int]) -> Any:
    """The right-hand side of ``__in`` for a chunk of ids: on PostgreSQL one array
    parameter (``IN (SELECT unnest(…))``) instead of hundreds of placeholders, which the
    driver parses and quotes one by one."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", (ids,))
    return ids


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
        rows = Customer.objects.filter(pk__in=id_list(chunk)).annotate(**columns)
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


def refresh_segment(
    segment_id: int, *, now: datetime | None = None, customer_ids: Iterable[int] | None = None
) -> RefreshResult:
    """Bring membership up to date: for every customer, or only for ``customer_ids``.

    Written in chunks of ``CHUNK`` customers, one short transaction each (a first fill of
    500k members would otherwise hold SQLite's only write lock for minutes). Who differs
    is read first without locks; each chunk then re-decides its customers under the
    segment's row lock, so a per-customer refresh running in between is never undone."""
    now = now or timezone.now()
    segment = Segment.objects.get(pk=segment_id)
    if not segment.is_active:
        return RefreshResult(0, 0, segment.member_count)
    if customer_ids is not None:
        todo = sorted(set(customer_ids))
    else:
        # Candidates from the order facts (fast, as fresh as the feed); every chunk below
        # re-decides its customers from the orders themselves.
        match = matching_fast if facts_ready() else matching_customers
        should = set(match(parse_rule(segment.rule), now).values_list("pk", flat=True))
        current = set(
            Membership.objects.filter(segment=segment, left_at__isnull=True).values_list(
                "customer_id", flat=True
            )
        )
        todo = sorted(should ^ current)
    entered = exited = 0
    for start in range(0, len(todo), CHUNK):
        if start:
            pause_for_other_writers()
        chunk_entered, chunk_exited = _refresh_chunk(segment_id, todo[start : start + CHUNK], now)
        entered, exited = entered + chunk_entered, exited + chunk_exited
    if customer_ids is None:
        return RefreshResult(entered, exited, _recount(segment_id, now))
    segment.refresh_from_db(fields=["member_count"])
    return RefreshResult(entered, exited, segment.member_count)


@transaction.atomic
def _refresh_chunk(segment_id: int, ids: list[int], now: datetime) -> tuple[int, int]:
    segment = Segment.objects.select_for_update().get(pk=segment_id)
    if not segment.is_active:
        return 0, 0
    tree = parse_rule(segment.rule)
    chunk = id_list(ids)
    should = set(matching_customers(tree, now).filter(pk__in=chunk).values_list("pk", flat=True))
    open_stints = Membership.objects.filter(
        segment=segment, left_at__isnull=True, customer_id__in=chunk
    )
    current = dict(open_stints.values_list("customer_id", "pk"))
    entering = sorted(should - current.keys())
    leaving = sorted(current.keys() - should)
    reasons = explain(tree, entering + leaving, now)
    _enter(segment, entering, reasons, now)
    _leave(segment, {cid: current[cid] for cid in leaving}, reasons, now)
    members = max(0, segment.member_count + len(entering) - len(leaving))
    Segment.objects.filter(pk=segment_id).update(
        member_count=members, refreshed_at=now, updated_at=timezone.now()
    )
    return len(entering), len(leaving)


@transaction.atomic
def _recount(segment_id: int, now: datetime) -> int:
    segment = Segment.objects.select_for_update().get(pk=segment_id)
    open_stints = Membership.objects.filter(segment=segment, left_at__isnull=True)
    segment.member_count = open_stints.count()
    segment.refreshed_at = now
    segment.save(update_fields=["member_count", "refreshed_at", "updated_at"])
    return segment.member_count


def _enter(
    segment: Segment, ids: list[int], reasons: dict[int, dict[str, Any]], now: datetime
) -> None:
    stints = insert_all(
        Membership,
        [
            Membership(segment=segment, customer_id=cid, joined_at=now, reason=reasons.get(cid, {}))
            for cid in ids
        ],
    )
    record_stint_events(segment, stints, ENTERED, now)


def _leave(
    segment: Segment, stint_ids: dict[int, int], reasons: dict[int, dict[str, Any]], now: datetime
) -> None:
    stints = list(Membership.objects.filter(pk__in=stint_ids.values()))
    for stint in stints:
        stint.left_at = now
        stint.exit_reason = reasons.get(stint.customer_id, {"active": False, "conditions": []})
    Membership.objects.bulk_update(stints, ["left_at", "exit_reason"], batch_size=1000)
    record_stint_events(segment, stints, EXITED, now)


def refresh_customers(
    customer_ids: Iterable[int], *, now: datetime | None = None
) -> dict[int, RefreshResult]:
    """Re-evaluate these customers against every active segment (after changes to them)."""
    ids = sorted(set(customer_ids))
    results: dict[int, RefreshResult] = {}
    if not ids:
        return results
    for segment_id in Segment.objects.filter(is_active=True).values_list("pk", flat=True):
        results[segment_id] = refresh_segment(segment_id, now=now, customer_ids=ids)
    return results


def refresh_customer(customer_id: int, *, now: datetime | None = None) -> dict[int, RefreshResult]:
    return refresh_customers([customer_id], now=now)
