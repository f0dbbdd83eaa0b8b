"""Tasks whose worker died while running them.

The database task backend marks a task RUNNING when a worker claims it and never looks
at it again: after a SIGKILL, an out-of-memory kill or a lost machine the task stays
RUNNING for ever and its work is silently lost (for a WeCom add: the attribution, the
channel tags, the owner). So every `siyu worker` process beats into ``WorkerBeat``, and
the scheduler loop of every live worker looks for RUNNING tasks whose worker stopped
beating. A task marked ``repeatable`` (safe to run again after a partial run: it writes
through idempotency keys, or recomputes) goes back to the queue; any other task is failed
with a reason an operator can read, because running it again might repeat what already
reached customers (a mass send). Several workers may recover at once: each change is a
conditional UPDATE that only one of them wins.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.utils import timezone
from django_tasks.base import TaskResultStatus

from siyu.worker.models import WorkerBeat

log = logging.getLogger(__name__)

T = TypeVar("T")
REPEATABLE: set[str] = set()
LOST_REASON = "siyu.worker.recovery.WorkerLost"


def repeatable(task: T) -> T:
    """Mark a task as safe to run again when its worker died half-way through it."""
    REPEATABLE.add(str(getattr(task, "module_path")))  # noqa: B009 - any django_tasks Task
    return task


def lost_after() -> timedelta:
    """Silence after which a worker counts as dead (several beats: one slow write is not)."""
    return timedelta(seconds=settings.SIYU_WORKER_LOST_AFTER)


def new_worker_id() -> str:
    """Unique across the pool, and readable in the task table: host, pid, random part."""
    return f"{socket.gethostname()[:36]}-{os.getpid()}-{secrets.token_hex(4)}"[:58]


def lane_id(worker_id: str, index: int) -> str:
    """The id a fast-lane thread of worker ``worker_id`` claims tasks under."""
    return f"{worker_id[:58]}/f{index}"


def _process_of(worker_id: str) -> str:
    return worker_id.split("/", 1)[0]


# Workers of this process that stopped cleanly: the scheduler's last beat, racing the
# stop, must not write the row forget() just deleted (a stopped worker would look alive).
_FORGOTTEN: set[str] = set()
_BEAT_LOCK = threading.Lock()


def beat(worker_id: str, now: datetime | None = None) -> None:
    now = now or timezone.now()
    with _BEAT_LOCK:
        if worker_id in _FORGOTTEN:
            return
        updated = WorkerBeat.objects.filter(worker_id=worker_id).update(beat_at=now)
        if updated:
            return
        WorkerBeat.objects.create(
            worker_id=worker_id,
            host=socket.gethostname()[:255],
            pid=os.getpid(),
            started_at=now,
            beat_at=now,
        )


def forget(worker_id: str) -> None:
    """A clean stop: the worker finished its task, nothing to recover."""
    with _BEAT_LOCK:
        _FORGOTTEN.add(worker_id)
        WorkerBeat.objects.filter(worker_id=worker_id).delete()


def recover_lost_tasks(now: datetime | None = None) -> dict[str, int]:
    """Requeue or fail RUNNING tasks of dead workers; returns how many of each."""
    from django_tasks_db.models import DBTaskResult, get_date_max

    now = now or timezone.now()
    cutoff = now - lost_after()
    # A dead worker's row has served its purpose once its tasks were seen to.
    WorkerBeat.objects.filter(beat_at__lt=now - timedelta(days=1)).delete()
    live = set(WorkerBeat.objects.filter(beat_at__gte=cutoff).values_list("worker_id", flat=True))
    counts = {"requeued": 0, "failed": 0}
    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=cutoff)
    for row in running.only("id", "task_path", "worker_ids", "started_at"):
        worker = row.worker_ids[-1] if row.worker_ids else ""
        if _process_of(worker) in live:  # a lane thread lives and dies with its process
            continue
        # Only if nobody finished or reclaimed it since we read it.
        still = DBTaskResult.objects.filter(
            pk=row.pk, status=TaskResultStatus.RUNNING, started_at=row.started_at
        )
        changes: dict[str, Any]
        if row.task_path in REPEATABLE:
            # The backend's "no delay": ready at once, whatever clock ``now`` came from.
            changes = {
                "status": TaskResultStatus.READY,
                "started_at": None,
                "run_after": get_date_max(),
            }
            outcome = "requeued"
        else:
            changes = {
                "status": TaskResultStatus.FAILED,
                "finished_at": now,
                "exception_class_path": LOST_REASON,
                "traceback": (
                    f"Worker {worker or '?'} stopped while running this task (no sign of "
                    f"life since {cutoff:%Y-%m-%d %H:%M:%S} UTC). It is not marked "
                    "repeatable, so it was not run again: check what it did, then enqueue "
                    "it again if needed."
                ),
            }
            outcome = "failed"
        if still.update(**changes):
            counts[outcome] += 1
            log.warning("task %s (%s) of lost worker %s %s", row.pk, row.task_path, worker, outcome)
    return counts
