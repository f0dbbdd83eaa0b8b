"""Tasks of dead workers: requeued when repeatable, failed with a reason otherwise."""

from __future__ import annotations

import os
import signal
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from siyu.worker import recovery
from siyu.worker.models import WorkerBeat
from siyu.worker.tests.lost_tasks import hold, send_once
from siyu.worker.tests.processes import start_worker, wait_for


def claimed(task_id: str, worker_id: str, started_ago: timedelta) -> None:
    DBTaskResult.objects.filter(pk=task_id).update(
        status=TaskResultStatus.RUNNING,
        worker_ids=[worker_id],
        started_at=timezone.now() - started_ago,
    )


@pytest.mark.django_db
def test_tasks_of_a_silent_worker_are_requeued_or_failed_and_live_ones_left(
    tmp_path: Path,
) -> None:
    now = timezone.now()
    recovery.beat("alive", now)
    recovery.beat("dead", now - timedelta(minutes=5))
    long_ago = timedelta(minutes=5)
    mine = hold.enqueue(str(tmp_path / "a")).id
    lost_repeatable = hold.enqueue(str(tmp_path / "b")).id
    lost_other = send_once.enqueue(str(tmp_path / "c")).id
    never_beat = hold.enqueue(str(tmp_path / "d")).id
    just_claimed = send_once.enqueue(str(tmp_path / "e")).id
    claimed(mine, "alive", long_ago)
    claimed(lost_repeatable, "dead", long_ago)
    claimed(lost_other, "dead", long_ago)
    claimed(never_beat, "unknown-worker", long_ago)
    claimed(just_claimed, "dead", timedelta(seconds=1))

    assert recovery.recover_lost_tasks(now) == {"requeued": 2, "failed": 1}

    status = {str(pk): s for pk, s in DBTaskResult.objects.values_list("id", "status")}
    assert status[mine] == TaskResultStatus.RUNNING
    assert status[lost_repeatable] == TaskResultStatus.READY
    assert status[never_beat] == TaskResultStatus.READY
    assert status[just_claimed] == TaskResultStatus.RUNNING  # within the grace period
    failed = DBTaskResult.objects.get(pk=lost_other)
    assert failed.status == TaskResultStatus.FAILED
    assert failed.exception_class_path == recovery.LOST_REASON
    assert "not marked repeatable" in failed.traceback
    ready = {str(pk) for pk in DBTaskResult.objects.ready().values_list("id", flat=True)}
    assert {str(lost_repeatable), str(never_beat)} <= ready
    # A second recoverer at the same moment finds nothing left to do.
    assert recovery.recover_lost_tasks(now) == {"requeued": 0, "failed": 0}


@pytest.mark.django_db
def test_beats_update_one_row_and_a_clean_stop_removes_it() -> None:
    recovery.beat("w1", timezone.now() - timedelta(minutes=1))
    recovery.beat("w1")
    row = WorkerBeat.objects.get(worker_id="w1")
    assert row.beat_at > row.started_at
    assert row.pid == os.getpid()
    recovery.forget("w1")
    assert not WorkerBeat.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_task_survives_its_worker_being_killed(tmp_path: Path) -> None:
    """A real worker process claims a task and is SIGKILLed in the middle of it; the task
    is recovered and a second worker process runs it to the end."""
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(":memory"):
        pytest.skip("a worker process needs a database file to share")
    marker = tmp_path / "job"
    task_id = hold.enqueue(str(marker)).id
    first = start_worker(tmp_path)
    try:
        wait_for(Path(f"{marker}.started"))
        first.send_signal(signal.SIGKILL)
        first.wait()
    finally:
        first.kill()
    row = DBTaskResult.objects.get(pk=task_id)
    assert row.status == TaskResultStatus.RUNNING  # what the backend alone would leave
    dead = row.worker_ids[-1]
    assert WorkerBeat.objects.filter(worker_id=dead).exists()

    later = timezone.now() + recovery.lost_after() * 2
    assert recovery.recover_lost_tasks(later) == {"requeued": 1, "failed": 0}
    second = start_worker(tmp_path)
    try:
        wait_for(Path(f"{marker}.rerun"))
        deadline = time.monotonic() + 30
        while DBTaskResult.objects.get(pk=task_id).status != TaskResultStatus.SUCCESSFUL:
            assert time.monotonic() < deadline, "the requeued task did not finish"
            time.sleep(0.1)
    finally:
        second.terminate()
        second.wait(timeout=30)
    row = DBTaskResult.objects.get(pk=task_id)
    assert row.return_value == "rerun"
    assert row.worker_ids[0] == dead
    assert row.worker_ids[-1] != dead
    # A clean stop takes the worker's beat with it.
    assert not WorkerBeat.objects.filter(worker_id=row.worker_ids[-1]).exists()


@pytest.mark.django_db(transaction=True)
def test_a_worker_stopped_while_starting_takes_its_beat_with_it(tmp_path: Path) -> None:
    """The beat is written before the scheduler, pollers and claim loop start; a SIGTERM in
    that window killed the process outright and left a live-looking beat behind."""
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(":memory"):
        pytest.skip("a worker process needs a database file to share")
    worker = start_worker(tmp_path)
    try:
        deadline = time.monotonic() + 60
        while not WorkerBeat.objects.filter(pid=worker.pid).exists():
            assert time.monotonic() < deadline, "the worker never wrote its beat"
            time.sleep(0.02)
        worker.terminate()
        assert worker.wait(timeout=30) != -signal.SIGTERM, "killed by the signal, not stopped"
    finally:
        worker.kill()
    assert not WorkerBeat.objects.filter(pid=worker.pid).exists()
