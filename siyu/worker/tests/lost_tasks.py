"""Tasks for the recovery tests; a worker subprocess imports them by path."""

from __future__ import annotations

import time
from pathlib import Path

from django_tasks import task

from siyu.worker.recovery import repeatable


@repeatable
@task()
def hold(marker: str) -> str:
    """First run: say so, then hang until killed. A run after that: finish at once."""
    started = Path(marker + ".started")
    if started.exists():
        Path(marker + ".rerun").touch()
        return "rerun"
    started.touch()
    time.sleep(300)
    return "slept"


@task()
def send_once(marker: str) -> None:
    """Stands for a task that must not repeat (a mass send): never requeued."""
    Path(marker + ".sent").touch()


@task(queue_name="fast", priority=10)
def touch(marker: str) -> str:
    """A short fast-queue task (stands for onboarding)."""
    Path(marker).touch()
    return "touched"
