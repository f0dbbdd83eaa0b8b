"""Entering a journey: the one enroll verb every entry (trigger, segment, API, manual,
schedule, move) calls, with the re-entry rules and the holdout draw."""

from __future__ import annotations

import operator
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import reduce
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from siyu.core.id_sets import among_ids
from siyu.core.table_stats import analyze
from siyu.journeys.actions import Batch, Result, register
from siyu.journeys.control import in_holdout
from siyu.journeys.models import (
    Enrollment,
    EnrollmentStatus,
    Finish,
    Journey,
    JourneyStatus,
    Reentry,
)
from siyu.journeys.rows import db_time, dumps, insert_rows

CHUNK = 5000


@dataclass(frozen=True)
class Entrant:
    customer_id: int
    key: str | None = None  # the entry's idempotency key (a change id, an API key)
    context: dict[str, Any] = field(default_factory=dict)


def _barred(journey: Journey, ids: list[int], now: datetime) -> set[int]:
    """Who may not enter now: already waiting (unless concurrent), or barred by re-entry."""
    rule = Q()  # re-entry never: any enrollment bars
    if journey.reentry != Reentry.NEVER:
        rules = [] if journey.concurrent else [Q(status=EnrollmentStatus.WAITING)]
        if journey.reentry == Reentry.COOLDOWN:
            rules.append(Q(entered_at__gt=now - timedelta(seconds=journey.cooldown_seconds)))
        if not rules:
            return set()
        rule = reduce(operator.or_, rules)
    if connection.vendor != "postgresql":
        mine = Enrollment.objects.filter(journey=journey, customer_id__in=among_ids(ids))
        return set(mine.filter(rule).values_list("customer_id", flat=True))
    # One probe of the (customer, journey) index per id. As a list of 5,000 parameters
    # the read took 45 ms to plan (half of a 1M enrolment). The journey is compared as
    # ``journey_id + 0``: while a big audience enters, the statistics still say the
    # journey is empty, and an index leading with it looked best (1.7 s a chunk of 5,000
    # at 100k entered, every probe walking the journey's rows).
    probe = (
        Enrollment.objects.alias(journey_plus_0=F("journey_id") + 0)
        .filter(rule, journey_plus_0=journey.pk, customer_id=RawSQL("k.c", ()))
        .values("pk")[:1]
    )
    sql, params = probe.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT k.c FROM unnest(%s::bigint[]) AS k(c) CROSS JOIN LATERAL ({sql}) AS e",  # noqa: S608 - Django's SQL
            [list(ids), *params],
        )
        return {row[0] for row in cursor.fetchall()}


def enroll(
    journey: Journey, entrants: Sequence[Entrant], *, source: str, at: datetime | None = None
) -> int:
    """Enroll whoever may enter; returns how many entered. Idempotent per entry key."""
    now = at or timezone.now()
    if journey.status != JourneyStatus.ACTIVE or journey.current_id is None:
        return 0
    entered = 0
    for start in range(0, len(entrants), CHUNK):
        with transaction.atomic():
            entered += _enroll_chunk(journey, entrants[start : start + CHUNK], source, now)
    if entered >= ANALYZE_AFTER:
        # A big audience arriving at once leaves PostgreSQL's statistics of the table far
        # behind until autovacuum gets to it, and the engine's claims were planned as scans
        # meanwhile (tag steps 443/s before, 6,018/s after, at 20k).
        analyze(Enrollment)
    return entered


ANALYZE_AFTER = 10_000  # enrollments in one call


ENROLL_FIELDS = [
    "journey", "version", "customer", "status", "step", "visit", "due_at", "context", "source",
    "entry_key", "holdout", "single", "entered_at", "finished_at", "finish",
]  # fmt: skip


def _enroll_chunk(journey: Journey, chunk: Sequence[Entrant], source: str, now: datetime) -> int:
    """One read of who is barred, one multi-row insert of the rest (plain tuples)."""
    barred = _barred(journey, sorted({e.customer_id for e in chunk}), now)
    version = journey.current
    assert version is not None  # noqa: S101 - checked by enroll
    start, single, src = str(version.graph["start"]), not journey.concurrent, source[:20]
    jid, vid, percent = journey.pk, version.pk, journey.holdout_percent
    empty, at = dumps({}), db_time(now)
    rows: list[tuple[Any, ...]] = []
    seen = set()
    for e in chunk:
        if e.customer_id in barred or e.customer_id in seen:
            continue
        seen.add(e.customer_id)
        context = dumps(e.context) if e.context else empty
        if in_holdout(jid, e.customer_id, percent):
            rows.append((jid, vid, e.customer_id, EnrollmentStatus.FINISHED.value, start, 0,
                         None, context, src, e.key, True, single, at, at, Finish.HOLDOUT.value))  # fmt: skip
        else:
            rows.append((jid, vid, e.customer_id, EnrollmentStatus.WAITING.value, start, 0,
                         at, context, src, e.key, False, single, at, None, ""))  # fmt: skip
    # A concurrent delivery of the same entry (or a second waiting row) is a conflict: skipped.
    return insert_rows(Enrollment, ENROLL_FIELDS, rows, skip=True)


def move_action(batch: Batch) -> dict[int, Result]:
    """Enter the customers into another journey (this one finishes for them)."""
    target = (
        Journey.objects.select_related("current")
        .filter(pk=int(batch.config.get("journey_id", 0)))
        .first()
    )
    if target is None:
        return {i.enrollment_id: Result("skipped", "no_journey") for i in batch.items}
    entrants = [Entrant(i.customer_id, f"move:{i.key}", i.context) for i in batch.items]
    enroll(target, entrants, source="move", at=batch.at)
    return {}


def register_move() -> None:
    register("move", move_action)
