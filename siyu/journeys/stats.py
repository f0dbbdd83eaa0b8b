"""What a journey did: entered, active, converted and lift against its holdout; counts per
step (entered, waiting, done, exited, converted, blocked by reason); a customer's
journeys; and the winner of a random split, chosen on the goal after its window."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from django.db.models import Count, Sum
from django.utils import timezone

from siyu.analytics.intervals import Interval, mean_difference, proportion_difference
from siyu.journeys.models import (
    Conversion,
    EffectOutcome,
    Enrollment,
    EnrollmentStatus,
    Finish,
    Journey,
    JourneyStatus,
    StepEffect,
)

MIN_GROUP = 2


@dataclass(frozen=True)
class Summary:
    journey: Journey
    entered: int
    active: int
    converted: int
    held: int
    held_converted: int
    revenue_fen: int
    lift: Interval | None
    revenue_lift: Interval | None

    @property
    def rate(self) -> float:
        treated = self.entered - self.held
        return (self.converted - self.held_converted) / treated if treated else 0.0


def _revenue(journey: Journey, holdout: bool, n: int) -> list[float]:
    paid = list(
        Conversion.objects.filter(journey=journey, enrollment__holdout=holdout).values_list(
            "revenue_fen", flat=True
        )
    )
    return [float(x) for x in paid] + [0.0] * max(0, n - len(paid))


def summarize(journey: Journey) -> Summary:
    rows = Enrollment.objects.filter(journey=journey)
    grouped = rows.values_list("status", "holdout").annotate(n=Count("pk")).order_by()
    counts: Counter[tuple[str, bool]] = Counter({(st, h): n for st, h, n in grouped})
    conv = Conversion.objects.filter(journey=journey)
    held = counts["finished", True] + counts["waiting", True]
    entered = sum(counts.values())
    converted = conv.count()
    held_conv = conv.filter(enrollment__holdout=True).count()
    lift = revenue = None
    if held >= MIN_GROUP and entered - held >= MIN_GROUP:
        lift = proportion_difference(converted - held_conv, entered - held, held_conv, held)
        revenue, _se = mean_difference(
            np.array(_revenue(journey, False, entered - held)),
            np.array(_revenue(journey, True, held)),
        )
    return Summary(
        journey=journey, entered=entered, active=counts["waiting", False], converted=converted,
        held=held, held_converted=held_conv,
        revenue_fen=int(conv.aggregate(s=Sum("revenue_fen"))["s"] or 0),
        lift=lift, revenue_lift=revenue,
    )  # fmt: skip


@dataclass
class StepCounts:
    step: str
    entered: int = 0
    waiting: int = 0
    done: int = 0
    exited: int = 0
    converted: int = 0
    blocked: dict[str, int] = field(default_factory=dict)
    # Revenue of the conversions attributed to the step, the enrollments that ran it, and
    # the holdout's revenue per head (None without a holdout) to set it against.
    revenue_fen: int = 0
    reached: int = 0
    held_per_head_fen: float | None = None

    @property
    def per_head_fen(self) -> float:
        return self.revenue_fen / self.reached if self.reached else 0.0

    @property
    def against_holdout_fen(self) -> float | None:
        """Revenue per head of those who ran the step minus the holdout's per head."""
        if self.held_per_head_fen is None or not self.reached:
            return None
        return self.per_head_fen - self.held_per_head_fen


