"""Periodic work of the workbench (Django Tasks API). Both jobs may run again after a
partial run: marking overdue is conditional per task, reminders and birthday tasks are
keyed."""

from __future__ import annotations

from dataclasses import asdict

from django_tasks import task

from siyu.workbench import rules, sweep
from siyu.worker.recovery import repeatable


@repeatable
@task()
def sweep_tasks() -> dict[str, int]:
    return asdict(sweep.sweep())


@repeatable
@task()
def birthday_tasks() -> int:
    from django.utils import timezone

    return rules.birthday_tasks(timezone.now())
