"""The fast queue has threads of its own: onboarding never waits behind a long task."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from django.db import connection
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from siyu.worker.tests.lost_tasks import hold, touch
from siyu.worker.tests.processes import start_worker, wait_for


@pytest.mark.django_db(transaction=True)
def test_a_fast_task_runs_while_the_main_thread_is_busy(tmp_path: Path) -> None:
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(":memory"):
        pytest.skip("a worker process needs a database file to share")
    long_task = hold.enqueue(str(tmp_path / "long")).id
    worker = start_worker(tmp_path)
    try:
        wait_for(tmp_path / "long.started")
        fast_task = touch.enqueue(str(tmp_path / "fast")).id
        wait_for(tmp_path / "fast")
        assert DBTaskResult.objects.get(pk=long_task).status == TaskResultStatus.RUNNING
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    ran = DBTaskResult.objects.get(pk=fast_task)
    assert ran.worker_ids[-1].endswith("/f0") or ran.worker_ids[-1].endswith("/f1")


def test_lane_ids_fit_the_task_table_and_name_their_process() -> None:
    from siyu.worker import recovery

    base = recovery.new_worker_id()
    lane = recovery.lane_id(base, 31)
    assert len(lane) <= 64
    assert lane.split("/", 1)[0] == base
