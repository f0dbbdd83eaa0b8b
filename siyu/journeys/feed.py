"""Journeys read the change feed (siyu/customers/changes.py, from the newest change on):
each change becomes a ``Fact`` (an event with its properties, a tag added, an order paid)
that can enter a customer, end an event wait, meet an exit or reach a goal.

Delivery is at least once, so each reaction is idempotent: an entry carries the change id
as its key, a wait already ended is not waiting any more, a conversion is one per
enrollment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from siyu.customers.changes import Change, consume
from siyu.customers.models import ChangeKind, Event, Order
from siyu.journeys.entries import Entrant, enroll
from siyu.journeys.models import (
    Conversion,
    Enrollment,
    EnrollmentStatus,
    Finish,
    Journey,
    JourneyStatus,
)

CONSUMER = "journeys"
BATCH = 2000
POLL_SECONDS = 0.5
ORDER_PAID = "order_paid"
TAG_ADDED = "tag_added"
ENTRY_TYPES = {"segment": "segment_entered", "tag": TAG_ADDED, "order": ORDER_PAID}


@dataclass(frozen=True)
class Fact:
    change_id: int
    customer_id: int
    type: str
    props: dict[str, Any]
    at: datetime


def facts_of(changes: Sequence[Change]) -> list[Fact]:
    events = [c.ref for c in changes if c.kind == ChangeKind.EVENT and c.ref]
    orders = [
        c.ref
        for c in changes
        if c.kind == ChangeKind.ORDER and c.ref and not c.data.get("corrected")
    ]
    ev = Event.objects.in_bulk(events)
    od = Order.objects.in_bulk(orders)
    out = []
    for c in changes:
        if c.kind == ChangeKind.EVENT and c.ref in ev:
            e = ev[c.ref]
            out.append(Fact(c.id, c.customer_id, e.type, dict(e.properties or {}), e.occurred_at))
        elif c.kind == ChangeKind.ORDER and c.ref in od:
            o = od[c.ref]
            props = {"order_id": o.pk, "order_no": o.order_no, "amount_fen": o.paid_fen}
            out.append(Fact(c.id, c.customer_id, ORDER_PAID, props, o.paid_at))
        elif c.kind == ChangeKind.TAG and c.data.get("added") and c.ref:
            out.append(Fact(c.id, c.customer_id, TAG_ADDED, {"tag_id": c.ref}, c.created_at))
    return out


def matches(props: dict[str, Any], want: dict[str, Any], context: dict[str, Any]) -> bool:
    """Every wanted property equal; ``"$entry.x"`` stands for the entry's own ``x``."""
    for name, value in want.items():
        if isinstance(value, str) and value.startswith("$entry."):
            value = context.get(value[7:])
        if props.get(name) != value:
            return False
    return True


