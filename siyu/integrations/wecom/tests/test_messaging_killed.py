"""A real worker process SIGKILLed in the middle of a batch of sends: the next worker
finishes the batch, and no send is lost or made twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from siyu.core.models import Staff
from siyu.demo.brand import Brand
from siyu.integrations.wecom.simulator.server import start_server
from siyu.integrations.wecom.simulator.testing import make_simulator
from siyu.integrations.wecom.tests.conftest import CORP_ID
from siyu.integrations.wecom.tests.messaging_world import no_quiet_hours
from siyu.messaging.models import Channel, Send, SendStatus, StaffTask, TaskStatus
from siyu.messaging.send import Message, SendRequest, send
from siyu.messaging.tests.factories import external_id, make_customer
from siyu.worker.tests.processes import database_url

EC = "/cgi-bin/externalcontact"


def _worker(tmp_path: Path, url: str, secret: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "SIYU_DATA_DIR": str(tmp_path),
        "SIYU_WECOM_CORP_ID": CORP_ID,
        "SIYU_WECOM_SECRET": secret,
        "SIYU_WECOM_API_BASE": url,
    }
    command = [sys.executable, "-m", "siyu.cli", "worker", "--interval", "0.1", "--nice", "0"]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603


def _slow(handler: Callable[..., Any], seen: threading.Event, after: int) -> Callable[..., Any]:
    """WeCom takes the call, then answers late: a kill now leaves a task at WeCom that
    the worker never recorded."""
    calls = [0]

    def answer(q: dict[str, str], b: dict[str, Any]) -> Any:
        data = handler(q, b)
        calls[0] += 1
        if calls[0] >= after:
            seen.set()
        time.sleep(0.4)
        return data

    return answer


def kill_when_seen(tmp_path: Path, url: str, secret: str, seen: threading.Event) -> None:
    """Start a worker and SIGKILL it once ``seen`` says it is inside WeCom's call."""
    first = _worker(tmp_path, url, secret)
    try:
        assert seen.wait(90), "the worker never reached WeCom"
        first.send_signal(signal.SIGKILL)
        first.wait()
    finally:
        first.kill()


def _wait(check: Callable[[], bool], what: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


@pytest.mark.django_db(transaction=True)
def test_a_killed_worker_loses_and_repeats_no_send(brand: Brand, tmp_path: Path) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("a worker process needs a database it can share with the test (PostgreSQL)")
    no_quiet_hours()
    sim = make_simulator(corp_id=CORP_ID)
    senders = list(Staff.objects.exclude(wecom_userid=None).order_by("pk")[:8])
    sim.add_staff(*[s.wecom_userid or "" for s in senders])
    seen = threading.Event()
    sim.routes[f"{EC}/add_msg_template"] = _slow(
        sim.routes[f"{EC}/add_msg_template"], seen, after=3
    )
    people = [
        make_customer(f"客{i}", owner=senders[i % len(senders)], at=timezone.now())
        for i in range(32)
    ]
    send(
        SendRequest(
            source="mass",
            source_id="k",
            channel=Channel.WECOM_CUSTOMER,
            message=Message(text="双十二"),
            customers=[p.pk for p in people],
        )
    )
    for i in range(20):
        send(
            SendRequest(
                source="notice",
                source_id=f"n{i}",
                channel=Channel.WECOM_APP,
                message=Message(text=f"待办 {i}"),
                staff_ids=[senders[i % 4].pk],
                purpose="",
            )
        )
    server = start_server(sim)
    try:
        kill_when_seen(tmp_path, server.url, sim.secret, seen)
        assert StaffTask.objects.exclude(status=TaskStatus.AWAITING).exists(), "killed too late"
        # Time passes: the dead worker's leases run out.
        past = timezone.now() - timedelta(seconds=1)
        StaffTask.objects.filter(status=TaskStatus.CREATING).update(lease_until=past)
        Send.objects.filter(task__isnull=True, status=SendStatus.QUEUED).update(due_at=past)
        second = _worker(tmp_path, server.url, sim.secret)
        try:
            _wait(
                lambda: not StaffTask.objects.exclude(status=TaskStatus.AWAITING).exists(),
                "tasks unfinished",
            )
            _wait(
                lambda: (
                    not Send.objects.filter(channel=Channel.WECOM_APP)
                    .exclude(status=SendStatus.SENT)
                    .exists()
                ),
                "notices unsent",
            )
        finally:
            second.terminate()
            second.wait(timeout=30)
    finally:
        server.stop()
    received = Counter(t for task in sim.mass_tasks.values() for t in task.targets)
    assert received == Counter({external_id(p): 1 for p in people})  # none lost, none twice
    assert len(sim.mass_tasks) == StaffTask.objects.count() == len(senders)
    texts = Counter(m["text"]["content"] for m in sim.app_messages)
    assert texts == Counter({f"待办 {i}": 1 for i in range(20)})
