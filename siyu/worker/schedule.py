"""Periodic work: the schedule lives in code, the next due time in the database.

Each `siyu worker` runs a small loop that claims due jobs and enqueues their task. The
claim is an UPDATE guarded by the previously read due time, which only one process can
win, so several workers never enqueue the same run twice (no SKIP LOCKED needed, so it
behaves the same on SQLite).
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from importlib import import_module
from typing import Any

from django.db import close_old_connections
from django.utils import timezone

from siyu.worker import recovery
from siyu.worker.models import PeriodicJob

log = logging.getLogger(__name__)

# name -> (task import path, interval in seconds). Apps add their recurring work here.
SCHEDULE: dict[str, tuple[str, int]] = {
    "refresh_rule_tags": ("siyu.customers.tasks.refresh_rule_tags", 3600),
    # Windowed rules ("bought in the last 30 days") change with time, not only on writes.
    "refresh_all_segments": ("siyu.segments.tasks.refresh_all_segments", 900),
}
TICK_SECONDS = 15.0


def ensure_jobs(now: datetime | None = None) -> None:
    now = now or timezone.now()
    # Jobs dropped from the code would otherwise fail to load at every run.
    PeriodicJob.objects.exclude(name__in=list(SCHEDULE)).delete()
    for name, (path, interval) in SCHEDULE.items():
        job, created = PeriodicJob.objects.get_or_create(
            name=name,
            defaults={"task_path": path, "interval_seconds": interval, "next_run_at": now},
        )
        if not created and (job.task_path, job.interval_seconds) != (path, interval):
            PeriodicJob.objects.filter(pk=job.pk).update(task_path=path, interval_seconds=interval)


def load_task(path: str) -> Any:
    module, _, name = path.rpartition(".")
    return getattr(import_module(module), name)


def enqueue_due(now: datetime | None = None) -> list[str]:
    """Enqueue every job that is due and that this process wins; return their names."""
    now = now or timezone.now()
    enqueued = []
    for job in PeriodicJob.objects.filter(next_run_at__lte=now):
        won = PeriodicJob.objects.filter(pk=job.pk, next_run_at=job.next_run_at).update(
            next_run_at=now + timedelta(seconds=job.interval_seconds), last_enqueued_at=now
        )
        if not won:
            continue
        try:
            load_task(job.task_path).enqueue()
        except Exception:
            # A broken job must not stop the others or the worker; it is retried next run.
            log.exception("periodic job %s could not be enqueued", job.name)
            continue
        enqueued.append(job.name)
    return enqueued


def start_scheduler(
    stop: threading.Event, tick: float = TICK_SECONDS, worker_id: str | None = None
) -> threading.Thread:
    """The periodic loop of a worker process; with ``worker_id`` it also says the process
    is alive and recovers tasks of workers that are not (siyu.worker.recovery)."""

    def loop() -> None:
        ensure_jobs()
        while not stop.is_set():
            try:
                if worker_id is not None:
                    recovery.beat(worker_id)
                    recovery.recover_lost_tasks()
                enqueue_due()
            except Exception:
                log.exception("scheduler tick failed")
            finally:
                close_old_connections()
            stop.wait(tick)

    thread = threading.Thread(target=loop, name="siyu-scheduler", daemon=True)
    thread.start()
    return thread
