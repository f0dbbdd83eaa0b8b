"""A journeys worker process for the crash test: runs the engine's poller in a loop with
a test "task" handler that writes a row of ours per item; with ``SIYU_CRASH_MARK`` set it
stops inside its second batch (rows written, not committed) until it is killed."""

from __future__ import annotations

import os
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "siyu.settings_test")
django.setup()

from siyu.journeys import engine  # noqa: E402
from siyu.journeys.actions import Batch, Result, register  # noqa: E402
from siyu.journeys.models import WebhookCall  # noqa: E402
from siyu.worker.pollers import poll_once  # noqa: E402

MARK = os.environ.get("SIYU_CRASH_MARK", "")
batches = 0


def task_handler(batch: Batch) -> dict[int, Result]:
    global batches
    WebhookCall.objects.bulk_create(
        WebhookCall(enrollment_id=i.enrollment_id, url="https://task.test/", created_at=batch.at)
        for i in batch.items
    )
    batches += 1
    if MARK and batches == 2:
        Path(MARK).write_text("inside the second batch")
        time.sleep(120)
    return {}


register("task", task_handler)
engine.BATCH = 500  # the test's 1,500 enrollments take three batches: killed in the second
while True:
    if poll_once("siyu.journeys.engine.poll_due") <= 0:
        time.sleep(0.1)
