"""The engine: claim due enrollments in batches and advance each to its next wait or end.

Claim
    Due work is the enrollments waiting with ``due_at`` passed (a partial index on
    ``due_at``), of running journeys, claimed in one transaction per batch: ``SELECT … FOR
    UPDATE SKIP LOCKED`` on PostgreSQL (any number of workers take disjoint batches),
    SQLite's IMMEDIATE transaction elsewhere (one writer at a time).

Exactly once
    Everything a batch does — the action handlers' rows, one ``StepEffect`` per step an
    enrollment ran (unique on enrollment, version, step, visit) and the new state of each
    enrollment — commits in that one transaction. A worker killed mid-batch commits none of
    it; the rows go back to due and the next claim runs them from the state that did
    commit, so nothing repeats and nothing is lost.

Set-based
    Within a batch, the enrollments at the same step of the same version move together: one
    handler call (one send plan, one tag insert), one condition query, one bulk write.
    No model instance per enrollment: the claim reads plain values into ``Row``, the
    effects go in as tuples in one multi-row insert (siyu/journeys/rows.py), the new states
    as one UPDATE per distinct state.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, F, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from siyu.core.gc_pause import cycle_collector_paused
from siyu.core.id_sets import among_ids
from siyu.core.lazy_commit import commit_lazily
from siyu.journeys.actions import MESSAGING, Batch, Item, Result, run_action
from siyu.journeys.control import control_members
from siyu.journeys.graph import ACTIONS, WAITS, exit_target
from siyu.journeys.models import (
    EffectOutcome,
    Enrollment,
    EnrollmentStatus,
    Finish,
    Journey,
    JourneyStatus,
    JourneyVersion,
    StepEffect,
)
from siyu.journeys.rows import db_time, dumps, insert_rows
from siyu.journeys.steps import matching, split_path, wait_due, zones_of

# Enrollments per claim: measured at 2,000 / 5,000 / 10,000 (--quick, both databases),
# 5,000 was as fast as 10,000 and holds its locks half as long.
BATCH = 5000
# Steps one enrollment may run in one advance; publishing refuses loops without a wait,
# so only a long chain of actions reaches it (the rest runs in the next batch).
MAX_HOPS = 50
# The context as its JSON text: most are empty, and decoding 5,000 "{}" one field
# converter at a time was a tenth of a batch.
CLAIMED = ["pk", "journey_id", "version_id", "customer_id", "step", "visit", "raw_context"]
EFFECT_FIELDS = [
    "enrollment", "version", "step", "visit", "kind", "outcome", "reason", "detail", "created_at"
]  # fmt: skip
NO_DETAIL = dumps({})
DONE = Result()
CONTROL = Result(EffectOutcome.SKIPPED, "control_group")


@dataclass(slots=True)
class Row:
    """A claimed enrollment: what the steps read and the state they leave it in (written
    back with one UPDATE per distinct state)."""

    pk: int
    journey_id: int
    version_id: int
    customer_id: int
    step: str
    visit: int
    context: dict[str, Any]
    # Due now: one that runs out of hops before a wait stays due for the next batch.
    due_at: datetime | None
    status: str = EnrollmentStatus.WAITING
    # Cleared at the claim: a wait for an event that timed out is over.
    wait_event: dict[str, Any] | None = None
    finish: str = ""
    finished_at: datetime | None = None

    def state(self) -> tuple[Any, ...]:
        wait = dumps(self.wait_event) if self.wait_event is not None else None
        return (
            self.status,
            self.step,
            self.visit,
            self.due_at,
            wait,
            self.finish,
            self.finished_at,
        )


@dataclass
class Run:
    now: datetime
    graphs: dict[int, dict[str, Any]]
    journeys: dict[int, Journey]
    control: set[int]
    effects: list[tuple[Any, ...]] = field(default_factory=list)
    zones: dict[int, Any] = field(default_factory=dict)
    stamp: Any = None  # ``now`` as the database takes it

    def __post_init__(self) -> None:
        self.stamp = db_time(self.now)

    def effect(
        self, row: Row, step: str, kind: str, res: Result, detail: str | None = None
    ) -> None:
        self.record(row, step, kind, res.outcome, res.reason[:60], detail or _detail(res))

    def record(
        self, row: Row, step: str, kind: str, outcome: str, reason: str, detail: str
    ) -> None:
        """One effect row (``detail`` already JSON); the visit moves on."""
        self.effects.append(
            (row.pk, row.version_id, step, row.visit, kind, outcome, reason, detail, self.stamp)
        )
        row.visit += 1


def _detail(res: Result) -> str:
    return dumps(res.detail) if res.detail else NO_DETAIL


def _locked(rows: QuerySet[Enrollment]) -> QuerySet[Enrollment]:
    if connection.vendor == "postgresql":
        return rows.select_for_update(skip_locked=True, of=("self",))
    return rows


def _rate_limited(now: datetime) -> dict[int, int]:
    """Journeys with a rate limit → enrollments they may still advance this minute."""
    limits = dict(
        Journey.objects.filter(status=JourneyStatus.ACTIVE, rate_per_minute__gt=0).values_list(
            "pk", "rate_per_minute"
        )
    )
    if not limits:
        return {}
    used = dict(
        StepEffect.objects.filter(
            enrollment__journey_id__in=limits, created_at__gt=now - timedelta(minutes=1)
        )
        .values("enrollment__journey_id")
        .annotate(n=Count("enrollment", distinct=True))
        .values_list("enrollment__journey_id", "n")
    )
    return {j: max(0, limit - used.get(j, 0)) for j, limit in limits.items()}


def claim(now: datetime, limit: int) -> list[Row]:
    """The due enrollments, oldest due first (the partial index on ``due_at`` of waiting
    rows serves it however many waits are pending)."""
    allowance = _rate_limited(now)
    # The running journeys as a list of ids compared as ``journey_id + 0``, so that both
    # databases walk the due index and stop at the limit. Joined, PostgreSQL sorted every
    # due row of each journey to find the oldest 5,000 (300 ms a claim with 400k due);
    # as a plain list, SQLite took the journey's index and sorted all its waiting rows.
    running = [
        j
        for j in Journey.objects.filter(status=JourneyStatus.ACTIVE).values_list("pk", flat=True)
        if allowance.get(j, 1) > 0
    ]
    if not running:
        return []
    due = Enrollment.objects.alias(journey_plus_0=F("journey_id") + 0).filter(
        status=EnrollmentStatus.WAITING, due_at__lte=now, journey_plus_0__in=running
    )
    found = (
        _locked(due.order_by("due_at"))
        .annotate(raw_context=Cast("context", TextField()))
        .values_list(*CLAIMED)[:limit]
    )
    rows = [Row(e, j, v, c, s, n, _context(ctx), now) for e, j, v, c, s, n, ctx in found]
    if not allowance:
        return rows
    kept: list[Row] = []
    taken: dict[int, int] = defaultdict(int)
    for row in rows:
        if row.journey_id in allowance:
            if taken[row.journey_id] >= allowance[row.journey_id]:
                continue  # over its rate this minute: stays due
            taken[row.journey_id] += 1
        kept.append(row)
    return kept


def _context(raw: str | None) -> dict[str, Any]:
    if not raw or raw == "{}":
        return {}
    value = json.loads(raw)
    return value if isinstance(value, dict) else {}


def advance_due(*, limit: int | None = None, now: datetime | None = None) -> int:
    """Claim one batch and advance it; returns how many enrollments it moved."""
    now = now or timezone.now()
    with cycle_collector_paused(), transaction.atomic():
        # Measured: a third of a tag batch's time went to the commit's WAL flush. Nothing
        # leaves the database at the commit: sends, tasks and webhook calls are rows a
        # worker takes later; a crash before the flush loses the batch's effects and
        # transitions together, and the next claim runs it again.
        commit_lazily()
        rows = claim(now, limit or BATCH)
        if rows:
            advance(rows, now)
    return len(rows)


def advance(rows: list[Row], now: datetime) -> None:
    run = Run(
        now=now,
        graphs=dict(
            JourneyVersion.objects.filter(pk__in={r.version_id for r in rows}).values_list(
                "pk", "graph"
            )
        ),
        journeys=Journey.objects.in_bulk({r.journey_id for r in rows}),
        control=control_members({r.customer_id for r in rows}),
    )
    active = rows
    for _hop in range(MAX_HOPS):
        groups: dict[tuple[int, str], list[Row]] = defaultdict(list)
        for row in active:
            groups[row.version_id, row.step].append(row)
        active = [
            nxt for (vid, key), group in groups.items() for nxt in _step(run, vid, key, group)
        ]
        if not active:
            break
    insert_rows(StepEffect, EFFECT_FIELDS, run.effects)
    write_states(rows)


def write_states(rows: list[Row]) -> None:
    """One UPDATE per distinct new state: enrollments that moved together (same step,
    same due time) share it, so a batch is a handful of statements, not a CASE per row."""
    groups: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for row in rows:
        groups[row.state()].append(row.pk)
    for (status, step, visit, due_at, wait, finish, finished_at), ids in groups.items():
        state = {
            "step": step, "visit": visit, "due_at": due_at,
            "wait_event": None if wait is None else json.loads(wait), "finish": finish, "finished_at": finished_at,
        }  # fmt: skip
        # Claimed rows are waiting (and locked since): a status that stays so is left out,
        # since SQLite rewrites the entries of every index whose columns (or condition)
        # an UPDATE sets, changed or not: here the one-waiting-per-journey index.
        if status != EnrollmentStatus.WAITING:
            state["status"] = status
        Enrollment.objects.filter(pk__in=among_ids(ids)).update(**state)


def _finish(row: Row, why: str, now: datetime) -> None:
    row.status, row.finish, row.finished_at = EnrollmentStatus.FINISHED, why, now
    row.due_at, row.wait_event = None, None


def _step(run: Run, version_id: int, key: str, rows: list[Row]) -> Iterator[Row]:
    """Run step ``key`` for ``rows``; yield those that go straight on to another step."""
    step = run.graphs[version_id]["steps"].get(key)
    if step is None or step["type"] == "end":
        for row in rows:
            run.effect(row, key, "end", Result())
            _finish(row, Finish.DONE, run.now)
        return
    kind = step["type"]
    if kind in WAITS:
        _wait(run, key, step, rows)
        return
    if kind == "branch":
        yes = matching(step.get("cond") or {}, {r.customer_id for r in rows}, run.now)
        for row in rows:
            way = "yes" if row.customer_id in yes else "no"
            run.effect(row, key, kind, Result(detail={"exit": way}))
            row.step = str(step[way])
            yield row
        return
    if kind == "split":
        for row in rows:
            winner = run.journeys[row.journey_id].winners.get(f"{version_id}:{key}")
            path = split_path(step, row.pk, key, winner)
            run.effect(row, key, kind, Result(detail={"exit": f"paths.{path}"}))
            row.step = str(exit_target(step, f"paths.{path}"))
            yield row
        return
    yield from _act(run, version_id, key, step, rows)


def _act(
    run: Run, version_id: int, key: str, step: dict[str, Any], rows: list[Row]
) -> Iterator[Row]:
    kind = step["type"]
    assert kind in ACTIONS  # noqa: S101 - validated at publish
    reached = [r for r in rows if not (kind in MESSAGING and r.customer_id in run.control)]
    results: dict[int, Result] = {}
    if reached:
        batch = Batch(
            journey_id=rows[0].journey_id, version_id=version_id, step=key,
            config=step, at=run.now,
            items=[Item(r.pk, r.customer_id, r.visit, r.context) for r in reached],
        )  # fmt: skip
        results = run_action(kind, batch)
    # Handlers share one Result among the rows it holds for: its JSON is written once
    # (keyed by identity while ``results`` keeps every one of them alive).
    details: dict[int, str] = {id(DONE): NO_DETAIL, id(CONTROL): NO_DETAIL}
    for row in rows:
        if row.customer_id in run.control and kind in MESSAGING:
            res = CONTROL
        else:
            res = results.get(row.pk, DONE)
        detail = details.get(id(res))
        if detail is None:
            detail = details[id(res)] = _detail(res)
        run.effect(row, key, kind, res, detail)
        if kind == "move":
            _finish(row, Finish.MOVED, run.now)
            continue
        row.step = str(step["next"])
        yield row


def _wait(run: Run, key: str, step: dict[str, Any], rows: list[Row]) -> None:
    kind = step["type"]
    if kind == "wait_until":
        missing = {r.customer_id for r in rows} - set(run.zones)
        run.zones.update(zones_of(missing))
    # The due time depends on the zone at most: computed once per zone, not per row.
    dues: dict[Any, tuple[datetime | None, str]] = {}
    nxt = str(step["timeout_next"] if kind == "wait_event" else step["next"])
    event = None
    if kind == "wait_event":
        event = {"event": str(step.get("event", "")), "match": step.get("match") or {},
                 "next": str(step["next"])}  # fmt: skip
    for row in rows:
        zone = run.zones.get(row.customer_id) if kind == "wait_until" else None
        if zone not in dues:
            due = wait_due(step, run.now, zone)
            dues[zone] = (due, dumps({"until": due.isoformat() if due else ""}))
        due, detail = dues[zone]
        run.record(row, key, kind, EffectOutcome.WAITING, "", detail)
        row.due_at, row.step, row.wait_event = due, nxt, event


def poll_due() -> int:
    """The worker's poller: one batch per call (called again at once while it finds work)."""
    return advance_due()