def step_counts(journey: Journey) -> dict[str, StepCounts]:
    out: dict[str, StepCounts] = defaultdict(lambda: StepCounts(""))
    effects = StepEffect.objects.filter(enrollment__journey=journey)
    for step, outcome, reason, n in (
        effects.values_list("step", "outcome", "reason").annotate(n=Count("pk")).order_by()
    ):
        row = out[step]
        row.entered += n
        if outcome == EffectOutcome.BLOCKED:
            row.blocked[reason] = row.blocked.get(reason, 0) + n
        elif outcome != EffectOutcome.WAITING:
            row.done += n
    mine = Enrollment.objects.filter(journey=journey)
    for step, status, finish, n in (
        mine.values_list("step", "status", "finish").annotate(n=Count("pk")).order_by()
    ):
        if status == EnrollmentStatus.WAITING:
            out[step].waiting += n
        elif finish in (Finish.EXITED, Finish.GOAL):
            out[step].exited += n
    conversions = Conversion.objects.filter(journey=journey)
    for step, n in conversions.values_list("step").annotate(n=Count("pk")).order_by():
        out[step].converted += n
    _revenue_per_step(journey, out)
    for key, row in out.items():
        row.step = key
    return dict(out)


def _revenue_per_step(journey: Journey, out: dict[str, StepCounts]) -> None:
    """Conversions are attributed to the step an enrollment was at (waiting for it): its
    revenue per head counts those who ran the step or wait at it, against the holdout's."""
    ran = StepEffect.objects.filter(enrollment__journey=journey).values_list("step")
    for step, n in ran.annotate(n=Count("enrollment", distinct=True)).order_by():
        out[step].reached += n
    mine = Enrollment.objects.filter(journey=journey)
    waiting = mine.filter(status=EnrollmentStatus.WAITING, holdout=False).values_list("step")
    for step, n in waiting.annotate(n=Count("pk")).order_by():
        out[step].reached += n
    conversions = Conversion.objects.filter(journey=journey)
    treated = conversions.filter(enrollment__holdout=False).values_list("step")
    for step, fen in treated.annotate(fen=Sum("revenue_fen")).order_by():
        out[step].revenue_fen += int(fen or 0)
    held = mine.filter(holdout=True).count()
    held_fen = conversions.filter(enrollment__holdout=True).aggregate(s=Sum("revenue_fen"))["s"]
    for row in out.values():
        row.held_per_head_fen = int(held_fen or 0) / held if held else None


def customer_journeys(customer_id: int, limit: int = 20) -> list[dict[str, Any]]:
    """For the 360 page: each enrollment with its journey, where it is and what happened."""
    rows = list(
        Enrollment.objects.filter(customer_id=customer_id)
        .select_related("journey")
        .order_by("-entered_at")[:limit]
    )
    effects: dict[int, list[StepEffect]] = defaultdict(list)
    for e in StepEffect.objects.filter(enrollment__in=rows).order_by("visit"):
        effects[e.enrollment_id].append(e)
    return [{"enrollment": r, "effects": effects[r.pk]} for r in rows]


def running(limit: int = 6) -> list[Summary]:
    live = Journey.objects.filter(status=JourneyStatus.ACTIVE).order_by("-updated_at")[:limit]
    return [summarize(j) for j in live]


def choose_winner(
    journey: Journey, version_id: int, step: str, *, at: datetime | None = None
) -> int | None:
    """After the split's window, the path whose enrollments converted most often wins:
    every later enrollment takes it. Returns the path, or None before the window."""
    now = at or timezone.now()
    version = journey.versions.get(pk=version_id)
    cfg = version.graph["steps"][step]
    days = int(cfg.get("winner_after_days", 0))
    if days <= 0 or now < version.published_at + timedelta(days=days):
        return None
    took = StepEffect.objects.filter(version_id=version_id, step=step)
    tally: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    won = set(Conversion.objects.filter(journey=journey).values_list("enrollment_id", flat=True))
    for enrollment_id, detail in took.values_list("enrollment_id", "detail"):
        path = int(str(detail.get("exit", "paths.0")).split(".")[1])
        tally[path][0] += 1
        tally[path][1] += enrollment_id in won
    if not tally:
        return None
    best = max(tally, key=lambda p: (tally[p][1] / tally[p][0], -p))
    winners = {**journey.winners, f"{version_id}:{step}": best}
    Journey.objects.filter(pk=journey.pk).update(winners=winners)
    journey.winners = winners
    return best
