from __future__ import annotations

from django.db import models


class PeriodicJob(models.Model):
    """A recurring task. Due rows are claimed with a conditional update, so any number of
    worker processes enqueue each run exactly once."""

    name = models.CharField(max_length=100, unique=True)
    task_path = models.CharField(max_length=200)
    interval_seconds = models.PositiveIntegerField()
    next_run_at = models.DateTimeField(db_index=True)
    last_enqueued_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name


class WorkerBeat(models.Model):
    """A `siyu worker` process saying it is alive (see siyu.worker.recovery)."""

    worker_id = models.CharField(max_length=64, unique=True)
    host = models.CharField(max_length=255, blank=True, default="")
    pid = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.worker_id
