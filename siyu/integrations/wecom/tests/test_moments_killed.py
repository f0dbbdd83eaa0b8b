"""A real worker process SIGKILLed while WeCom is answering add_moment_task: the task was
created at WeCom but never recorded. The next worker finds it (get_moment_list since the
attempt began, same text, same executors) instead of creating it again: the post goes
out once."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from siyu.core.models import Staff
from siyu.demo.brand import Brand
from siyu.integrations.wecom.simulator.server import start_server
from siyu.integrations.wecom.simulator.testing import make_simulator
from siyu.integrations.wecom.tests.conftest import CORP_ID
from siyu.integrations.wecom.tests.messaging_world import no_quiet_hours
from siyu.integrations.wecom.tests.test_messaging_killed import (
    EC,
    _slow,
    _wait,
    _worker,
    kill_when_seen,
)
from siyu.messaging.models import Channel, StaffTask, TaskStatus
from siyu.messaging.send import Message, SendRequest, send


@pytest.mark.django_db(transaction=True)
def test_a_moments_task_created_by_a_killed_worker_is_found_not_posted_twice(
    brand: Brand, tmp_path: Path
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("a worker process needs a database it can share with the test (PostgreSQL)")
    no_quiet_hours()
    sim = make_simulator(corp_id=CORP_ID)
    executors = list(Staff.objects.exclude(wecom_userid=None).order_by("pk")[:3])
    sim.add_staff(*[s.wecom_userid or "" for s in executors])
    seen = threading.Event()
    sim.routes[f"{EC}/add_moment_task"] = _slow(sim.routes[f"{EC}/add_moment_task"], seen, after=1)
    send(
        SendRequest(
            source="moments",
            source_id="autumn",
            channel=Channel.WECOM_MOMENT,
            message=Message(text="秋季限定上新", tag_ids=("etTagVip",)),
            staff_ids=[s.pk for s in executors],
            purpose="",
        )
    )
    server = start_server(sim)
    try:
        kill_when_seen(tmp_path, server.url, sim.secret, seen)  # WeCom made the job; no answer
        task = StaffTask.objects.get()
        assert (task.status, task.jobid, task.msgid) == (TaskStatus.CREATING, "", "")
        assert len(sim.moment_jobs) == 1
        StaffTask.objects.filter(pk=task.pk).update(lease_until=timezone.now() - timedelta(1))
        second = _worker(tmp_path, server.url, sim.secret)
        try:
            _wait(
                lambda: StaffTask.objects.filter(status=TaskStatus.AWAITING).exists(),
                "the task was not recovered",
            )
        finally:
            second.terminate()
            second.wait(timeout=30)
    finally:
        server.stop()
    [job] = sim.moment_jobs.values()  # one post at WeCom, not two
    task.refresh_from_db()
    assert (task.msgid, task.attempts) == (job.moment_id, 2)
