"""Background work for WeCom callbacks (Django Tasks API)."""

from __future__ import annotations

from django_tasks import task

from siyu.integrations.wecom.process import process_callback_row, sweep


@task()
def process_callback(inbox_id: int) -> int:
    """Apply this inbox row and the pending rows after it with the same ordering key."""
    return process_callback_row(inbox_id)


# Ahead of everything: it is cheap when there is nothing to do, and behind a backlog of fast
# tasks a row orphaned by a killed worker (its add event's welcome window ticking) would wait.
@task(priority=20)
def sweep_callbacks() -> int:
    return sweep()
