"""A real worker process killed inside a batch, and another after it: every step's
effect exactly once (PostgreSQL: two processes, row locks, a transaction cut off)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Count

from siyu.customers.models import CustomerTag
from siyu.customers.tagging import ensure_tag
from siyu.journeys.entries import Entrant, enroll
from siyu.journeys.models import Enrollment, StepEffect, WebhookCall
from siyu.journeys.tests.factories import chain, make_journey, plain_customers
from siyu.worker.tests.processes import database_url, wait_for

N = 1500


def start(tmp_path: Path, mark: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": database_url(), "SIYU_DATA_DIR": str(tmp_path)}
    env["SIYU_CRASH_MARK"] = mark
    command = [sys.executable, "-m", "siyu.journeys.tests.crash_worker"]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603


def wait_all_finished(timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while Enrollment.objects.filter(status="waiting").exists():
        if time.monotonic() > deadline:
            raise AssertionError("enrollments still waiting")
        time.sleep(0.2)


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_repeats_nothing_and_loses_nothing(tmp_path: Path) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("real processes sharing row locks: PostgreSQL (DATABASE_URL=postgres://…)")
    tag = ensure_tag("旅程", "崩溃")
    journey = make_journey(
        chain(
            {"type": "task"},
            {"type": "tag", "tag_id": tag.pk},
            {"type": "webhook", "url": "https://hook.test/"},
        )
    )
    people = plain_customers(N)
    enroll(journey, [Entrant(c.pk) for c in people], source="api")
    mark = tmp_path / "inside"
    first = start(tmp_path, str(mark))
    try:
        wait_for(mark)
        committed = Enrollment.objects.filter(status="finished").count()
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    finally:
        first.kill()
    assert 0 < committed < N  # killed after one batch committed, inside the next
    second, third = start(tmp_path, ""), start(tmp_path, "")
    try:
        wait_all_finished()
    finally:
        second.kill()
        third.kill()
    calls = WebhookCall.objects.values("enrollment", "url").annotate(n=Count("pk"))
    assert len(calls) == 2 * N
    assert {c["n"] for c in calls} == {1}
    assert CustomerTag.objects.filter(tag=tag).count() == N
    per_row = StepEffect.objects.values("enrollment").annotate(n=Count("pk"))
    assert {r["n"] for r in per_row} == {4}
    assert len(per_row) == N
