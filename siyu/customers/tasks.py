"""Background work of the customers app (Django Tasks API; the backend is configured)."""

from __future__ import annotations

from django_tasks import task

from siyu.customers.autotag import recompute_all_rule_tags
from siyu.customers.changes import prune_changes as prune_change_rows
from siyu.worker.recovery import repeatable


@repeatable
@task()
def refresh_rule_tags() -> dict[str, list[int]]:
    return {name: list(counts) for name, counts in recompute_all_rule_tags().items()}


@repeatable
@task()
def prune_changes() -> int:
    """Drop change-feed rows past their retention (chunked; safe to run again)."""
    return prune_change_rows()
