"""Tasks queued by versions that enqueued one task per callback. The worker now polls the
inbox (``process.drain_pending``); these only let such queued tasks finish after an
upgrade, and can go once no installation has them pending."""

from __future__ import annotations

from django_tasks import task

from siyu.integrations.wecom.process import drain_pending, process_callback_row
from siyu.worker.recovery import repeatable


@repeatable
@task()
def process_callback(inbox_id: int) -> int:
    return process_callback_row(inbox_id)


@repeatable
@task()
def sweep_callbacks() -> int:
    return drain_pending()
