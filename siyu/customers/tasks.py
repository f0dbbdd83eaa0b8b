"""Background work of the customers app (Django Tasks API; the backend is configured)."""

from __future__ import annotations

from django_tasks import task

from siyu.customers.autotag import recompute_all_rule_tags
from siyu.worker.recovery import repeatable


@repeatable
@task()
def refresh_rule_tags() -> dict[str, list[int]]:
    return {name: list(counts) for name, counts in recompute_all_rule_tags().items()}
