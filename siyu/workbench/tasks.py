"""Write paths of staff tasks: create (idempotent on source and key), finish, skip, cancel.

Finishing or skipping records the customer event ``task_done``, going overdue
``task_overdue`` (``jobs.py``), both with ``{"task_id", "source", "source_key",
"outcome"}``: journeys and rules read them from the change feed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from siyu.core.models import Staff
from siyu.customers.events import record_event
from siyu.customers.models import Customer
from siyu.workbench.models import PENDING, Outcome, Task, TaskKind, TaskState

EVENT_DONE = "task_done"
EVENT_OVERDUE = "task_overdue"
EVENT_SOURCE = "workbench"
DONE_OUTCOMES = (Outcome.REACHED, Outcome.CONVERTED, Outcome.NO_ANSWER, Outcome.NOT_INTERESTED)


class TaskRefused(ValueError):
    """The task cannot move that way (already closed, or not the rep's)."""


def create_task(
    *,
    customer_id: int,
    staff_id: int,
    kind: str,
    title: str,
    due_at: datetime,
    source: str,
    source_key: str,
    material_id: int | None = None,
    payload: dict[str, Any] | None = None,
    created_by_id: int | None = None,
) -> Task:
    """The task for (source, source_key): made once, returned as it is afterwards."""
    if kind not in TaskKind.values:
        raise ValueError(f"unknown task kind {kind!r}")
    if not source or not source_key:
        raise ValueError("a task needs a source and a source key")
    if due_at.tzinfo is None:
        raise ValueError("a task's due time must be aware")
    found = Task.objects.filter(source=source, source_key=source_key).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return Task.objects.create(
                customer_id=customer_id,
                staff_id=staff_id,
                kind=kind,
                title=title[:200],
                due_at=due_at,
                source=source[:40],
                source_key=source_key[:128],
                material_id=material_id,
                payload=payload or {},
                created_by_id=created_by_id,
            )
    except IntegrityError:
        # A concurrent call with the same key committed first.
        return Task.objects.get(source=source, source_key=source_key)


def task_properties(task: Task) -> dict[str, Any]:
    return {
        "task_id": task.pk,
        "source": task.source,
        "source_key": task.source_key,
        "outcome": task.outcome,
        "kind": task.kind,
        "staff_id": task.staff_id,
    }


def record_task_event(task: Task, event_type: str, at: datetime) -> None:
    customer = Customer.objects.get(pk=task.customer_id)
    record_event(
        customer,
        type=event_type,
        occurred_at=at,
        properties=task_properties(task),
        source=EVENT_SOURCE,
        idempotency_key=f"workbench:{event_type}:{task.pk}",
    )


def _close(task_id: int, state: str, outcome: str, note: str, by: Staff | None) -> Task:
    now = timezone.now()
    with transaction.atomic():
        task = Task.objects.select_for_update().filter(pk=task_id).first()
        if task is None:
            raise TaskRefused("no such task")
        if by is not None and task.staff_id != by.pk:
            raise TaskRefused("not your task")
        if task.state not in PENDING:
            raise TaskRefused("the task is closed")
        task.state, task.outcome, task.outcome_note = state, outcome, note[:200]
        task.closed_at = now
        task.save(update_fields=["state", "outcome", "outcome_note", "closed_at", "updated_at"])
        record_task_event(task, EVENT_DONE, now)
    return task


def finish_task(task_id: int, outcome: str, *, note: str = "", by: Staff | None = None) -> Task:
    """Done, with what came of it. ``by``: only that rep's own task."""
    if outcome not in DONE_OUTCOMES:
        raise TaskRefused("unknown outcome")
    return _close(task_id, TaskState.DONE, outcome, note, by)


def skip_task(task_id: int, *, note: str = "", by: Staff | None = None) -> Task:
    return _close(task_id, TaskState.SKIPPED, Outcome.SKIPPED, note, by)


def cancel_task(task_id: int) -> bool:
    """An operator withdraws a task; no event (nothing happened with the customer)."""
    return bool(
        Task.objects.filter(pk=task_id, state__in=PENDING).update(
            state=TaskState.CANCELLED, outcome=Outcome.CANCELLED, closed_at=timezone.now()
        )
    )
