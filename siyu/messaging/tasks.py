"""Periodic jobs of messaging (scheduled in MessagingConfig.ready)."""

from __future__ import annotations

from django_tasks import task

from siyu.messaging.lifecycle import follow_up, reconcile
from siyu.worker.recovery import repeatable


# A partial run is safe to run again: results are idempotent and reminders are recorded
# before they are sent.
@repeatable
@task()
def follow_up_tasks() -> dict[str, int]:
    return follow_up()


@repeatable
@task()
def reconcile_nightly() -> dict[str, int]:
    return reconcile()


# Not repeatable: a reminder the worker died in the middle of is not sent twice.
@task()
def remind_now(task_id: int) -> bool:
    from datetime import timedelta

    from siyu.messaging.lifecycle import remind_task
    from siyu.messaging.models import StaffTask

    row = StaffTask.objects.select_related("staff").filter(pk=task_id).first()
    return bool(row and remind_task(row, after=timedelta(0)))


@repeatable
@task()
def cancel_now(plan_id: int) -> int:
    from siyu.messaging.lifecycle import cancel_plan
    from siyu.messaging.models import SendPlan

    plan = SendPlan.objects.filter(pk=plan_id).first()
    return cancel_plan(plan) if plan else 0
