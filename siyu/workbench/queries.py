"""Reads of the workbench for pages, the first screen and the WeCom sidebar. Every list is
scoped by role (a rep sees hers, a manager his store's, HQ all) and bounded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from siyu.core.clock import day_of
from siyu.core.models import Staff
from siyu.core.roles import User, scoped
from siyu.workbench.models import PENDING, FollowNote, LossAlert, Task, TaskState

LIMIT = 50


def visible_tasks(user: User | None) -> QuerySet[Task]:
    return scoped(
        Task.objects.all(),
        user,
        unit_path="staff__org_unit__path",
        own=lambda staff: Q(staff_id=staff.pk),
    )


def open_tasks_for(customer_id: int, staff_id: int | None = None) -> list[Task]:
    """The customer's tasks still to do (the sidebar: the rep's own when ``staff_id``)."""
    rows = Task.objects.filter(customer_id=customer_id, state__in=PENDING)
    if staff_id is not None:
        rows = rows.filter(staff_id=staff_id)
    return list(rows.select_related("staff").order_by("due_at", "pk")[:LIMIT])


def notes_for(customer_id: int, limit: int = 20) -> list[FollowNote]:
    rows = FollowNote.objects.filter(customer_id=customer_id).select_related("staff")
    return list(rows.order_by("-created_at", "-pk")[:limit])


def todays_tasks(staff: Staff, now: datetime | None = None) -> list[Task]:
    """What the rep has to do today: everything open or overdue due before tonight's
    midnight (brand zone), oldest first."""
    end = day_of(now or timezone.now()).end
    rows = Task.objects.filter(staff=staff, state__in=PENDING, due_at__lt=end)
    return list(rows.select_related("customer").order_by("due_at", "pk")[:LIMIT])


def upcoming_tasks(staff: Staff, now: datetime | None = None, limit: int = 10) -> list[Task]:
    end = day_of(now or timezone.now()).end
    rows = Task.objects.filter(staff=staff, state=TaskState.OPEN, due_at__gte=end)
    return list(rows.select_related("customer").order_by("due_at", "pk")[:limit])


def done_today(staff: Staff, now: datetime | None = None) -> int:
    day = day_of(now or timezone.now())
    return Task.objects.filter(
        staff=staff, state=TaskState.DONE, closed_at__gte=day.start, closed_at__lt=day.end
    ).count()


def loss_alerts(user: User | None, *, open_only: bool = False) -> QuerySet[LossAlert]:
    rows = scoped(
        LossAlert.objects.all(),
        user,
        unit_path="staff__org_unit__path",
        own=lambda staff: Q(staff_id=staff.pk),
    )
    if open_only:
        rows = rows.filter(resolved_at__isnull=True)
    return rows.select_related("customer", "staff").order_by("-occurred_at", "-pk")


def customer_alerts(customer_id: int) -> list[LossAlert]:
    rows = LossAlert.objects.filter(customer_id=customer_id).select_related("staff")
    return list(rows.order_by("-occurred_at")[:5])


@dataclass(frozen=True)
class AtRisk:
    customer_id: int
    name: str
    reason: str  # "left" (deleted her rep), "deleted", "overdue"
    at: datetime


def at_risk(staff: Staff, limit: int = 20) -> list[AtRisk]:
    """The rep's customers at risk: those who deleted her (win-back) or she deleted, and
    those whose task with her went overdue."""
    found: dict[int, AtRisk] = {}
    alerts = LossAlert.objects.filter(staff=staff, resolved_at__isnull=True).select_related(
        "customer"
    )
    for a in alerts.order_by("-occurred_at")[:limit]:
        reason = "left" if a.kind == "customer_left" else "deleted"
        found.setdefault(
            a.customer_id, AtRisk(a.customer_id, str(a.customer), reason, a.occurred_at)
        )
    overdue = Task.objects.filter(staff=staff, state=TaskState.OVERDUE).select_related("customer")
    for t in overdue.order_by("due_at")[:limit]:
        found.setdefault(t.customer_id, AtRisk(t.customer_id, str(t.customer), "overdue", t.due_at))
    return sorted(found.values(), key=lambda r: r.at, reverse=True)[:limit]


@dataclass(frozen=True)
class DueCounts:
    due_today: int
    overdue: int


def due_counts(user: User | None, now: datetime | None = None) -> DueCounts:
    """For the first screen: tasks still due today and overdue, in the user's scope."""
    now = now or timezone.now()
    day = day_of(now)
    counts = visible_tasks(user).aggregate(
        due=Count("pk", filter=Q(state=TaskState.OPEN, due_at__lt=day.end)),
        overdue=Count("pk", filter=Q(state=TaskState.OVERDUE)),
    )
    return DueCounts(counts["due"] or 0, counts["overdue"] or 0)