def entry_wants(entry: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    kind = entry.get("kind")
    if kind == "event":
        return str(entry.get("event", "")), dict(entry.get("where") or {})
    if kind == "segment":
        kind_type = "segment_exited" if entry.get("on") == "exit" else "segment_entered"
        return kind_type, {"segment_id": entry.get("segment_id")}
    if kind == "tag":
        return TAG_ADDED, {"tag_id": entry.get("tag_id")}
    if kind == "order":
        return ORDER_PAID, {}
    return None


def _enter(journeys: list[Journey], facts: list[Fact], now: datetime) -> None:
    for journey in journeys:
        wants = entry_wants(journey.entry or {})
        if wants is None:
            continue
        kind, where = wants
        entrants = [
            Entrant(f.customer_id, f"change:{f.change_id}", {**f.props, "type": f.type})
            for f in facts
            if f.type == kind and matches(f.props, where, {})
        ]
        if entrants:
            enroll(journey, entrants, source=str(journey.entry.get("kind", "")), at=now)


def _end_waits(facts: list[Fact], now: datetime) -> None:
    by_customer: dict[int, list[Fact]] = {}
    for f in facts:
        by_customer.setdefault(f.customer_id, []).append(f)
    types = {f.type for f in facts}
    waiting = Enrollment.objects.filter(
        status=EnrollmentStatus.WAITING, customer_id__in=list(by_customer),
        wait_event__event__in=sorted(types),
    )  # fmt: skip
    with transaction.atomic():
        moved = []
        for row in waiting.select_for_update():
            w = row.wait_event or {}
            if any(
                f.type == w.get("event") and matches(f.props, w.get("match") or {}, row.context)
                for f in by_customer[row.customer_id]
            ):
                row.step, row.due_at, row.wait_event = str(w["next"]), now, None
                moved.append(row)
        Enrollment.objects.bulk_update(moved, ["step", "due_at", "wait_event"])


def _exit(journeys: list[Journey], facts: list[Fact], now: datetime) -> None:
    for journey in journeys:
        kinds = {str(x.get("event")) for x in journey.exits or [] if x.get("event")}
        kinds |= {"segment_exited" for x in journey.exits or [] if x.get("segment_exit")}
        segs = {x.get("segment_exit") for x in journey.exits or [] if x.get("segment_exit")}
        who = {
            f.customer_id
            for f in facts
            if f.type in kinds and (f.type != "segment_exited" or f.props.get("segment_id") in segs)
        }
        if who:
            finish_waiting(journey, who, Finish.EXITED, now)


def finish_waiting(journey: Journey, who: set[int], why: str, now: datetime) -> int:
    return Enrollment.objects.filter(
        journey=journey, customer_id__in=sorted(who), status=EnrollmentStatus.WAITING
    ).update(status=EnrollmentStatus.FINISHED, finish=why, finished_at=now, due_at=None)


def goal_wants(goal: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The fact that reaches the goal: an event (``{"event": "order_paid"}``) or entering
    a segment (``{"segment": 4}``), within the window either way."""
    if goal.get("segment"):
        return "segment_entered", {"segment_id": int(goal["segment"])}
    if goal.get("event"):
        return str(goal["event"]), {}
    return None


def _goals(journeys: list[Journey], facts: list[Fact], now: datetime) -> None:
    for journey in journeys:
        wants = goal_wants(journey.goal or {})
        if wants is None:
            continue
        kind, where = wants
        hits = {f.customer_id: f for f in facts if f.type == kind and matches(f.props, where, {})}
        if not hits:
            continue
        window = timedelta(days=int(journey.goal.get("window_days", 30)))
        open_rows = Enrollment.objects.filter(
            journey=journey, customer_id__in=sorted(hits), entered_at__gte=now - window
        ).exclude(pk__in=Conversion.objects.filter(journey=journey).values("enrollment_id"))
        rows = [r for r in open_rows if r.entered_at <= hits[r.customer_id].at]
        conversions = [
            Conversion(
                enrollment_id=row.pk,
                journey=journey,
                step=row.step,
                revenue_fen=int(hits[row.customer_id].props.get("amount_fen") or 0),
                converted_at=now,
            )
            for row in rows
        ]
        Conversion.objects.bulk_create(conversions, ignore_conflicts=True)
        if journey.goal.get("ends"):
            finish_waiting(journey, {r.customer_id for r in rows}, Finish.GOAL, now)


def handle_changes(changes: Sequence[Change], now: datetime | None = None) -> None:
    facts = facts_of(changes)
    if not facts:
        return
    now = now or timezone.now()
    live = list(
        Journey.objects.filter(
            status__in=[JourneyStatus.ACTIVE, JourneyStatus.PAUSED]
        ).select_related("current")
    )
    _goals(live, facts, now)
    _exit(live, facts, now)
    _end_waits(facts, now)
    _enter([j for j in live if j.status == JourneyStatus.ACTIVE], facts, now)


def poll_changes() -> int:
    return consume(CONSUMER, handle_changes, limit=BATCH, from_latest=True)
