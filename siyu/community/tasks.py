"""Recurring community work on the worker's schedule."""

from __future__ import annotations

from django_tasks import task

from siyu.community.sop import plan_slots
from siyu.worker.recovery import repeatable


@repeatable
@task()
def plan_sop_posts() -> int:
    """The SOP slots' posts for the coming week; a rerun plans nothing twice."""
    return plan_slots()
