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
