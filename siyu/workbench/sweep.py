"""The overdue sweep and the reminders, run by the worker every few minutes.

Marking overdue is a conditional UPDATE per task (``state='open'``), so two sweeps never
both record the ``task_overdue`` event. Reminders are planned after the marking commits
(no network, and the send verb owns its transaction), then the task is stamped: a sweep
lost between the two plans it again, and the send log's key (task id + stage) keeps the
rep from getting it twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from siyu.core.clock import brand_zone
from siyu.workbench.models import Outcome, Task, TaskState
from siyu.workbench.notify import notify_staff
from siyu.workbench.tasks import EVENT_OVERDUE, record_task_event

SOON = timedelta(hours=1)
BATCH = 500


@dataclass(frozen=True)
class SweepResult:
    overdue: int
    reminded_soon: int
    reminded_overdue: int


def mark_overdue(now: datetime) -> int:
    marked = 0
    while True:
        ids = list(
            Task.objects.filter(state=TaskState.OPEN, due_at__lt=now)
            .order_by("due_at", "pk")
            .values_list("pk", flat=True)[:BATCH]
        )
        if not ids:
            return marked
        for task_id in ids:
            with transaction.atomic():
                won = Task.objects.filter(pk=task_id, state=TaskState.OPEN).update(
                    state=TaskState.OVERDUE, outcome=Outcome.OVERDUE, overdue_at=now, updated_at=now
                )
                if won:
                    record_task_event(Task.objects.get(pk=task_id), EVENT_OVERDUE, now)
                    marked += 1


def _when(at: datetime) -> str:
    return at.astimezone(brand_zone()).strftime("%m-%d %H:%M")


def _remind(rows: QuerySet[Task], stage: str, stamp: str, now: datetime) -> int:
    sent = 0
    for task in rows.select_related("customer").order_by("due_at", "pk")[:BATCH]:
        names = {"when": _when(task.due_at), "title": task.title, "customer": task.customer}
        if stage == "soon":
            text = _("Task due at %(when)s: %(title)s (%(customer)s)") % names
        else:
            text = _("Overdue since %(when)s: %(title)s (%(customer)s)") % names
        if notify_staff([task.staff_id], f"task:{task.pk}:{stage}", text, about=task.customer_id):
            Task.objects.filter(pk=task.pk).update(**{stamp: now})
            sent += 1
    return sent


def remind_soon(now: datetime) -> int:
    rows = Task.objects.filter(
        state=TaskState.OPEN, reminded_soon_at__isnull=True, due_at__gte=now, due_at__lt=now + SOON
    )
    return _remind(rows, "soon", "reminded_soon_at", now)


def remind_overdue(now: datetime) -> int:
    rows = Task.objects.filter(state=TaskState.OVERDUE, reminded_overdue_at__isnull=True)
    return _remind(rows, "overdue", "reminded_overdue_at", now)


def sweep(now: datetime | None = None) -> SweepResult:
    now = now or timezone.now()
    overdue = mark_overdue(now)
    return SweepResult(overdue, remind_soon(now), remind_overdue(now))
