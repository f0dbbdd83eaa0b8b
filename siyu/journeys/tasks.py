"""The engine as a task, for the Redis/RQ backend: any number of RQ workers on any number
of machines drain due batches side by side (each batch claims its own rows)."""

from __future__ import annotations

from django_tasks import task

from siyu.journeys.engine import advance_due
from siyu.worker.recovery import repeatable


# Repeatable: a batch commits whole or not at all, so running it again repeats nothing.
@repeatable
@task()
def advance_journeys(batches: int = 20) -> int:
    moved = 0
    for _ in range(max(1, min(batches, 1000))):
        done = advance_due()
        moved += done
        if done == 0:
            break
    return moved
